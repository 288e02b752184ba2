// `ekyc api` as a process: configuration from the environment, listening, serving, and a graceful stop on SIGTERM.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiEnv, listeningUrl, spawnApi, type ApiProcess } from '../support/api-process.js';
import { createTestIssuer, type TestIssuer } from '../support/jwt.js';

let issuer: TestIssuer;
beforeAll(async () => {
  issuer = await createTestIssuer();
});

describe('ekyc api', () => {
  let api: ApiProcess | undefined;
  afterAll(() => {
    if (api && api.child.exitCode === null) api.child.kill('SIGKILL');
  });

  it('serves health, readiness and an authenticated /v1 call, then stops cleanly on SIGTERM', async () => {
    api = spawnApi(apiEnv(issuer));
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
    const run = spawnApi(apiEnv(issuer, { EKYC_JWT_ISSUER: undefined }));
    expect(await run.exited).toBe(2);
    expect(JSON.parse(run.output().stdout).error).toMatchObject({ code: 'CONFIG' });
    expect(JSON.parse(run.output().stdout).error.message).toMatch(/^EKYC_JWT_ISSUER: /);
  });
});
