// AES-256-GCM payload codec: every payload Temporal stores is encrypted, with a random 96-bit nonce per
// payload and the key id in metadata so that keys can rotate (old payloads decode while their key is listed).
import { createCipheriv, createDecipheriv, randomFillSync, type KeyObject } from 'node:crypto';
import type { Payload, PayloadCodec } from '@temporalio/common';
import proto from '@temporalio/proto';
import type { CodecConfig } from '../config/index.js';

// @temporalio/proto is CommonJS: under Node's own ESM loader (the built CLI) only its default export exists.
const { temporal } = proto;

export const ENCODING = 'binary/encrypted';
export const METADATA_ENCODING = 'encoding';
export const METADATA_KEY_ID = 'encryption-key-id';
const NONCE_BYTES = 12;
const TAG_BYTES = 16;

const enc = new TextEncoder();
const dec = new TextDecoder();
const ENCODING_BYTES = enc.encode(ENCODING);

/**
 * Nonces are taken from a pool of random bytes filled 4 KiB at a time: a randomBytes(12) call per payload cost about a
 * third as much as the payload's encryption (docs/PERFORMANCE.md). Every nonce is still 96 fresh random bits, used once.
 */
class NoncePool {
  private readonly pool = Buffer.alloc(NONCE_BYTES * 341);
  private offset = this.pool.length;

  next(): Buffer {
    if (this.offset === this.pool.length) {
      randomFillSync(this.pool);
      this.offset = 0;
    }
    // A view into the pool: encodeOne copies it into the cipher and the payload before the pool is refilled.
    const nonce = this.pool.subarray(this.offset, this.offset + NONCE_BYTES);
    this.offset += NONCE_BYTES;
    return nonce;
  }
}

/** A payload this codec cannot decrypt. The message names the key id at most, never any payload content. */
export class PayloadDecryptError extends Error {
  constructor(
    message: string,
    readonly keyId?: string,
  ) {
    super(message);
    this.name = 'PayloadDecryptError';
  }
}

export class CodecKeyMissingError extends PayloadDecryptError {
  constructor(keyId: string) {
    super(`payload was encrypted with key "${keyId}", which is not in EKYC_CODEC_KEYS`, keyId);
    this.name = 'CodecKeyMissingError';
  }
}

export function isEncrypted(payload: Payload): boolean {
  const encoding = payload.metadata?.[METADATA_ENCODING];
  return !!encoding && dec.decode(encoding) === ENCODING;
}

export class AesGcmPayloadCodec implements PayloadCodec {
  private readonly keys: ReadonlyMap<string, KeyObject>;
  private readonly currentId: string;
  private readonly currentIdBytes: Uint8Array;
  private readonly currentKey: KeyObject;
  private readonly nonces = new NoncePool();

  constructor(config: CodecConfig) {
    this.keys = new Map(config.keys.map((k) => [k.id, k.key]));
    const key = this.keys.get(config.currentKeyId);
    if (!key) throw new Error('EKYC_CODEC_KEY_ID: names no key listed in EKYC_CODEC_KEYS');
    this.currentId = config.currentKeyId;
    this.currentIdBytes = enc.encode(config.currentKeyId);
    this.currentKey = key;
  }

  /** The key id new payloads are encrypted with. */
  get keyId(): string {
    return this.currentId;
  }

  async encode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => this.encodeOne(payload));
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => this.decodeOne(payload));
  }

  encodeOne(payload: Payload): Payload {
    // 96-bit random nonce: with a few billion payloads per key the collision risk stays negligible; rotate well before.
    const nonce = this.nonces.next();
    const cipher = createCipheriv('aes-256-gcm', this.currentKey, nonce);
    // The key id is authenticated too, so a payload cannot be relabelled to another key.
    cipher.setAAD(this.currentIdBytes);
    const body = cipher.update(encodePayloadProto(payload));
    const tail = cipher.final();
    return {
      metadata: {
        [METADATA_ENCODING]: ENCODING_BYTES,
        [METADATA_KEY_ID]: this.currentIdBytes,
      },
      data: Buffer.concat([nonce, body, tail, cipher.getAuthTag()]),
    };
  }

  /** Payloads that are not ours (no `binary/encrypted` encoding) pass through untouched. */
  decodeOne(payload: Payload): Payload {
    if (!isEncrypted(payload)) return payload;
    const keyIdBytes = payload.metadata?.[METADATA_KEY_ID];
    if (!keyIdBytes?.length) throw new PayloadDecryptError('encrypted payload has no key id');
    const keyId = dec.decode(keyIdBytes);
    const key = this.keys.get(keyId);
    if (!key) throw new CodecKeyMissingError(keyId);
    const data = payload.data ?? new Uint8Array();
    if (data.length < NONCE_BYTES + TAG_BYTES) throw new PayloadDecryptError('encrypted payload is too short', keyId);
    let plain: Buffer;
    try {
      const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(0, NONCE_BYTES));
      decipher.setAAD(keyIdBytes);
      decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
      plain = Buffer.concat([decipher.update(data.subarray(NONCE_BYTES, data.length - TAG_BYTES)), decipher.final()]);
    } catch {
      throw new PayloadDecryptError(`encrypted payload failed authentication under key "${keyId}"`, keyId);
    }
    return decodePayloadProto(plain);
  }
}

// The inner payload (metadata and data) is kept as the Temporal Payload protobuf, as the SDK samples do.

function encodePayloadProto(payload: Payload): Uint8Array {
  return temporal.api.common.v1.Payload.encode(
    payload as Parameters<typeof temporal.api.common.v1.Payload.encode>[0],
  ).finish();
}

function decodePayloadProto(bytes: Uint8Array): Payload {
  return temporal.api.common.v1.Payload.decode(bytes) as Payload;
}
