import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import { createJwtVerifier } from '../../auth/jwt.js';
import { AesGcmPayloadCodec, ENCODING } from '../../codec/payload-codec.js';
import { buildCodecServer, DEFAULT_BODY_LIMIT_BYTES, TOKEN_COOKIE } from '../../codec/server.js';
import { captureLogs, codecConfig, createTestIssuer, keyEntry, syntheticAadhaar, type TestIssuer } from './helpers.js';

const UI_ORIGIN = 'http://localhost:8233';
const b64 = (s: string | Uint8Array) => Buffer.from(s).toString('base64');
const unb64 = (s: string) => Buffer.from(s, 'base64').toString('utf8');

/** A payload as the Temporal UI sends it: proto3 JSON, every bytes field base64. */
function wire(p: Payload) {
  return {
    metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, b64(v)])),
    data: b64(p.data ?? new Uint8Array()),
  };
}

describe('codec server', () => {
  let app: FastifyInstance;
  let issuer: TestIssuer;
  let opsToken: string;
  const logs = captureLogs('codec-server', 'info');
  const codec = new AesGcmPayloadCodec(codecConfig([keyEntry('k1')]));
  const aadhaar = syntheticAadhaar();

  beforeAll(async () => {
    issuer = await createTestIssuer();
    opsToken = await issuer.token({ scope: 'openid ekyc:ops' });
    app = await buildCodecServer({
      codec,
      auth: createJwtVerifier(issuer.jwt),
      corsOrigins: [UI_ORIGIN],
      logger: logs.logger,
    });
  });
  afterAll(() => app.close());

  const encrypted = async (value: unknown) => wire((await codec.encode([defaultPayloadConverter.toPayload(value)]))[0]);
  const post = (url: string, body: unknown, headers: Record<string, string> = {}) =>
    app.inject({
      method: 'POST',
      url,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${opsToken}`, ...headers },
      payload: typeof body === 'string' ? body : JSON.stringify(body),
    });

  it('answers /healthz without a token', async () => {
    const res = await app.inject({ method: 'GET', url: '/healthz' });
    expect(res.statusCode).toBe(200);
  });

  it('answers 401 with a Bearer challenge when there is no token', async () => {
    const res = await post('/decode', { payloads: [] }, { authorization: '' });
    expect(res.statusCode).toBe(401);
    expect(res.headers['www-authenticate']).toMatch(/^Bearer /);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  });

  it('answers 401 for a token from another issuer key, an expired one, or one for another audience', async () => {
    const stranger = await createTestIssuer();
    const tokens = [
      await stranger.token({ scope: 'ekyc:ops' }),
      await issuer.token({ scope: 'ekyc:ops' }, { expiresIn: '-5m' }),
      await issuer.token({ scope: 'ekyc:ops' }, { audience: 'someone-else' }),
      'not-a-jwt',
    ];
    for (const token of tokens) {
      const res = await post('/decode', { payloads: [] }, { authorization: `Bearer ${token}` });
      expect(res.statusCode).toBe(401);
    }
  });

  it('answers 403 when the token scope lacks ekyc:ops', async () => {
    for (const scope of ['ekyc:admin ekyc:agent', 'ekyc:opsx', undefined]) {
      const token = await issuer.token(scope ? { scope } : {});
      const res = await post(
        '/decode',
        { payloads: [await encrypted({ aadhaar })] },
        { authorization: `Bearer ${token}` },
      );
      expect(res.statusCode).toBe(403);
      expect(res.body.includes(aadhaar)).toBe(false);
    }
  });

  it('round-trips payloads through /encode and /decode with an ekyc:ops token', async () => {
    const plain = wire(defaultPayloadConverter.toPayload({ aadhaar, stage: 'AWAITING_OTP' }));
    const enc = await post('/encode', { payloads: [plain] });
    expect(enc.statusCode).toBe(200);
    const encoded = enc.json().payloads[0];
    expect(unb64(encoded.metadata.encoding)).toBe(ENCODING);
    expect(unb64(encoded.data).includes(aadhaar)).toBe(false);

    const dec = await post('/decode', { payloads: [encoded] });
    expect(dec.statusCode).toBe(200);
    expect(dec.headers['content-type']).toMatch(/^application\/json/);
    expect(dec.json()).toEqual({ payloads: [plain] });
  });

  it('accepts a scope given as an array claim', async () => {
    const token = await issuer.token({ scp: ['ekyc:ops'] });
    const res = await post('/decode', { payloads: [] }, { authorization: `Bearer ${token}` });
    expect(res.statusCode).toBe(200);
  });

  it('serves the same protocol under /{namespace}/ and honours X-Namespace, with the UI query string', async () => {
    const payload = await encrypted({ stage: 'COMPLETED' });
    for (const [url, headers] of [
      ['/default/decode', {}],
      ['/decode?preserveStorageRefs=true', { 'x-namespace': 'default' }],
      ['/ekyc-prod/decode', { 'x-namespace': 'ekyc-prod' }],
    ] as const) {
      const res = await post(url, { payloads: [payload] }, headers);
      expect(res.statusCode).toBe(200);
      expect(JSON.parse(unb64(res.json().payloads[0].data))).toEqual({ stage: 'COMPLETED' });
    }
    const logged = logs
      .lines()
      .filter((l) => l.msg === 'codec request')
      .map((l) => l.namespace);
    expect(logged).toEqual(expect.arrayContaining(['default', 'ekyc-prod']));
  });

  it('refuses a request whose X-Namespace contradicts its path, or an invalid namespace name', async () => {
    expect((await post('/a/decode', { payloads: [] }, { 'x-namespace': 'b' })).statusCode).toBe(400);
    expect((await post('/decode', { payloads: [] }, { 'x-namespace': '../etc' })).statusCode).toBe(400);
  });

  it('answers 400 to a malformed body without echoing it', async () => {
    const secret = syntheticAadhaar();
    for (const body of [
      `{"payloads": [{"data": "${secret}`,
      { payload: [] },
      { payloads: 'x' },
      { payloads: [{ data: `${secret}!!` }] },
      { payloads: [{ metadata: { encoding: 7 } }] },
      '',
    ]) {
      const res = await post('/decode', body);
      expect(res.statusCode).toBe(400);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.body.includes(secret)).toBe(false);
    }
  });

  it('answers 415 to a body that is not JSON', async () => {
    const res = await post('/decode', 'payloads=1', { 'content-type': 'application/x-www-form-urlencoded' });
    expect(res.statusCode).toBe(415);
  });

  it('answers 413 to a body over the size limit', async () => {
    const big = { payloads: [{ data: 'A'.repeat(DEFAULT_BODY_LIMIT_BYTES) }] };
    const res = await post('/decode', big);
    expect(res.statusCode).toBe(413);
  });

  it('answers 422 naming the key id for a payload under a key it does not hold', async () => {
    const other = new AesGcmPayloadCodec(codecConfig([keyEntry('retired')]));
    const payload = wire((await other.encode([defaultPayloadConverter.toPayload('x')]))[0]);
    const res = await post('/decode', { payloads: [payload] });
    expect(res.statusCode).toBe(422);
    expect(res.json().detail).toContain('"retired"');
  });

  it('allows the CORS preflight of a listed UI origin, with credentials and the headers the UI sends', async () => {
    const res = await app.inject({
      method: 'OPTIONS',
      url: '/decode',
      headers: {
        origin: UI_ORIGIN,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization,content-type,x-namespace',
      },
    });
    expect(res.statusCode).toBe(204);
    expect(res.headers['access-control-allow-origin']).toBe(UI_ORIGIN);
    expect(res.headers['access-control-allow-credentials']).toBe('true');
    const allowed = String(res.headers['access-control-allow-headers']).toLowerCase();
    for (const h of ['authorization', 'content-type', 'x-namespace']) expect(allowed).toContain(h);
    expect(String(res.headers['access-control-allow-methods'])).toContain('POST');
    expect(res.headers.vary).toContain('Origin');
  });

  it('answers a private-network preflight from a listed origin', async () => {
    const res = await app.inject({
      method: 'OPTIONS',
      url: '/ns/decode',
      headers: {
        origin: UI_ORIGIN,
        'access-control-request-method': 'POST',
        'access-control-request-private-network': 'true',
      },
    });
    expect(res.headers['access-control-allow-private-network']).toBe('true');
  });

  it('denies the CORS preflight of any other origin: no CORS headers at all', async () => {
    const res = await app.inject({
      method: 'OPTIONS',
      url: '/decode',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
    });
    expect(res.statusCode).toBe(404);
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
    expect(res.headers['access-control-allow-credentials']).toBeUndefined();
  });

  it('labels responses for a listed origin only', async () => {
    const ok = await post('/decode', { payloads: [] }, { origin: UI_ORIGIN });
    expect(ok.headers['access-control-allow-origin']).toBe(UI_ORIGIN);
    const other = await post('/decode', { payloads: [] }, { origin: 'https://evil.example' });
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('turns a bearer token into an HttpOnly session cookie that then authorises decoding', async () => {
    const session = await app.inject({
      method: 'POST',
      url: '/session',
      headers: { authorization: `Bearer ${opsToken}` },
    });
    expect(session.statusCode).toBe(204);
    const setCookie = String(session.headers['set-cookie']);
    expect(setCookie).toMatch(new RegExp(`^${TOKEN_COOKIE}=`));
    expect(setCookie).toContain('HttpOnly');
    const cookie = setCookie.split(';')[0];

    const res = await post(
      '/decode',
      { payloads: [await encrypted({ stage: 'COMPLETED' })] },
      { authorization: '', cookie },
    );
    expect(res.statusCode).toBe(200);
  });

  it('does not mint a session from a cookie, nor for a token without ekyc:ops', async () => {
    const cookie = `${TOKEN_COOKIE}=${opsToken}`;
    expect((await app.inject({ method: 'POST', url: '/session', headers: { cookie } })).statusCode).toBe(401);
    const agent = await issuer.token({ scope: 'ekyc:agent' });
    const res = await app.inject({ method: 'POST', url: '/session', headers: { authorization: `Bearer ${agent}` } });
    expect(res.statusCode).toBe(403);
  });

  it('answers 401, not 500, for a session cookie that is not URL-encoded text', async () => {
    for (const cookie of [`${TOKEN_COOKIE}=%E0%A4%A`, `${TOKEN_COOKIE}=%`, `${TOKEN_COOKIE}=abc%zz.def`]) {
      const res = await post('/decode', { payloads: [] }, { authorization: '', cookie });
      expect(res.statusCode).toBe(401);
      expect(res.headers['www-authenticate']).toMatch(/^Bearer /);
    }
  });

  it('answers 401, not 503, for a token whose alg does not fit the key (ES384 against an EC P-256 key)', async () => {
    const [header, payload, signature] = opsToken.split('.');
    const es384 = Buffer.from(JSON.stringify({ ...JSON.parse(unb64(header)), alg: 'ES384' })).toString('base64url');
    const res = await post('/decode', { payloads: [] }, { authorization: `Bearer ${es384}.${payload}.${signature}` });
    expect(res.statusCode).toBe(401);
  });

  it('keeps the session cookie no longer than EKYC_CODEC_SESSION_MAX_AGE, however long the token lives', async () => {
    const maxAge = async (server: FastifyInstance, token: string) => {
      const res = await server.inject({
        method: 'POST',
        url: '/session',
        headers: { authorization: `Bearer ${token}` },
      });
      expect(res.statusCode).toBe(204);
      return Number(/Max-Age=(\d+)/.exec(String(res.headers['set-cookie']))?.[1]);
    };
    // The default cap, 8 h, under a 12 h token; a 10-minute token keeps its own, shorter life.
    expect(await maxAge(app, await issuer.token({ scope: 'ekyc:ops' }, { expiresIn: '12h' }))).toBe(8 * 3600);
    expect(await maxAge(app, opsToken)).toBeLessThanOrEqual(600);
    expect(await maxAge(app, opsToken)).toBeGreaterThan(590);
    const capped = await buildCodecServer({
      codec,
      auth: createJwtVerifier(issuer.jwt),
      corsOrigins: [],
      logger: logs.logger,
      sessionMaxAgeSeconds: 300,
    });
    try {
      expect(await maxAge(capped, opsToken)).toBe(300);
    } finally {
      await capped.close();
    }
  });

  it('sets the session cookie Secure for a request that came over https, or whenever the public URL is https', async () => {
    const setCookie = async (server: FastifyInstance, headers: Record<string, string> = {}) => {
      const res = await server.inject({
        method: 'POST',
        url: '/session',
        headers: { authorization: `Bearer ${opsToken}`, ...headers },
      });
      return String(res.headers['set-cookie']);
    };
    expect(await setCookie(app)).not.toMatch(/Secure/);
    expect(await setCookie(app)).toMatch(/SameSite=Lax/);
    // Behind a TLS-terminating proxy: X-Forwarded-Proto says https.
    expect(await setCookie(app, { 'x-forwarded-proto': 'https' })).toMatch(/; Secure; SameSite=None;/);
    const behindTls = await buildCodecServer({
      codec,
      auth: createJwtVerifier(issuer.jwt),
      corsOrigins: [],
      logger: logs.logger,
      publicUrl: 'https://codec.example.com',
    });
    try {
      // A proxy that says nothing (or http) does not make the cookie travel in the clear.
      expect(await setCookie(behindTls)).toMatch(/; Secure; SameSite=None;/);
      expect(await setCookie(behindTls, { 'x-forwarded-proto': 'http' })).toMatch(/; Secure; SameSite=None;/);
      const signOut = await behindTls.inject({ method: 'DELETE', url: '/session' });
      expect(String(signOut.headers['set-cookie'])).toMatch(/; Secure; SameSite=None; Max-Age=0$/);
    } finally {
      await behindTls.close();
    }
  });

  it('never writes payload contents or tokens to its log', async () => {
    const mobile = '9876501234';
    await post('/decode', { payloads: [await encrypted({ aadhaar, customerId: mobile, otp: '482913' })] });
    await post('/encode', { payloads: [wire(defaultPayloadConverter.toPayload({ aadhaar }))] });
    const text = logs.text();
    expect(text.length).toBeGreaterThan(0);
    for (const secret of [aadhaar, b64(aadhaar), mobile, '482913', opsToken]) expect(text.includes(secret)).toBe(false);
    const line = logs.lines().find((l) => l.msg === 'codec request' && l.route === '/encode');
    expect(line).toMatchObject({ status: 200, payloads: 1, subject: 'ops-tester' });
  });
});
