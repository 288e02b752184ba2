// Sealing and opening: AES-256-GCM under a fresh random key per value, the key kept only in the key store. A client
// seals an Aadhaar or PidData before it reaches Temporal; the activity that calls Eko opens it; destroying the key
// (after Eko's answer, at the session's end, or by the sweeper at its expiry) leaves the token in history unreadable
// for ever, whoever holds the codec keys.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { SEALED_MAX_LENGTH, SEALED_PREFIX, sealedKeyId, type SealedKind } from '../common/sealed.js';
import type { KeyStore } from './store.js';

/** The key of a sealed value is gone (destroyed after use, expired, or never in this store). */
export class KeyDestroyedError extends Error {
  constructor(readonly kind: SealedKind) {
    super(`the ${kind === 'pid' ? 'PidData' : 'Aadhaar number'} was sealed with a key that no longer exists`);
    this.name = 'KeyDestroyedError';
  }
}

/** A value too large to seal within SEALED_MAX_LENGTH (a PidData far beyond any capture). */
export class SealTooLargeError extends Error {
  constructor(readonly kind: SealedKind) {
    super(`the sealed ${kind} would exceed ${SEALED_MAX_LENGTH} characters`);
    this.name = 'SealTooLargeError';
  }
}

const IV_BYTES = 12;
const TAG_BYTES = 16;
const aad = (kind: SealedKind, keyId: string) => Buffer.from(`${SEALED_PREFIX}${kind}:${keyId}`);

export class Sealer {
  constructor(readonly store: KeyStore) {}

  /** Seals `plain` for `owner` (a workflow id) under a new key that the store keeps until `ttlMs` from now. */
  async seal(kind: SealedKind, owner: string, plain: string, ttlMs: number): Promise<string> {
    const keyId = randomBytes(16).toString('base64url');
    const key = randomBytes(32);
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', key, iv).setAAD(aad(kind, keyId));
    const sealed = Buffer.concat([iv, cipher.update(plain, 'utf8'), cipher.final(), cipher.getAuthTag()]);
    const token = `${SEALED_PREFIX}${kind}:${keyId}:${sealed.toString('base64url')}`;
    if (token.length > SEALED_MAX_LENGTH) throw new SealTooLargeError(kind);
    try {
      await this.store.put({ id: keyId, owner, kind, key, expiresAt: Date.now() + ttlMs });
    } finally {
      key.fill(0);
    }
    return token;
  }

  /** The plain value of a token; KeyDestroyedError when its key is gone. Anything not a token is returned as is. */
  async open(kind: SealedKind, value: string): Promise<string> {
    const keyId = sealedKeyId(value, kind);
    if (keyId === null) return value; // sent plain (a session begun before sealing, or a raw Temporal client)
    const key = await this.store.get(keyId);
    if (!key) throw new KeyDestroyedError(kind);
    try {
      const sealed = Buffer.from(value.slice(`${SEALED_PREFIX}${kind}:${keyId}:`.length), 'base64url');
      const iv = sealed.subarray(0, IV_BYTES);
      const tag = sealed.subarray(sealed.length - TAG_BYTES);
      const decipher = createDecipheriv('aes-256-gcm', key, iv).setAAD(aad(kind, keyId));
      decipher.setAuthTag(tag);
      return Buffer.concat([
        decipher.update(sealed.subarray(IV_BYTES, sealed.length - TAG_BYTES)),
        decipher.final(),
      ]).toString('utf8');
    } finally {
      key.fill(0);
    }
  }

  /** Destroys the keys of these tokens (plain values are skipped); how many existed. */
  async shred(kind: SealedKind, values: readonly (string | undefined)[]): Promise<number> {
    const ids = values.map((v) => sealedKeyId(v, kind)).filter((id): id is string => id !== null);
    return ids.length ? this.store.destroy(ids) : 0;
  }
}
