// `ekyc api` as a process: configuration from the environment, listening, serving, and a graceful stop on SIGTERM.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { TEST_CODEC_KEYS } from '../client/harness.js';
import { createTestIssuer, type TestIssuer } from '../support/jwt.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CLI_ENTRY = fileURLToPath(new URL('../client/cli-entry.ts', import.meta.url));

let issuer: TestIssuer;
beforeAll(async () => {
  issuer = await createTestIssuer();
});

function apiEnv(extra: Record<string, string | undefined> = {}): Record<string, string> {
  const env: Record<string, string | undefined> = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    TEMPORAL_ADDRESS: inject('temporalAddress'),
    TEMPORAL_NAMESPACE: inject('temporalNamespace'),
    EKYC_CODEC_KEYS: TEST_CODEC_KEYS,
    EKYC_LOG_LEVEL: 'warn',
    EKYC_API_HOST: '127.0.0.1',
    EKYC_API_PORT: '0',
    EKYC_JWT_PUBLIC_KEY: issuer.config.publicKey!,
    EKYC_JWT_ISSUER: issuer.config.issuer,
    EKYC_JWT_AUDIENCE: issuer.config.audience,
    ...extra,
  };
  return Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined));
}

function spawnApi(env: Record<string, string>) {
  const child = spawn(process.execPath, ['--import', 'tsx', CLI_ENTRY, 'api'], { cwd: ROOT, env });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
  child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return { child, exited, output: () => ({ stdout, stderr }) };
}

async function listeningUrl(api: ReturnType<typeof spawnApi>, timeoutMs = 60_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const m = /listening on (http:\/\/\S+)/.exec(api.output().stderr);
    if (m) return m[1];
    if (api.child.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`ekyc api did not start: ${api.output().stderr.slice(-500)}`);
}

describe('ekyc api', () => {
  let api: ReturnType<typeof spawnApi> | undefined;
  afterAll(() => {
    if (api && api.child.exitCode === null) (api.child as ChildProcessWithoutNullStreams).kill('SIGKILL');
  });

  it('serves health, readiness and an authenticated /v1 call, then stops cleanly on SIGTERM', async () => {
    api = spawnApi(apiEnv());
    const url = await listeningUrl(api);
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    expect((await fetch(`${url}/readyz`)).status).toBe(200);
    const res = await fetch(`${url}/v1/ekyc/13572468`, {
      headers: { authorization: `Bearer ${await issuer.adminToken()}` },
    });
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect((await fetch(`${url}/v1/ekyc/13572468`)).status).toBe(401);
    api.child.kill('SIGTERM');
    expect(await api.exited).toBe(0);
  });

  it('stops at start with a CONFIG error naming a missing JWT variable', async () => {
    const run = spawnApi(apiEnv({ EKYC_JWT_ISSUER: undefined }));
    expect(await run.exited).toBe(2);
    expect(JSON.parse(run.output().stdout).error).toMatchObject({ code: 'CONFIG' });
    expect(JSON.parse(run.output().stdout).error.message).toMatch(/^EKYC_JWT_ISSUER: /);
  });
});
