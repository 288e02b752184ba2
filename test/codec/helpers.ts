// Test fixtures for the codec, the codec server and the privacy suites: synthetic PII, keys, a token issuer
// and a log capture. Nothing here is a real person's data; Aadhaar numbers are random with a valid check digit.
import { randomBytes, randomInt } from 'node:crypto';
import { exportSPKI, generateKeyPair, SignJWT, type JWTPayload } from 'jose';
import { verhoeffCheckDigit } from '../../common/verhoeff.js';
import { loadCodecConfig, type CodecConfig, type JwtConfig } from '../../config/index.js';
import { createLogger, type Logger } from '../../observability/logger.js';

export function syntheticAadhaar(): string {
  const body = `${randomInt(2, 10)}${Array.from({ length: 10 }, () => randomInt(0, 10)).join('')}`;
  return `${body}${verhoeffCheckDigit(body)}`;
}

export function syntheticMobile(): string {
  return `${randomInt(6, 10)}${Array.from({ length: 9 }, () => randomInt(0, 10)).join('')}`;
}

export function syntheticOtp(): string {
  return String(randomInt(100_000, 1_000_000));
}

export function keyEntry(id: string): string {
  return `${id}:${randomBytes(32).toString('base64')}`;
}

/** A codec configuration from `id:base64` entries, through the same loader as production. */
export function codecConfig(entries: string[], currentKeyId?: string): CodecConfig {
  return loadCodecConfig({ EKYC_CODEC_KEYS: entries.join(','), EKYC_CODEC_KEY_ID: currentKeyId });
}

export interface TestIssuer {
  jwt: JwtConfig;
  publicKeyPem: string;
  token(claims?: JWTPayload, opts?: { expiresIn?: string; audience?: string; issuer?: string }): Promise<string>;
}

/** An ES256 token issuer, as an identity provider would be, configured the way EKYC_JWT_PUBLIC_KEY is. */
export async function createTestIssuer(issuer = 'https://idp.test', audience = 'fingpay-ekyc'): Promise<TestIssuer> {
  const { publicKey, privateKey } = await generateKeyPair('ES256');
  const publicKeyPem = await exportSPKI(publicKey);
  return {
    jwt: { jwksUrl: null, publicKey: publicKeyPem, issuer, audience },
    publicKeyPem,
    token: (claims = {}, opts = {}) =>
      new SignJWT(claims)
        .setProtectedHeader({ alg: 'ES256' })
        .setIssuer(opts.issuer ?? issuer)
        .setAudience(opts.audience ?? audience)
        .setSubject(typeof claims.sub === 'string' ? claims.sub : 'ops-tester')
        .setIssuedAt()
        .setExpirationTime(opts.expiresIn ?? '10m')
        .sign(privateKey),
  };
}

export interface LogCapture {
  logger: Logger;
  text(): string;
  lines(): Record<string, unknown>[];
}

/** A project logger (same redaction as production) whose lines are kept in memory. */
export function captureLogs(name = 'test', level = 'trace'): LogCapture {
  const chunks: string[] = [];
  const logger = createLogger(
    name,
    { EKYC_LOG_LEVEL: level },
    { destination: { write: (s: string) => chunks.push(s) } },
  );
  return {
    logger,
    text: () => chunks.join(''),
    lines: () =>
      chunks
        .join('')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}
