import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ApplicationFailure, defaultPayloadConverter, type Payload } from '@temporalio/common';
import {
  decodeOptionalFailureToOptionalError,
  encodeErrorToFailure,
  encodeToPayload,
  decodeOptionalSinglePayload,
  loadDataConverter,
} from '@temporalio/common/lib/internal-non-workflow/index.js';
import { createDataConverter } from '../../codec/data-converter.js';
import {
  AesGcmPayloadCodec,
  CodecKeyMissingError,
  ENCODING,
  METADATA_KEY_ID,
  PayloadDecryptError,
} from '../../codec/payload-codec.js';
import { codecConfig, keyEntry, syntheticAadhaar } from './helpers.js';

const text = (b: Uint8Array | null | undefined) => new TextDecoder().decode(b ?? new Uint8Array());
const jsonPayload = (value: unknown): Payload => defaultPayloadConverter.toPayload(value);

describe('AES-256-GCM payload codec', () => {
  const codec = new AesGcmPayloadCodec(codecConfig([keyEntry('k1')]));

  it('decodes what it encoded, for any metadata and data', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.dictionary(fc.string({ minLength: 1, maxLength: 20 }), fc.uint8Array({ maxLength: 64 })),
        fc.uint8Array({ maxLength: 4096 }),
        async (metadata, data) => {
          const [encoded] = await codec.encode([{ metadata, data }]);
          const [decoded] = await codec.decode([encoded]);
          expect(Buffer.from(decoded.data ?? [])).toEqual(Buffer.from(data));
          for (const [k, v] of Object.entries(metadata))
            expect(Buffer.from(decoded.metadata?.[k] ?? [])).toEqual(Buffer.from(v));
        },
      ),
      { numRuns: 200 },
    );
  });

  it('labels encrypted payloads binary/encrypted with the key id, and keeps the plaintext out of them', async () => {
    const aadhaar = syntheticAadhaar();
    const [encoded] = await codec.encode([jsonPayload({ aadhaar })]);
    expect(text(encoded.metadata?.encoding)).toBe(ENCODING);
    expect(text(encoded.metadata?.[METADATA_KEY_ID])).toBe('k1');
    expect(Object.keys(encoded.metadata ?? {}).sort()).toEqual(['encoding', METADATA_KEY_ID].sort());
    expect(Buffer.from(encoded.data ?? []).includes(aadhaar)).toBe(false);
    expect(Buffer.from(encoded.data ?? []).includes('json/plain')).toBe(false);
  });

  it('uses a fresh random nonce for every payload, so equal plaintexts never give equal ciphertexts', async () => {
    const payload = jsonPayload({ otp: '123456' });
    // 1,000 payloads outlast the nonce pool (341 nonces) twice: each keeps its own nonce after a refill.
    const encoded = await codec.encode(Array.from({ length: 1000 }, () => payload));
    const nonces = new Set(
      encoded.map((p) =>
        Buffer.from(p.data ?? [])
          .subarray(0, 12)
          .toString('hex'),
      ),
    );
    const bodies = new Set(encoded.map((p) => Buffer.from(p.data ?? []).toString('hex')));
    expect(nonces.size).toBe(1000);
    expect(bodies.size).toBe(1000);
    expect((await codec.decode(encoded)).map((p) => text(p.data))).toEqual(encoded.map(() => text(payload.data)));
  });

  it('refuses a payload with any byte of nonce, ciphertext or tag changed', async () => {
    const [encoded] = await codec.encode([jsonPayload({ aadhaar: syntheticAadhaar() })]);
    const data = Buffer.from(encoded.data ?? []);
    for (const index of [0, 11, 12, Math.floor(data.length / 2), data.length - 16, data.length - 1]) {
      const tampered = Buffer.from(data);
      tampered[index] ^= 0x01;
      await expect(codec.decode([{ ...encoded, data: tampered }])).rejects.toThrow(PayloadDecryptError);
    }
  });

  it('refuses a payload relabelled to another listed key id (the key id is authenticated)', async () => {
    const entries = [keyEntry('a'), keyEntry('b')];
    const [encoded] = await new AesGcmPayloadCodec(codecConfig(entries, 'a')).encode([jsonPayload('x')]);
    const both = new AesGcmPayloadCodec(codecConfig(entries, 'b'));
    const relabelled = {
      ...encoded,
      metadata: { ...encoded.metadata, [METADATA_KEY_ID]: new TextEncoder().encode('b') },
    };
    await expect(both.decode([relabelled])).rejects.toThrow(/failed authentication under key "b"/);
  });

  it('after rotation encrypts with EKYC_CODEC_KEY_ID and still decodes payloads under the retired key while it is listed', async () => {
    const a = keyEntry('2025-a');
    const b = keyEntry('2026-b');
    const before = new AesGcmPayloadCodec(codecConfig([a]));
    const [old] = await before.encode([jsonPayload({ stage: 'AWAITING_OTP' })]);

    const after = new AesGcmPayloadCodec(codecConfig([a, b], '2026-b'));
    const [fresh] = await after.encode([jsonPayload({ stage: 'COMPLETED' })]);
    expect(text(fresh.metadata?.[METADATA_KEY_ID])).toBe('2026-b');
    expect(defaultPayloadConverter.fromPayload((await after.decode([old]))[0])).toEqual({ stage: 'AWAITING_OTP' });
    expect(defaultPayloadConverter.fromPayload((await after.decode([fresh]))[0])).toEqual({ stage: 'COMPLETED' });
  });

  it('fails clearly, naming the key id, for a payload under a key that is no longer listed', async () => {
    const [old] = await new AesGcmPayloadCodec(codecConfig([keyEntry('gone')])).encode([jsonPayload('x')]);
    const current = new AesGcmPayloadCodec(codecConfig([keyEntry('now')]));
    const failure = await current.decode([old]).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(CodecKeyMissingError);
    expect((failure as Error).message).toBe('payload was encrypted with key "gone", which is not in EKYC_CODEC_KEYS');
  });

  it('fails clearly for an encrypted payload that is too short or has no key id', async () => {
    const enc = new TextEncoder();
    await expect(
      codec.decode([
        { metadata: { encoding: enc.encode(ENCODING), [METADATA_KEY_ID]: enc.encode('k1') }, data: new Uint8Array(20) },
      ]),
    ).rejects.toThrow('encrypted payload is too short');
    await expect(
      codec.decode([{ metadata: { encoding: enc.encode(ENCODING) }, data: new Uint8Array(40) }]),
    ).rejects.toThrow('encrypted payload has no key id');
  });

  it('passes payloads it did not encrypt through decode untouched', async () => {
    const plain = jsonPayload({ hello: 'world' });
    expect(await codec.decode([plain])).toEqual([plain]);
  });
});

describe('data converter', () => {
  const converter = loadDataConverter(createDataConverter(codecConfig([keyEntry('k1')])));

  it('round-trips workflow values through the payload converter and the codec', async () => {
    const input = { userCode: '20810200', aadhaar: syntheticAadhaar(), latlong: '28.6139,77.2090' };
    const payload = await encodeToPayload(converter, input);
    expect(text(payload.metadata?.encoding)).toBe(ENCODING);
    expect(await decodeOptionalSinglePayload(converter, payload)).toEqual(input);
  });

  it('moves failure messages and stack traces into an encrypted payload (encodeCommonAttributes)', async () => {
    const aadhaar = syntheticAadhaar();
    const failure = await encodeErrorToFailure(
      converter,
      ApplicationFailure.nonRetryable(`Eko refused the request for ${aadhaar}`, 'EkoPermanentError'),
    );
    expect(failure.message).toBe('Encoded failure');
    expect(failure.stackTrace).toBe('');
    expect(text(failure.encodedAttributes?.metadata?.encoding)).toBe(ENCODING);
    expect(JSON.stringify(failure).includes(aadhaar)).toBe(false);
    const back = await decodeOptionalFailureToOptionalError(converter, failure);
    expect(back?.message.includes(aadhaar)).toBe(true);
  });
});
