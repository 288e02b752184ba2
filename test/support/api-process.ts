// `ekyc` commands as child processes, for the tests that need the real command; for `ekyc api` its environment
// and the URL it says it listens on.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { inject } from 'vitest';
import { TEST_CODEC_KEYS } from '../client/harness.js';
import type { TestIssuer } from './jwt.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CLI_ENTRY = fileURLToPath(new URL('../client/cli-entry.ts', import.meta.url));

/** What every `ekyc` command needs against the test server; `extra` adds, or unsets with undefined. */
export function ekycEnv(extra: Record<string, string | undefined> = {}): Record<string, string> {
  const env: Record<string, string | undefined> = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    TEMPORAL_ADDRESS: inject('temporalAddress'),
    TEMPORAL_NAMESPACE: inject('temporalNamespace'),
    EKYC_CODEC_KEYS: TEST_CODEC_KEYS,
    EKYC_LOG_LEVEL: 'warn',
    ...extra,
  };
  return Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined));
}

/** What `ekyc api` needs besides: loopback, any port, tokens checked with `issuer`. */
export function apiEnv(issuer: TestIssuer, extra: Record<string, string | undefined> = {}): Record<string, string> {
  return ekycEnv({
    EKYC_API_HOST: '127.0.0.1',
    EKYC_API_PORT: '0',
    EKYC_JWT_PUBLIC_KEY: issuer.config.publicKey!,
    EKYC_JWT_ISSUER: issuer.config.issuer,
    EKYC_JWT_AUDIENCE: issuer.config.audience,
    ...extra,
  });
}

/** An `ekyc` command from the sources, its output collected. */
export function spawnEkyc(args: string[], env: Record<string, string>) {
  const child = spawn(process.execPath, ['--import', 'tsx', CLI_ENTRY, ...args], { cwd: ROOT, env });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
  child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return { child, exited, output: () => ({ stdout, stderr }) };
}

export const spawnApi = (env: Record<string, string>) => spawnEkyc(['api'], env);

export type ApiProcess = ReturnType<typeof spawnApi>;

/** The URL the API logs once it listens; throws with its last stderr if it exits or does not start in time. */
export async function listeningUrl(api: ApiProcess, timeoutMs = 60_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const m = /listening on (http:\/\/\S+)/.exec(api.output().stderr);
    if (m) return m[1];
    if (api.child.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`ekyc api did not start: ${api.output().stderr.slice(-500)}`);
}
