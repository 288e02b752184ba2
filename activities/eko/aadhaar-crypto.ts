// Aadhaar encryption for Eko (shared/eko/API.md §7): RSA PKCS#1 v1.5 under Eko's public key, base64 out.
import { constants, createPublicKey, publicEncrypt, type KeyObject } from 'node:crypto';
import { aadhaarSchema } from '../../common/validation.js';

export class InvalidPublicKeyError extends Error {
  constructor(detail: string) {
    super(`EKO_AADHAAR_PUBLIC_KEY: ${detail}`);
    this.name = 'InvalidPublicKeyError';
  }
}

/** Parse Eko's key: base64 DER SubjectPublicKeyInfo as Eko publishes it, or PEM. Only RSA keys pass. */
export function parseAadhaarPublicKey(text: string): KeyObject {
  const trimmed = text.trim();
  if (!trimmed) throw new InvalidPublicKeyError('is empty');
  // createPublicKey would quietly derive the public half of a private PEM; a private key here is a leak, not a key.
  if (/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(trimmed)) {
    throw new InvalidPublicKeyError('is a private key; configure the public key only');
  }
  let key: KeyObject;
  try {
    key = trimmed.startsWith('-----BEGIN')
      ? createPublicKey({ key: trimmed, format: 'pem' })
      : createPublicKey({ key: Buffer.from(trimmed.replace(/\s+/g, ''), 'base64'), format: 'der', type: 'spki' });
  } catch {
    throw new InvalidPublicKeyError('is not a base64 DER SubjectPublicKeyInfo or PEM public key');
  }
  if (key.type !== 'public') throw new InvalidPublicKeyError('must be a public key');
  if (key.asymmetricKeyType !== 'rsa') {
    throw new InvalidPublicKeyError(`must be an RSA key, got ${key.asymmetricKeyType ?? 'unknown'}`);
  }
  const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
  if (bits < 1024) throw new InvalidPublicKeyError(`RSA modulus of ${bits} bits is too short (at least 1024)`);
  return key;
}

/** Validate the Aadhaar number (format and Verhoeff) first, then encrypt it. */
export function encryptAadhaar(aadhaar: string, key: KeyObject): string {
  const parsed = aadhaarSchema.safeParse(aadhaar);
  if (!parsed.success) throw new TypeError(`aadhaar: ${parsed.error.issues[0]?.message ?? 'invalid'}`);
  return publicEncrypt({ key, padding: constants.RSA_PKCS1_PADDING }, Buffer.from(aadhaar, 'utf8')).toString('base64');
}
