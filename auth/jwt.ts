// Bearer JWT verification shared by the HTTP API and the codec server: one verifier, one set of rules
// (issuer, audience, expiry, a bounded lifetime, an `iat` not in the future, asymmetric algorithms that fit the
// key only), built from config/index.ts `loadJwtConfig`.
import { createPublicKey, type KeyObject } from 'node:crypto';
import { createRemoteJWKSet, errors, jwtVerify, type JWSAlgorithm, type JWTPayload, type JWTVerifyGetKey } from 'jose';

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

export interface JwtConfig {
  /** Exactly one of jwksUrl and publicKey is set. */
  jwksUrl: URL | null;
  /** PEM (SPKI) or a JWK as JSON. */
  publicKey: string | null;
  issuer: string;
  audience: string;
  /** EKYC_JWT_MAX_LIFETIME: the longest `exp - iat` accepted (default below, 12 h). */
  maxLifetimeSeconds?: number;
  /** EKYC_JWT_CLOCK_SKEW: tolerance on `exp`, `nbf` and a future `iat` (default below, 30 s). */
  clockSkewSeconds?: number;
}

/** The longest `exp - iat` accepted unless configured (EKYC_JWT_MAX_LIFETIME): one working day's shift. */
export const DEFAULT_MAX_TOKEN_LIFETIME_SECONDS = 12 * 3600;
/** How far the issuer's clock may be off ours (EKYC_JWT_CLOCK_SKEW), for `exp`, `nbf` and `iat`. */
export const DEFAULT_CLOCK_SKEW_SECONDS = 30;

/** `unavailable`: the JWKS could not be fetched (answer 503, not 401). Nothing else is `unavailable`. */
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

const EC_ALGORITHM: Record<string, JWSAlgorithm> = {
  prime256v1: 'ES256',
  'P-256': 'ES256',
  secp384r1: 'ES384',
  'P-384': 'ES384',
  secp521r1: 'ES512',
  'P-521': 'ES512',
};

/** The algorithms a configured public key can verify: a token whose `alg` does not fit it is refused up front. */
export function algorithmsFor(key: KeyObject): JWSAlgorithm[] {
  switch (key.asymmetricKeyType) {
    case 'rsa':
      return ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512'];
    case 'rsa-pss':
      return ['PS256', 'PS384', 'PS512'];
    case 'ec': {
      const alg = EC_ALGORITHM[key.asymmetricKeyDetails?.namedCurve ?? ''];
      return alg ? [alg] : [];
    }
    case 'ed25519':
      return ['EdDSA', 'Ed25519'];
    case 'ed448':
      return ['EdDSA'];
    default:
      return [];
  }
}

/**
 * The issuer's JWKS, fetched (and cached) by jose. Only a failure to fetch or read the key set is `unavailable`
 * (503): a token whose `kid` or `alg` matches no key in it is a bad token (401).
 */
function remoteKeys(url: URL): JWTVerifyGetKey {
  const jwks = createRemoteJWKSet(url, { timeoutDuration: 5000, cooldownDuration: 30_000 });
  return async (header, token) => {
    try {
      return await jwks(header, token);
    } catch (err) {
      if (
        err instanceof errors.JWKSNoMatchingKey ||
        err instanceof errors.JWKSMultipleMatchingKeys ||
        err instanceof errors.JOSENotSupported ||
        err instanceof errors.JOSEAlgNotAllowed
      ) {
        throw err;
      }
      // JWKSTimeout, a non-200 or unparsable answer (JOSEError), or the network (fetch's TypeError).
      if (err instanceof errors.JOSEError || err instanceof TypeError) {
        throw new TokenError('unavailable', 'the signing keys (JWKS) could not be fetched');
      }
      throw err;
    }
  };
}

export function createJwtVerifier(config: JwtConfig): JwtVerifier {
  const publicKey = config.jwksUrl ? null : parseJwtPublicKey(config.publicKey ?? '');
  const keys = config.jwksUrl ? remoteKeys(config.jwksUrl) : null;
  const maxLifetime = config.maxLifetimeSeconds ?? DEFAULT_MAX_TOKEN_LIFETIME_SECONDS;
  const skew = config.clockSkewSeconds ?? DEFAULT_CLOCK_SKEW_SECONDS;
  const options = {
    issuer: config.issuer,
    audience: config.audience,
    algorithms: publicKey ? algorithmsFor(publicKey) : ASYMMETRIC_ALGORITHMS,
    clockTolerance: skew,
    // `iat` is required: without it a token's lifetime cannot be bounded. maxTokenAge also refuses an `iat` more
    // than the skew in the future, and a token older than the cap whatever its `exp` says.
    requiredClaims: ['exp', 'iat'],
    maxTokenAge: maxLifetime,
  };
  return async (token) => {
    if (!token) throw new TokenError('missing', 'a bearer token is required');
    try {
      const { payload } = keys ? await jwtVerify(token, keys, options) : await jwtVerify(token, publicKey!, options);
      // A token minted to live longer than the cap is refused outright, not only once it has aged past it.
      if (
        typeof payload.exp === 'number' &&
        typeof payload.iat === 'number' &&
        payload.exp - payload.iat > maxLifetime
      ) {
        throw new TokenError('invalid', `the token lives longer than the ${maxLifetime} s this service accepts`);
      }
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
  if (err instanceof TokenError) return err;
  if (err instanceof errors.JWTExpired) {
    return err.claim === 'iat'
      ? new TokenError('expired', 'the token is older than this service accepts')
      : new TokenError('expired', 'the token has expired');
  }
  if (err instanceof errors.JWTClaimValidationFailed) {
    if (err.reason === 'missing') return new TokenError('invalid', `the token has no "${err.claim}" claim`);
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
  // Anything else — a JOSE error, or WebCrypto refusing the key for the token's `alg` (a DOMException) — is the
  // token's fault: 401. Only remoteKeys says `unavailable`, when the key set itself is out of reach.
  return new TokenError('invalid', 'the token could not be verified');
}
