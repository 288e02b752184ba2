// Bearer JWTs on every /v1 route: verified with jose against a public key or a JWKS URL, issuer and audience
// checked; `ekyc:agent` acts on its own user_code only, `ekyc:admin` on any session.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateKeyPair, SignJWT } from 'jose';
// Every response these tests observe is checked against GET /openapi.json (openapi-conformance.ts).
import { buildApi } from './openapi-conformance.js';
import { createTestIssuer, TEST_AUDIENCE, TEST_ISSUER, type TestIssuer } from '../support/jwt.js';
import { capturingLogger, standInClient } from './support.js';

const AGENT = '12345678';
const OTHER = '87654321';
// Synthetic agent: a valid-checksum test Aadhaar number and a made-up mobile.
const START_BODY = {
  userCode: AGENT,
  customerId: '9876543210',
  aadhaar: '234567890124',
  latlong: '28.6,77.2',
  bankCode: 'HDFC',
};

let issuer: TestIssuer;
beforeAll(async () => {
  issuer = await createTestIssuer();
});

function app(client = standInClient()) {
  return { api: buildApi({ client, auth: issuer.config, logger: capturingLogger().logger, publicDir: null }), client };
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

describe('API authentication (401)', () => {
  it('answers 401 problem+json with WWW-Authenticate when there is no token, and calls nothing', async () => {
    const { api, client } = app();
    const res = await api.inject({ method: 'GET', url: `/v1/ekyc/${AGENT}` });
    expect(res.statusCode).toBe(401);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.headers['www-authenticate']).toMatch(/^Bearer/);
    expect(res.json()).toMatchObject({ status: 401, code: 'UNAUTHORIZED' });
    expect(client.calls).toEqual([]);
  });

  it('answers 401 for a token signed by a key the API does not trust', async () => {
    const { api } = app();
    const stranger = await generateKeyPair('ES256');
    const token = await issuer.agentToken(AGENT, { signWith: stranger.privateKey });
    const res = await api.inject({ method: 'GET', url: `/v1/ekyc/${AGENT}`, headers: bearer(token) });
    expect(res.statusCode).toBe(401);
    expect(res.headers['www-authenticate']).toContain('invalid_token');
  });

  it('answers 401 for an expired token', async () => {
    const { api } = app();
    const token = await issuer.agentToken(AGENT, { expiresIn: -3600 });
    const res = await api.inject({ method: 'GET', url: `/v1/ekyc/${AGENT}`, headers: bearer(token) });
    expect(res.statusCode).toBe(401);
  });

  it('answers 401 for a token from another issuer', async () => {
    const { api } = app();
    const token = await issuer.agentToken(AGENT, { issuer: 'https://someone-else.test.invalid/' });
    const res = await api.inject({ method: 'GET', url: `/v1/ekyc/${AGENT}`, headers: bearer(token) });
    expect(res.statusCode).toBe(401);
  });

  it('answers 401 for a token meant for another audience', async () => {
    const { api } = app();
    const token = await issuer.agentToken(AGENT, { audience: 'another-service' });
    const res = await api.inject({ method: 'GET', url: `/v1/ekyc/${AGENT}`, headers: bearer(token) });
    expect(res.statusCode).toBe(401);
  });

  it('answers 401 for a shared-secret (HS256) token even with the right claims', async () => {
    const { api } = app();
    const token = await new SignJWT({ scope: 'ekyc:admin' })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer(TEST_ISSUER)
      .setAudience(TEST_AUDIENCE)
      .setExpirationTime('10m')
      .sign(new TextEncoder().encode('a-shared-secret-of-at-least-32-bytes!!'));
    const res = await api.inject({ method: 'GET', url: `/v1/ekyc/${AGENT}`, headers: bearer(token) });
    expect(res.statusCode).toBe(401);
  });

  it('answers 401 for a malformed Authorization header', async () => {
    const { api } = app();
    const res = await api.inject({ method: 'GET', url: `/v1/ekyc/${AGENT}`, headers: { authorization: 'Basic abc' } });
    expect(res.statusCode).toBe(401);
  });
});

describe('API authorisation (403)', () => {
  it('lets an agent token act on its own session', async () => {
    const { api } = app();
    const res = await api.inject({
      method: 'GET',
      url: `/v1/ekyc/${AGENT}`,
      headers: bearer(await issuer.agentToken(AGENT)),
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ userCode: AGENT });
  });

  it.each([
    ['GET', `/v1/ekyc/${OTHER}`, undefined],
    ['POST', `/v1/ekyc/${OTHER}/otp`, { otp: '123456' }],
    ['POST', `/v1/ekyc/${OTHER}/otp/resend`, {}],
    ['DELETE', `/v1/ekyc/${OTHER}`, undefined],
  ] as const)('answers 403 when an agent token is used on another agent (%s %s)', async (method, url, payload) => {
    const { api, client } = app();
    const res = await api.inject({ method, url, payload, headers: bearer(await issuer.agentToken(AGENT)) });
    expect(res.statusCode).toBe(403);
    expect(res.json()).toMatchObject({ status: 403, code: 'FORBIDDEN' });
    expect(client.calls).toEqual([]);
  });

  it('answers 403 when an agent token starts a session for another agent', async () => {
    const { api, client } = app();
    const res = await api.inject({
      method: 'POST',
      url: '/v1/ekyc',
      payload: {
        userCode: OTHER,
        customerId: '9876543210',
        aadhaar: '234567890124',
        latlong: '28.6,77.2',
        bankCode: 'HDFC',
      },
      headers: bearer(await issuer.agentToken(AGENT)),
    });
    expect(res.statusCode).toBe(403);
    expect(client.calls).toEqual([]);
  });

  it('answers 403 when an agent token carries a policy (operators set policy), and calls nothing', async () => {
    const { api, client } = app();
    const res = await api.inject({
      method: 'POST',
      url: '/v1/ekyc',
      payload: { ...START_BODY, policy: { maxOtpAttempts: 10, maxResends: 10, resendCooldown: '0s' } },
      headers: bearer(await issuer.agentToken(AGENT)),
    });
    expect(res.statusCode).toBe(403);
    expect(res.json().detail).toMatch(/policy is set by operators/);
    expect(client.calls).toEqual([]);
  });

  it('lets an admin token set a policy', async () => {
    const { api, client } = app();
    const res = await api.inject({
      method: 'POST',
      url: '/v1/ekyc',
      payload: { ...START_BODY, policy: { maxOtpAttempts: 2 } },
      headers: bearer(await issuer.adminToken()),
    });
    expect(res.statusCode).toBe(201);
    expect(client.calls).toEqual(['startEkyc']);
  });

  it('answers 403 for a token with neither ekyc scope', async () => {
    const { api } = app();
    const token = await issuer.mint({ scope: 'ekyc:ops profile', user_code: AGENT });
    const res = await api.inject({ method: 'GET', url: `/v1/ekyc/${AGENT}`, headers: bearer(token) });
    expect(res.statusCode).toBe(403);
  });

  it('answers 403 for an agent token without a user_code claim', async () => {
    const { api } = app();
    const token = await issuer.mint({ scope: 'ekyc:agent' });
    const res = await api.inject({ method: 'GET', url: `/v1/ekyc/${AGENT}`, headers: bearer(token) });
    expect(res.statusCode).toBe(403);
  });

  it('lets an admin token act on any session', async () => {
    const { api } = app();
    const admin = bearer(await issuer.adminToken());
    for (const userCode of [AGENT, OTHER]) {
      const res = await api.inject({ method: 'GET', url: `/v1/ekyc/${userCode}`, headers: admin });
      expect(res.statusCode).toBe(200);
    }
  });

  it('accepts the scopes as an array claim too', async () => {
    const { api } = app();
    const token = await issuer.mint({ scope: ['ekyc:agent'], user_code: AGENT });
    const res = await api.inject({ method: 'GET', url: `/v1/ekyc/${AGENT}`, headers: bearer(token) });
    expect(res.statusCode).toBe(200);
  });
});

describe('API with a JWKS URL', () => {
  let jwksServer: Server;
  let jwksUrl: URL;
  beforeAll(async () => {
    jwksServer = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ keys: [issuer.publicJwk] }));
    });
    await new Promise<void>((r) => jwksServer.listen(0, '127.0.0.1', r));
    jwksUrl = new URL(`http://127.0.0.1:${(jwksServer.address() as AddressInfo).port}/.well-known/jwks.json`);
  });
  afterAll(async () => {
    await new Promise((r) => jwksServer.close(r));
  });

  it('verifies tokens against the keys served at EKYC_JWT_JWKS_URL', async () => {
    const api = buildApi({
      client: standInClient(),
      auth: { ...issuer.config, publicKey: null, jwksUrl },
      logger: capturingLogger().logger,
      publicDir: null,
    });
    const ok = await api.inject({
      method: 'GET',
      url: `/v1/ekyc/${AGENT}`,
      headers: bearer(await issuer.agentToken(AGENT)),
    });
    expect(ok.statusCode).toBe(200);
    const stranger = await generateKeyPair('ES256');
    const forged = await issuer.agentToken(AGENT, { signWith: stranger.privateKey });
    const bad = await api.inject({ method: 'GET', url: `/v1/ekyc/${AGENT}`, headers: bearer(forged) });
    expect(bad.statusCode).toBe(401);
  });
});
