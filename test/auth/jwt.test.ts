import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { base64url, exportJWK, exportSPKI, generateKeyPair, SignJWT, UnsecuredJWT, type CryptoKey } from 'jose';
import { bearerToken, createJwtVerifier, parseJwtPublicKey, TokenError } from '../../auth/jwt.js';
import { ConfigError, loadJwtConfig } from '../../config/index.js';
import { createTestIssuer } from '../codec/helpers.js';

const ISS = 'https://idp.test';
const AUD = 'api';
const now = () => Math.floor(Date.now() / 1000);

/** A token with explicit `iat` and `exp` (seconds since the epoch; null leaves the claim out). */
function tokenWith(key: CryptoKey, alg: string, times: { iat: number | null; exp: number }, kid?: string) {
  const jwt = new SignJWT({ scope: 'ekyc:ops', ...(times.iat === null ? {} : { iat: times.iat }) })
    .setProtectedHeader({ alg, ...(kid ? { kid } : {}) })
    .setIssuer(ISS)
    .setAudience(AUD)
    .setExpirationTime(times.exp);
  return jwt.sign(key);
}

/** The same claims and signature under another header `alg`: what a confused or hostile client sends. */
function withAlg(token: string, alg: string): string {
  const [header, payload, signature] = token.split('.');
  const parsed = JSON.parse(Buffer.from(header, 'base64url').toString('utf8')) as Record<string, unknown>;
  return [base64url.encode(JSON.stringify({ ...parsed, alg })), payload, signature].join('.');
}

async function jwksServer(keys: unknown[] | null): Promise<{ url: URL; close: () => Promise<void> }> {
  const server = createServer((_req, res) => {
    if (!keys) return res.writeHead(500).end('down');
    res.setHeader('content-type', 'application/json').end(JSON.stringify({ keys }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    url: new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`),
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

async function reason(p: Promise<unknown>): Promise<string> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  if (!(err instanceof TokenError)) throw new Error('expected a TokenError');
  return err.reason;
}

describe('bearer tokens', () => {
  it('takes the token from an Authorization: Bearer header only', () => {
    expect(bearerToken('Bearer abc.def.ghi')).toBe('abc.def.ghi');
    expect(bearerToken('bearer  abc.def.ghi ')).toBe('abc.def.ghi');
    expect(bearerToken('Basic dXNlcjpwYXNz')).toBeNull();
    expect(bearerToken('Bearer')).toBeNull();
    expect(bearerToken(undefined)).toBeNull();
  });

  it('verifies a token against a PEM public key and reads scope and user_code', async () => {
    const issuer = await createTestIssuer();
    const verify = createJwtVerifier(issuer.jwt);
    const token = await verify(await issuer.token({ scope: 'ekyc:agent openid', user_code: '20810200' }));
    expect([...token.scopes].sort()).toEqual(['ekyc:agent', 'openid']);
    expect(token.userCode).toBe('20810200');
    expect(token.subject).toBe('ops-tester');
  });

  it('refuses expired tokens, other issuers and other audiences', async () => {
    const issuer = await createTestIssuer();
    const verify = createJwtVerifier(issuer.jwt);
    expect(await reason(verify(await issuer.token({}, { expiresIn: '-2m' })))).toBe('expired');
    expect(await reason(verify(await issuer.token({}, { issuer: 'https://other.test' })))).toBe('invalid');
    expect(await reason(verify(await issuer.token({}, { audience: 'other' })))).toBe('invalid');
  });

  it('refuses unsigned and shared-secret (HS256) tokens', async () => {
    const issuer = await createTestIssuer();
    const verify = createJwtVerifier(issuer.jwt);
    const claims = { scope: 'ekyc:ops' };
    const unsigned = new UnsecuredJWT(claims).setIssuer('https://idp.test').setAudience('fingpay-ekyc').encode();
    const hs = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer('https://idp.test')
      .setAudience('fingpay-ekyc')
      .setExpirationTime('5m')
      .sign(new TextEncoder().encode('a-shared-secret-of-at-least-32-bytes!!'));
    expect(await reason(verify(unsigned))).toBe('malformed');
    expect(await reason(verify(hs))).toBe('malformed');
    expect(await reason(verify(''))).toBe('missing');
  });

  it('accepts the public key as a JWK, and refuses a private JWK', async () => {
    const { publicKey, privateKey } = await generateKeyPair('RS256', { extractable: true });
    expect(parseJwtPublicKey(JSON.stringify(await exportJWK(publicKey))).asymmetricKeyType).toBe('rsa');
    const privateJwk = JSON.stringify(await exportJWK(privateKey));
    expect(() => parseJwtPublicKey(privateJwk)).toThrow(/private/);
  });

  describe('a token whose alg does not fit the key', () => {
    it('is refused as a bad token (401), never as keys unavailable (503), with a PEM P-256 key', async () => {
      const p256 = await generateKeyPair('ES256');
      const p384 = await generateKeyPair('ES384');
      const rsa = await generateKeyPair('RS256');
      const verify = createJwtVerifier({
        jwksUrl: null,
        publicKey: await exportSPKI(p256.publicKey),
        issuer: ISS,
        audience: AUD,
      });
      const times = { iat: now(), exp: now() + 300 };
      const es256 = await tokenWith(p256.privateKey, 'ES256', times);
      const forged = [
        await tokenWith(p384.privateKey, 'ES384', times), // the security review's case: ES384 against an EC P-256 key
        withAlg(es256, 'ES384'),
        withAlg(es256, 'ES512'),
        withAlg(es256, 'RS256'),
        withAlg(es256, 'PS256'),
        withAlg(es256, 'EdDSA'),
        await tokenWith(rsa.privateKey, 'RS256', times),
      ];
      for (const token of forged) expect(['malformed', 'invalid']).toContain(await reason(verify(token)));
      expect((await verify(es256)).scopes.has('ekyc:ops')).toBe(true);
    });

    it('is refused as a bad token with a JWKS, whose key names no alg', async () => {
      const p256 = await generateKeyPair('ES256');
      const p384 = await generateKeyPair('ES384');
      const jwks = await jwksServer([{ ...(await exportJWK(p256.publicKey)), kid: 'k1', use: 'sig' }]);
      try {
        const verify = createJwtVerifier({ jwksUrl: jwks.url, publicKey: null, issuer: ISS, audience: AUD });
        const times = { iat: now(), exp: now() + 300 };
        const es256 = await tokenWith(p256.privateKey, 'ES256', times, 'k1');
        for (const token of [
          await tokenWith(p384.privateKey, 'ES384', times, 'k1'),
          await tokenWith(p384.privateKey, 'ES384', times),
          withAlg(es256, 'ES384'),
          withAlg(es256, 'RS256'),
        ]) {
          expect(['malformed', 'invalid']).toContain(await reason(verify(token)));
        }
        expect((await verify(es256)).scopes.has('ekyc:ops')).toBe(true);
      } finally {
        await jwks.close();
      }
    });

    it('leaves 503 to a JWKS that answers with an error', async () => {
      const { privateKey } = await generateKeyPair('ES256');
      const jwks = await jwksServer(null);
      try {
        const verify = createJwtVerifier({ jwksUrl: jwks.url, publicKey: null, issuer: ISS, audience: AUD });
        const token = await tokenWith(privateKey, 'ES256', { iat: now(), exp: now() + 300 }, 'k1');
        expect(await reason(verify(token))).toBe('unavailable');
      } finally {
        await jwks.close();
      }
    });
  });

  describe('token lifetime', () => {
    let key: { publicKey: CryptoKey; privateKey: CryptoKey };
    let pem: string;
    const verifier = (extra: Record<string, number> = {}) =>
      createJwtVerifier({ jwksUrl: null, publicKey: pem, issuer: ISS, audience: AUD, ...extra });

    beforeAll(async () => {
      key = await generateKeyPair('ES256');
      pem = await exportSPKI(key.publicKey);
    });

    it('accepts up to 12 hours between iat and exp by default, and refuses more', async () => {
      const t = now();
      const twelveHours = await tokenWith(key.privateKey, 'ES256', { iat: t, exp: t + 12 * 3600 });
      expect((await verifier()(twelveHours)).scopes.has('ekyc:ops')).toBe(true);
      const long = await tokenWith(key.privateKey, 'ES256', { iat: t, exp: t + 12 * 3600 + 60 });
      expect(await reason(verifier()(long))).toBe('invalid');
      const year = await tokenWith(key.privateKey, 'ES256', { iat: t - 60, exp: t + 365 * 86_400 });
      expect(await reason(verifier()(year))).toBe('invalid');
    });

    it('takes the cap from EKYC_JWT_MAX_LIFETIME', async () => {
      const t = now();
      const twoHours = await tokenWith(key.privateKey, 'ES256', { iat: t, exp: t + 2 * 3600 });
      const env = { EKYC_JWT_PUBLIC_KEY: pem, EKYC_JWT_ISSUER: ISS, EKYC_JWT_AUDIENCE: AUD };
      const oneHour = loadJwtConfig({ ...env, EKYC_JWT_MAX_LIFETIME: '1h' });
      expect(oneHour.maxLifetimeSeconds).toBe(3600);
      expect(await reason(createJwtVerifier(oneHour)(twoHours))).toBe('invalid');
      expect(
        (await createJwtVerifier(loadJwtConfig({ ...env, EKYC_JWT_MAX_LIFETIME: '3h' }))(twoHours)).scopes.size,
      ).toBe(1);
      for (const bad of ['12', '0s', '31d', '1w', '-1h'])
        expect(() => loadJwtConfig({ ...env, EKYC_JWT_MAX_LIFETIME: bad })).toThrow(ConfigError);
      expect(loadJwtConfig(env)).toMatchObject({ maxLifetimeSeconds: 12 * 3600, clockSkewSeconds: 30 });
    });

    it('refuses a token without iat: its lifetime cannot be bounded', async () => {
      const token = await tokenWith(key.privateKey, 'ES256', { iat: null, exp: now() + 300 });
      expect(await reason(verifier()(token))).toBe('invalid');
    });

    it('refuses an iat in the future beyond the clock skew, and takes one within it', async () => {
      const t = now();
      const ahead = await tokenWith(key.privateKey, 'ES256', { iat: t + 600, exp: t + 900 });
      expect(await reason(verifier()(ahead))).toBe('invalid');
      const slightlyAhead = await tokenWith(key.privateKey, 'ES256', { iat: t + 20, exp: t + 900 });
      expect((await verifier()(slightlyAhead)).scopes.has('ekyc:ops')).toBe(true);
      // EKYC_JWT_CLOCK_SKEW=0s: no slack at all.
      expect(await reason(verifier({ clockSkewSeconds: 0 })(slightlyAhead))).toBe('invalid');
    });
  });

  describe('with a JWKS URL', () => {
    let server: Server | undefined;
    afterAll(() => new Promise<void>((r) => (server ? server.close(() => r()) : r())));

    it('fetches the signing keys from EKYC_JWT_JWKS_URL', async () => {
      const { publicKey, privateKey } = await generateKeyPair('ES256');
      const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' };
      server = createServer((_req, res) =>
        res.setHeader('content-type', 'application/json').end(JSON.stringify({ keys: [jwk] })),
      );
      await new Promise<void>((r) => server!.listen(0, '127.0.0.1', () => r()));
      const url = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`);
      const verify = createJwtVerifier({ jwksUrl: url, publicKey: null, issuer: 'https://idp.test', audience: 'api' });
      const token = await new SignJWT({ scope: 'ekyc:ops' })
        .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
        .setIssuer('https://idp.test')
        .setAudience('api')
        .setIssuedAt()
        .setExpirationTime('5m')
        .sign(privateKey);
      expect((await verify(token)).scopes.has('ekyc:ops')).toBe(true);
    });

    it('reports an unreachable JWKS as unavailable, not as a bad token', async () => {
      const { privateKey } = await generateKeyPair('ES256');
      const closed = createServer();
      await new Promise<void>((r) => closed.listen(0, '127.0.0.1', () => r()));
      const port = (closed.address() as AddressInfo).port;
      await new Promise<void>((r) => closed.close(() => r()));
      const verify = createJwtVerifier({
        jwksUrl: new URL(`http://127.0.0.1:${port}/jwks.json`),
        publicKey: null,
        issuer: 'https://idp.test',
        audience: 'api',
      });
      const token = await new SignJWT({})
        .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
        .setIssuer('https://idp.test')
        .setAudience('api')
        .setIssuedAt()
        .setExpirationTime('5m')
        .sign(privateKey);
      expect(await reason(verify(token))).toBe('unavailable');
    });
  });
});
