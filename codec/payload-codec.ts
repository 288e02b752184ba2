// AES-256-GCM payload codec: every payload Temporal stores is encrypted, with a random 96-bit nonce per
// payload and the key id in metadata so that keys can rotate (old payloads decode while their key is listed).
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { Payload, PayloadCodec } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import type { CodecConfig, CodecKey } from '../config/index.js';

export const ENCODING = 'binary/encrypted';
const METADATA_ENCODING = 'encoding';
const METADATA_KEY_ID = 'encryption-key-id';
const NONCE_BYTES = 12;
const TAG_BYTES = 16;

const enc = new TextEncoder();
const dec = new TextDecoder();

export class CodecKeyMissingError extends Error {
  constructor(keyId: string) {
    super(`payload was encrypted with key "${keyId}", which is not in EKYC_CODEC_KEYS`);
    this.name = 'CodecKeyMissingError';
  }
}

export class AesGcmPayloadCodec implements PayloadCodec {
  private readonly keys: Map<string, Buffer>;
  private readonly current: CodecKey;

  constructor(config: CodecConfig) {
    this.keys = new Map(config.keys.map((k) => [k.id, k.key]));
    const key = this.keys.get(config.currentKeyId);
    if (!key) throw new Error(`EKYC_CODEC_KEY_ID: names no key listed in EKYC_CODEC_KEYS`);
    this.current = { id: config.currentKeyId, key };
  }

  async encode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => this.encodeOne(payload));
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => this.decodeOne(payload));
  }

  encodeOne(payload: Payload): Payload {
    const nonce = randomBytes(NONCE_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.current.key, nonce);
    // The key id is authenticated too, so a payload cannot be relabelled to another key.
    cipher.setAAD(enc.encode(this.current.id));
    const plain = encodePayloadProto(payload);
    const body = Buffer.concat([cipher.update(plain), cipher.final()]);
    return {
      metadata: {
        [METADATA_ENCODING]: enc.encode(ENCODING),
        [METADATA_KEY_ID]: enc.encode(this.current.id),
      },
      data: Buffer.concat([nonce, body, cipher.getAuthTag()]),
    };
  }

  decodeOne(payload: Payload): Payload {
    const encoding = payload.metadata?.[METADATA_ENCODING];
    if (!encoding || dec.decode(encoding) !== ENCODING) return payload;
    const keyIdBytes = payload.metadata?.[METADATA_KEY_ID];
    if (!keyIdBytes) throw new Error('encrypted payload has no key id');
    const keyId = dec.decode(keyIdBytes);
    const key = this.keys.get(keyId);
    if (!key) throw new CodecKeyMissingError(keyId);
    const data = Buffer.from(payload.data ?? new Uint8Array());
    if (data.length < NONCE_BYTES + TAG_BYTES) throw new Error('encrypted payload is too short');
    const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(0, NONCE_BYTES));
    decipher.setAAD(keyIdBytes);
    decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
    const plain = Buffer.concat([
      decipher.update(data.subarray(NONCE_BYTES, data.length - TAG_BYTES)),
      decipher.final(),
    ]);
    return decodePayloadProto(plain);
  }
}

// The inner payload (metadata and data) is kept as the Temporal Payload protobuf, as the SDK samples do.

function encodePayloadProto(payload: Payload): Uint8Array {
  return temporal.api.common.v1.Payload.encode(payload as temporal.api.common.v1.IPayload).finish();
}

function decodePayloadProto(bytes: Uint8Array): Payload {
  return temporal.api.common.v1.Payload.decode(bytes) as Payload;
}
