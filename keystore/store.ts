// The key store of crypto-shredding: one-time AES keys that open a sealed Aadhaar or PidData (common/sealed.ts).
// One interface, two implementations chosen by configuration at the edge (keystore/index.ts): PostgreSQL in
// production, files under EKYC_DATA_DIR for `ekyc dev` and the tests. Nothing personal is ever stored here: a key
// alone opens nothing, and history alone (even with every codec key) opens nothing once its key is destroyed.
import type { SealedKind } from '../common/sealed.js';

export interface KeyRecord {
  /** 22 base64url characters (common/sealed.ts KEY_ID_PATTERN). */
  id: string;
  /** The workflow the key serves (`fingpay-ekyc-<user code>`, `fingpay-agent-<user code>`): no PII. */
  owner: string;
  kind: SealedKind;
  /** 32 bytes. */
  key: Buffer;
  /** Epoch ms after which the key is never handed out again and the sweeper destroys it. */
  expiresAt: number;
}

export interface KeyStore {
  readonly backend: 'file' | 'postgres';
  put(record: KeyRecord): Promise<void>;
  /** The key, or null when it was destroyed, never existed or has expired. */
  get(id: string): Promise<Buffer | null>;
  /** Destroys the keys; how many existed. Idempotent. */
  destroy(ids: readonly string[]): Promise<number>;
  /** Destroys every key whose expiry has passed at `now`; how many. */
  purgeExpired(now?: number): Promise<number>;
  /** How many keys (expired or not) serve this owner: what the tests ask after a session. */
  countOwnedBy(owner: string): Promise<number>;
  close(): Promise<void>;
}
