import { constants, generateKeyPairSync, privateDecrypt, type KeyObject } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { encryptAadhaar, parseAadhaarPublicKey } from '../../../activities/eko/aadhaar-crypto.js';
import { badChecksumAadhaar, syntheticAadhaar } from '../../sim/eko-fixtures.js';

// Eko's published keys are 1024-bit (API.md §7.1); Key A as published.
const EKO_KEY_A =
  'MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQCaFyrzeDhMaFLx+LZUNOOO14Pj9aPfr+1WOanDgDHxo9NekENYcWUftM9Y17ul2pXr3bqw0GCh4uxNoTQ5cTH4buI42LI8ibMaf7Kppq9MzdzI9/7pOffgdSn+P8J64CJAk3VrVswVgfy8lABt7fL8R6XReI9x8ewwKHhCRTwBgQIDAQAB';

/** Node 20 refuses PKCS#1 v1.5 private decryption, so decrypt raw and read the `00 02 PS 00 M` block here. */
function decryptRaw(cipherBase64: string, privateKey: KeyObject): { block: Buffer; message: Buffer } {
  const block = privateDecrypt(
    { key: privateKey, padding: constants.RSA_NO_PADDING },
    Buffer.from(cipherBase64, 'base64'),
  );
  const separator = block.indexOf(0, 2);
  return { block, message: block.subarray(separator + 1) };
}

describe('Aadhaar encryption', () => {
  let keys1024: { publicKey: KeyObject; privateKey: KeyObject };
  let keys2048: { publicKey: KeyObject; privateKey: KeyObject };
  beforeAll(() => {
    keys1024 = generateKeyPairSync('rsa', { modulusLength: 1024 });
    keys2048 = generateKeyPairSync('rsa', { modulusLength: 2048 });
  });

  it('round-trips through a PKCS#1 v1.5 block (00 02, at least 8 non-zero padding bytes, 00, the 12 digits)', () => {
    const aadhaar = syntheticAadhaar();
    const publicKey = parseAadhaarPublicKey(
      keys2048.publicKey.export({ type: 'spki', format: 'der' }).toString('base64'),
    );
    const { block, message } = decryptRaw(encryptAadhaar(aadhaar, publicKey), keys2048.privateKey);
    expect(block.length).toBe(256);
    expect(block[0]).toBe(0x00);
    expect(block[1]).toBe(0x02);
    const separator = block.indexOf(0, 2);
    expect(separator).toBe(256 - 12 - 1);
    expect(block.subarray(2, separator).every((b) => b !== 0)).toBe(true);
    expect(message.toString('utf8') === aadhaar).toBe(true);
  });

  it('gives 172 base64 characters under a 1024-bit key, as with Eko’s published keys', () => {
    const publicKey = parseAadhaarPublicKey(
      keys1024.publicKey.export({ type: 'spki', format: 'der' }).toString('base64'),
    );
    const cipher = encryptAadhaar(syntheticAadhaar(), publicKey);
    expect(cipher).toMatch(/^[A-Za-z0-9+/]{171}=$/);
  });

  it('encrypts the same number differently every time (random padding)', () => {
    const publicKey = parseAadhaarPublicKey(EKO_KEY_A);
    const aadhaar = syntheticAadhaar();
    expect(encryptAadhaar(aadhaar, publicKey)).not.toBe(encryptAadhaar(aadhaar, publicKey));
  });

  it('accepts Eko’s key as published (base64 DER SubjectPublicKeyInfo) and as PEM', () => {
    expect(parseAadhaarPublicKey(EKO_KEY_A).asymmetricKeyDetails?.modulusLength).toBe(1024);
    const pem = keys2048.publicKey.export({ type: 'spki', format: 'pem' }) as string;
    expect(parseAadhaarPublicKey(pem).asymmetricKeyType).toBe('rsa');
  });

  it('rejects an EC public key, naming the key type', () => {
    const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const der = publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
    expect(() => parseAadhaarPublicKey(der)).toThrow(/EKO_AADHAAR_PUBLIC_KEY: must be an RSA key, got ec/);
  });

  it('rejects text that is not a key', () => {
    expect(() => parseAadhaarPublicKey('not-a-key-at-all')).toThrow(/EKO_AADHAAR_PUBLIC_KEY: is not a base64 DER/);
    expect(() => parseAadhaarPublicKey('   ')).toThrow(/EKO_AADHAAR_PUBLIC_KEY: is empty/);
  });

  it('rejects a private key in PEM instead of quietly using its public half', () => {
    const pem = keys1024.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
    expect(() => parseAadhaarPublicKey(pem)).toThrow(/EKO_AADHAAR_PUBLIC_KEY: is a private key/);
    const pkcs1 = keys1024.privateKey.export({ type: 'pkcs1', format: 'pem' }) as string;
    expect(() => parseAadhaarPublicKey(pkcs1)).toThrow(/is a private key/);
  });

  it('rejects a private key in base64 DER', () => {
    const der = keys1024.privateKey.export({ type: 'pkcs8', format: 'der' }).toString('base64');
    expect(() => parseAadhaarPublicKey(der)).toThrow(/EKO_AADHAAR_PUBLIC_KEY/);
  });

  it('rejects an RSA key shorter than 1024 bits', () => {
    const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 512 });
    const der = publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
    expect(() => parseAadhaarPublicKey(der)).toThrow(/512 bits is too short/);
  });

  describe('refuses to encrypt a malformed Aadhaar number, without echoing it', () => {
    const publicKey = parseAadhaarPublicKey(EKO_KEY_A);
    const cases: [string, () => string, RegExp][] = [
      ['a wrong Verhoeff check digit', badChecksumAadhaar, /Verhoeff/],
      ['11 digits', () => syntheticAadhaar().slice(0, 11), /12 digits/],
      ['13 digits', () => `${syntheticAadhaar()}1`, /12 digits/],
      ['a leading 0 or 1', () => `1${syntheticAadhaar().slice(1)}`, /12 digits/],
      ['letters', () => `${syntheticAadhaar().slice(0, 11)}X`, /12 digits/],
      ['spaces', () => syntheticAadhaar().replace(/(\d{4})(\d{4})/, '$1 $2 '), /12 digits/],
    ];
    for (const [name, make, rule] of cases) {
      it(name, () => {
        const value = make();
        let message = '';
        try {
          encryptAadhaar(value, publicKey);
        } catch (err) {
          message = (err as Error).message;
        }
        expect(message).toMatch(rule);
        expect(message.includes(value.replace(/\s/g, '').slice(0, 8))).toBe(false);
      });
    }
  });
});
