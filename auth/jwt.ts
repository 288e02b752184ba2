// Bearer JWT verification shared by the HTTP API and the codec server: one verifier, one set of rules
// (issuer, audience, expiry, asymmetric algorithms only), built from config/index.ts `loadJwtConfig`.
import { createPublicKey, type KeyObject } from 'node:crypto';
import { createRemoteJWKSet, errors, jwtVerify, type JWSAlgorithm, type JWTPayload } from 'jose';
import type { JwtConfig } from '../config/index.js';

/** Scopes of the product contract. */
export const SCOPES = { agent: 'ekyc:agent', admin: 'ekyc:admin', ops: 'ekyc:ops' } as const;

// Asymmetric only: a shared-secret (HS*) or unsigned token is never accepted.
const ASYMMETRIC_ALGORITHMS: JWSAlgorithm[] = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
  'Ed25519',
];

/** `unavailable`: the JWKS could not be fetched (answer 503, not 401). */
export type TokenErrorReason = 'missing' | 'malformed' | 'expired' | 'invalid' | 'unavailable';

/** Why a request carries no usable token. The message never echoes the token. */
export class TokenError extends Error {
  constructor(
    readonly reason: TokenErrorReason,
    message: string,
  ) {
    super(message);
    this.name = 'TokenError';
  }
}

export interface VerifiedToken {
  subject: string | undefined;
  scopes: ReadonlySet<string>;
  /** The `user_code` claim that binds an `ekyc:agent` token to one session. */
  userCode: string | undefined;
  claims: JWTPayload;
}

export type JwtVerifier = (token: string) => Promise<VerifiedToken>;

/** The token of an `Authorization: Bearer …` header, or null when there is none. */
export function bearerToken(authorization: string | undefined): string | null {
  const m = /^Bearer[ \t]+([A-Za-z0-9\-_.~+/]+=*)[ \t]*$/i.exec(authorization ?? '');
  return m ? m[1] : null;
}

/** `scope` as OAuth 2 sends it (space-separated string), or as an array as some identity providers do. */
export function scopesOf(claims: JWTPayload): Set<string> {
  const raw = claims.scope ?? claims.scp;
  if (typeof raw === 'string') return new Set(raw.split(/\s+/).filter(Boolean));
  if (Array.isArray(raw)) return new Set(raw.filter((s): s is string => typeof s === 'string'));
  return new Set();
}

export function hasScope(token: VerifiedToken, scope: string): boolean {
  return token.scopes.has(scope);
}

/** Parse EKYC_JWT_PUBLIC_KEY: PEM (SPKI) or a JWK as JSON. Throws with the reason, never the key. */
export function parseJwtPublicKey(text: string): KeyObject {
  const trimmed = text.trim();
  if (trimmed.startsWith('{')) {
    const jwk = JSON.parse(trimmed) as Record<string, unknown>;
    if ('d' in jwk) throw new Error('is a private JWK; give the public key');
    return createPublicKey({ key: jwk as never, format: 'jwk' });
  }
  return createPublicKey(trimmed.replace(/\\n/g, '\n'));
}

export function createJwtVerifier(config: JwtConfig): JwtVerifier {
  const key = config.jwksUrl
    ? createRemoteJWKSet(config.jwksUrl, { timeoutDuration: 5000, cooldownDuration: 30_000 })
    : parseJwtPublicKey(config.publicKey ?? '');
  const options = {
    issuer: config.issuer,
    audience: config.audience,
    algorithms: ASYMMETRIC_ALGORITHMS,
    clockTolerance: 30,
    requiredClaims: ['exp'],
  };
  return async (token) => {
    if (!token) throw new TokenError('missing', 'a bearer token is required');
    try {
      const { payload } =
        typeof key === 'function' ? await jwtVerify(token, key, options) : await jwtVerify(token, key, options);
      return {
        subject: payload.sub,
        scopes: scopesOf(payload),
        userCode: typeof payload.user_code === 'string' ? payload.user_code : undefined,
        claims: payload,
      };
    } catch (err) {
      throw toTokenError(err);
    }
  };
}

function toTokenError(err: unknown): TokenError {
  if (err instanceof errors.JWTExpired) return new TokenError('expired', 'the token has expired');
  if (err instanceof errors.JWTClaimValidationFailed) {
    return new TokenError('invalid', `the token's "${err.claim}" claim is not accepted`);
  }
  if (
    err instanceof errors.JWSInvalid ||
    err instanceof errors.JWTInvalid ||
    err instanceof errors.JOSENotSupported ||
    err instanceof errors.JOSEAlgNotAllowed
  ) {
    return new TokenError('malformed', 'the token is malformed or uses an unsupported algorithm');
  }
  if (err instanceof errors.JWSSignatureVerificationFailed || err instanceof errors.JWKSNoMatchingKey) {
    return new TokenError('invalid', 'the token signature does not verify');
  }
  if (err instanceof errors.JOSEError && !(err instanceof errors.JWKSTimeout)) {
    return new TokenError('invalid', 'the token could not be verified');
  }
  // JWKS timeout or network failure: the token may be fine, the key set is out of reach.
  return new TokenError('unavailable', 'the signing keys (JWKS) could not be fetched');
}
