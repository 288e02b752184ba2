// Sealed values (crypto-shredding, README "Aadhaar and PID: crypto-shredding"): an Aadhaar number or a PidData as
// Temporal carries it once a client has sealed it with a one-time key kept in the key store (keystore/). Pure, no
// Node imports: the workflows read a token's key id (to have the key destroyed), never its content.

export const SEALED_PREFIX = 'ekyc-sealed:v1:';
export const SEALED_KINDS = ['aadhaar', 'pid'] as const;
export type SealedKind = (typeof SEALED_KINDS)[number];

/** Key ids: 16 random bytes, base64url (22 characters). */
export const KEY_ID_PATTERN = /^[A-Za-z0-9_-]{22}$/;
/** A sealed PidData of the largest accepted size (200,000 characters, up to 3 UTF-8 bytes each) with room to spare. */
export const SEALED_MAX_LENGTH = 820_000;
const CIPHERTEXT = /^[A-Za-z0-9_-]{40,}$/;

/**
 * The key id of a well-formed token of this kind, else null: `ekyc-sealed:v1:<kind>:<key id>:<base64url>`. The
 * length is checked first and every test is linear, as for any untrusted text (common/checks.ts).
 */
export function sealedKeyId(value: unknown, kind: SealedKind): string | null {
  if (typeof value !== 'string' || value.length > SEALED_MAX_LENGTH || !value.startsWith(SEALED_PREFIX)) return null;
  const head = `${SEALED_PREFIX}${kind}:`;
  if (!value.startsWith(head)) return null;
  const keyId = value.slice(head.length, head.length + 22);
  if (!KEY_ID_PATTERN.test(keyId) || value[head.length + 22] !== ':') return null;
  return CIPHERTEXT.test(value.slice(head.length + 23)) ? keyId : null;
}

export const isSealed = (value: unknown, kind: SealedKind): value is string => sealedKeyId(value, kind) !== null;

/** Why seal keys were destroyed: the `reason` of the log line and of the `ekyc_seal_keys_destroyed` metric. */
export type DestroyReason = 'used' | 'step_ended' | 'session_ended' | 'request_answered' | 'expired';

/** The workflows' activity: destroy these keys (idempotent); how many existed. */
export interface SealKeyActivities {
  destroySealKeys(arg: { keyIds: string[]; reason: DestroyReason }): Promise<number>;
}

/** Failure type of an activity whose sealed PidData (or Aadhaar) had expired unused before its first attempt. */
export const SEALED_DATA_EXPIRED = 'SealedDataExpired';
