// Mints bearer tokens for tests: a fresh key pair per issuer, so no key is ever committed.
import { exportJWK, exportSPKI, generateKeyPair, SignJWT, type CryptoKey, type JWK, type JWTPayload } from 'jose';
import type { JwtConfig } from '../../config/index.js';

export const TEST_ISSUER = 'https://auth.test.invalid/';
export const TEST_AUDIENCE = 'fingpay-ekyc-api';

export interface MintOptions {
  issuer?: string;
  audience?: string;
  /** Seconds from now; negative for an expired token. */
  expiresIn?: number;
  /** Sign with another key (e.g. one the API does not trust). */
  signWith?: CryptoKey;
}

export interface TestIssuer {
  alg: string;
  kid: string;
  publicKeyPem: string;
  publicJwk: JWK;
  privateKey: CryptoKey;
  /** The API's JWT settings trusting this issuer's public key. */
  config: JwtConfig;
  mint(claims: JWTPayload, options?: MintOptions): Promise<string>;
  agentToken(userCode: string, options?: MintOptions): Promise<string>;
  adminToken(options?: MintOptions): Promise<string>;
}

export async function createTestIssuer(alg: 'ES256' | 'RS256' | 'EdDSA' = 'ES256'): Promise<TestIssuer> {
  const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true });
  const kid = `test-${Math.random().toString(36).slice(2, 10)}`;
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' };
  const publicKeyPem = await exportSPKI(publicKey);
  const mint = async (claims: JWTPayload, options: MintOptions = {}) => {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT(claims)
      .setProtectedHeader({ alg, kid, typ: 'JWT' })
      .setIssuer(options.issuer ?? TEST_ISSUER)
      .setAudience(options.audience ?? TEST_AUDIENCE)
      .setSubject(typeof claims.sub === 'string' ? claims.sub : 'test-subject')
      .setIssuedAt(now)
      .setExpirationTime(now + (options.expiresIn ?? 600))
      .sign(options.signWith ?? privateKey);
  };
  return {
    alg,
    kid,
    publicKeyPem,
    publicJwk,
    privateKey,
    config: { jwksUrl: null, publicKey: publicKeyPem, issuer: TEST_ISSUER, audience: TEST_AUDIENCE },
    mint,
    agentToken: (userCode, options) => mint({ scope: 'ekyc:agent', user_code: userCode }, options),
    adminToken: (options) => mint({ scope: 'ekyc:admin' }, options),
  };
}
