// What operators and browsers see besides /v1: liveness, readiness, metrics, the agent page, and 503 with a retry
// hint when Temporal is out of reach.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultPublicDir } from '../../api/app.js';
// Every response these tests observe is checked against GET /openapi.json (openapi-conformance.ts).
import { buildApi } from './openapi-conformance.js';
import { EkycClient } from '../../client/index.js';
import { createTestIssuer, type TestIssuer } from '../support/jwt.js';
import { temporalConfig, testCodecConfig } from '../client/harness.js';
import { capturingLogger, standInClient } from './support.js';

let issuer: TestIssuer;
let reachable: EkycClient;
let unreachable: EkycClient;

beforeAll(async () => {
  issuer = await createTestIssuer();
  reachable = await EkycClient.connect({
    temporal: temporalConfig('unused'),
    codec: testCodecConfig(),
    callTimeoutMs: 10_000,
  });
  unreachable = await EkycClient.connect({
    temporal: { connection: { address: '127.0.0.1:1' }, namespace: 'default', taskQueue: 'unused' },
    codec: testCodecConfig(),
    callTimeoutMs: 1_000,
    lazy: true,
  });
});
afterAll(async () => {
  await reachable?.close();
  await unreachable?.close();
});

const api = (client: Parameters<typeof buildApi>[0]['client'], publicDir: string | null = null) =>
  buildApi({ client, auth: issuer.config, logger: capturingLogger().logger, publicDir });

describe('health and readiness', () => {
  it('GET /healthz answers 200 without a token', async () => {
    const res = await api(unreachable).inject({ method: 'GET', url: '/healthz' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ok' });
  });

  it('GET /readyz answers 200 when Temporal answers', async () => {
    const res = await api(reachable).inject({ method: 'GET', url: '/readyz' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ready' });
  });

  it('GET /readyz answers 503 with Retry-After when Temporal is out of reach', async () => {
    const res = await api(unreachable).inject({ method: 'GET', url: '/readyz' });
    expect(res.statusCode).toBe(503);
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
  });
});

describe('Temporal out of reach', () => {
  it('a /v1 call answers 503 TEMPORAL_UNAVAILABLE problem+json with Retry-After', async () => {
    const res = await api(unreachable).inject({
      method: 'GET',
      url: '/v1/ekyc/12345678',
      headers: { authorization: `Bearer ${await issuer.adminToken()}` },
    });
    expect(res.statusCode).toBe(503);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.json()).toMatchObject({ status: 503, code: 'TEMPORAL_UNAVAILABLE' });
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
  });
});

describe('GET /metrics', () => {
  it('counts requests by route template and status, with no user code in any label', async () => {
    const app = api(standInClient());
    const userCode = '24681357';
    const headers = { authorization: `Bearer ${await issuer.agentToken(userCode)}` };
    await app.inject({ method: 'GET', url: `/v1/ekyc/${userCode}`, headers });
    await app.inject({ method: 'POST', url: `/v1/ekyc/${userCode}/otp`, payload: { otp: '135790' }, headers });
    const res = await app.inject({ method: 'GET', url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    expect(res.body).toContain(
      'ekyc_api_http_requests_total{method="GET",route="/v1/ekyc/:userCode",status_code="200"} 1',
    );
    expect(res.body).toContain('ekyc_api_http_request_duration_seconds_bucket');
    expect(res.body).toContain('ekyc_api_steps_total{step="otp",result="accepted"} 1');
    expect(res.body.includes(userCode)).toBe(false);
    expect(res.body.includes('135790')).toBe(false);
  });
});

describe('the agent web page', () => {
  it('GET / serves the page from api/public', async () => {
    const dir = defaultPublicDir();
    expect(dir).not.toBeNull();
    const res = await api(standInClient(), dir).inject({ method: 'GET', url: '/' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.body).toMatch(/<!doctype html>/i);
  });

  it('serves the page assets from the same origin', async () => {
    const res = await api(standInClient(), defaultPublicDir()).inject({ method: 'GET', url: '/api.js' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/javascript/);
  });

  it('answers 404 problem+json for a path that is neither a route nor an asset', async () => {
    const res = await api(standInClient(), defaultPublicDir()).inject({ method: 'GET', url: '/no-such-thing' });
    expect(res.statusCode).toBe(404);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  });

  it('serves a placeholder at GET / when no page is installed', async () => {
    const res = await api(standInClient(), null).inject({ method: 'GET', url: '/' });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('not installed');
  });

  it('sends nosniff and no-referrer on every response', async () => {
    const res = await api(standInClient(), null).inject({ method: 'GET', url: '/healthz' });
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['referrer-policy']).toBe('no-referrer');
  });
});

describe('unexpected failures', () => {
  it('answer 500 problem+json without details, and log the error type but not the request', async () => {
    const { logger, lines } = capturingLogger();
    const app = buildApi({
      client: standInClient({
        submitOtp: async () => {
          throw new TypeError('something broke');
        },
      }),
      auth: issuer.config,
      logger,
      publicDir: null,
    });
    const res = await app.inject({
      method: 'POST',
      url: '/v1/ekyc/12345678/otp',
      payload: { otp: '246810' },
      headers: { authorization: `Bearer ${await issuer.agentToken('12345678')}` },
    });
    expect(res.statusCode).toBe(500);
    expect(res.json()).toEqual({
      type: 'urn:fingpay-ekyc:problem:internal',
      title: 'Internal error',
      status: 500,
      code: 'INTERNAL',
    });
    const log = lines.join('\n');
    expect(log).toContain('TypeError');
    expect(log.includes('246810')).toBe(false);
  });
});
