import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { exportJWK, generateKeyPair, SignJWT, UnsecuredJWT } from 'jose';
import { bearerToken, createJwtVerifier, parseJwtPublicKey, TokenError } from '../../auth/jwt.js';
import { createTestIssuer } from '../codec/helpers.js';

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
        .setExpirationTime('5m')
        .sign(privateKey);
      expect(await reason(verify(token))).toBe('unavailable');
    });
  });
});
