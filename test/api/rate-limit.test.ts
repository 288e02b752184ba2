// Request budgets on /v1: per client IP (checked before the token, so a flood of bad tokens is cut off too) and
// per agent (whoever acts for it), each answered 429 RATE_LIMITED with Retry-After, configurable, and off when 0.
import { beforeAll, describe, expect, it } from 'vitest';
// Every response these tests observe is checked against GET /openapi.json (openapi-conformance.ts).
import { buildApi } from './openapi-conformance.js';
import { loadApiConfig } from '../../config/index.js';
import { createTestIssuer, type TestIssuer } from '../support/jwt.js';
import { capturingLogger, standInClient } from './support.js';

const AGENT = '12345678';
const OTHER = '87654321';

let issuer: TestIssuer;
beforeAll(async () => {
  issuer = await createTestIssuer();
});

function app(rateLimits = { perIpPerMinute: 5, perAgentPerMinute: 3 }, trustProxy: false | string[] = false) {
  const client = standInClient();
  const api = buildApi({
    client,
    auth: issuer.config,
    logger: capturingLogger().logger,
    publicDir: null,
    rateLimits,
    trustProxy,
  });
  return { api, client };
}

const get = (
  api: ReturnType<typeof app>['api'],
  userCode: string,
  token: string | null,
  ip = '198.51.100.7',
  headers = {},
) =>
  api.inject({
    method: 'GET',
    url: `/v1/ekyc/${userCode}`,
    remoteAddress: ip,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
  });

describe('per-IP budget', () => {
  it('answers 429 RATE_LIMITED with Retry-After once one address spends its budget, even without a token', async () => {
    const { api } = app({ perIpPerMinute: 5, perAgentPerMinute: 0 });
    const statuses = [];
    for (let i = 0; i < 5; i++) statuses.push((await get(api, AGENT, null)).statusCode);
    expect(statuses).toEqual([401, 401, 401, 401, 401]);
    const limited = await get(api, AGENT, await issuer.adminToken());
    expect(limited.statusCode).toBe(429);
    expect(limited.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(limited.json()).toMatchObject({ status: 429, code: 'RATE_LIMITED' });
    const retryAfter = Number(limited.headers['retry-after']);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    // Another address is unaffected.
    expect((await get(api, AGENT, await issuer.adminToken(), '203.0.113.9')).statusCode).toBe(200);
  });

  it('behind a trusted proxy, budgets each client by X-Forwarded-For', async () => {
    const { api } = app({ perIpPerMinute: 2, perAgentPerMinute: 0 }, ['10.0.0.0/8']);
    const token = await issuer.adminToken();
    const from = (client: string) => get(api, AGENT, token, '10.0.0.2', { 'x-forwarded-for': client });
    expect((await from('198.51.100.1')).statusCode).toBe(200);
    expect((await from('198.51.100.1')).statusCode).toBe(200);
    expect((await from('198.51.100.1')).statusCode).toBe(429);
    expect((await from('198.51.100.2')).statusCode).toBe(200);
  });
});

describe('per-agent budget', () => {
  it("answers 429 once an agent's budget is spent, from any address and any token; other agents go on", async () => {
    const { api, client } = app({ perIpPerMinute: 0, perAgentPerMinute: 3 });
    const agentToken = await issuer.agentToken(AGENT);
    const admin = await issuer.adminToken();
    expect((await get(api, AGENT, agentToken, '198.51.100.1')).statusCode).toBe(200);
    expect((await get(api, AGENT, agentToken, '198.51.100.2')).statusCode).toBe(200);
    expect((await get(api, AGENT, admin, '198.51.100.3')).statusCode).toBe(200);
    const limited = await get(api, AGENT, agentToken, '198.51.100.4');
    expect(limited.statusCode).toBe(429);
    expect(limited.json()).toMatchObject({ code: 'RATE_LIMITED' });
    expect(limited.headers['retry-after']).toBeDefined();
    expect(client.calls).toHaveLength(3);
    expect((await get(api, OTHER, admin)).statusCode).toBe(200);
  });

  it('counts a start (user code in the body) against that agent', async () => {
    const { api } = app({ perIpPerMinute: 0, perAgentPerMinute: 1 });
    const token = await issuer.agentToken(AGENT);
    const body = {
      userCode: AGENT,
      customerId: '9876543210',
      aadhaar: '234567890124',
      latlong: '28.6,77.2',
      bankCode: 'HDFC',
    };
    const start = () =>
      api.inject({ method: 'POST', url: '/v1/ekyc', payload: body, headers: { authorization: `Bearer ${token}` } });
    expect((await start()).statusCode).toBe(201);
    expect((await start()).statusCode).toBe(429);
  });

  it('does not limit with budgets of 0', async () => {
    const { api } = app({ perIpPerMinute: 0, perAgentPerMinute: 0 });
    const token = await issuer.adminToken();
    for (let i = 0; i < 50; i++) expect((await get(api, AGENT, token)).statusCode).toBe(200);
  });
});

describe('configuration', () => {
  const base = { EKYC_JWT_PUBLIC_KEY: undefined };
  it('defaults to 600 per IP and 120 per agent a minute, no trusted proxy', () => {
    const config = loadApiConfig({
      ...base,
      EKYC_JWT_JWKS_URL: 'https://idp.test.invalid/jwks',
      EKYC_JWT_ISSUER: 'i',
      EKYC_JWT_AUDIENCE: 'a',
    });
    expect(config.rateLimits).toEqual({ perIpPerMinute: 600, perAgentPerMinute: 120 });
    expect(config.trustProxy).toBe(false);
  });

  it('names the variable and rule of a bad value', () => {
    const env = { EKYC_JWT_JWKS_URL: 'https://idp.test.invalid/jwks', EKYC_JWT_ISSUER: 'i', EKYC_JWT_AUDIENCE: 'a' };
    expect(() => loadApiConfig({ ...env, EKYC_API_RATE_LIMIT_PER_AGENT: '-1' })).toThrow(
      /^EKYC_API_RATE_LIMIT_PER_AGENT: /,
    );
    expect(() => loadApiConfig({ ...env, EKYC_API_TRUST_PROXY: 'everyone' })).toThrow(
      /^EKYC_API_TRUST_PROXY: must be false/,
    );
    expect(loadApiConfig({ ...env, EKYC_API_TRUST_PROXY: '10.0.0.0/8, 192.168.1.1' }).trustProxy).toEqual([
      '10.0.0.0/8',
      '192.168.1.1',
    ]);
  });
});
