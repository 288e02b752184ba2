// The simulator's side of Eko's Aadhaar encryption: decrypt with its own private key. Node 20 refuses PKCS#1 v1.5
// private decryption (CVE-2023-46809), so the block is decrypted raw and its `00 02 PS 00 M` padding read here.
import { constants, privateDecrypt, type KeyObject } from 'node:crypto';
import { verhoeffValid } from '../common/verhoeff.js';

/** The message inside a PKCS#1 v1.5 encryption block, or undefined when the block is not one. */
export function unpadPkcs1v15(block: Buffer): Buffer | undefined {
  if (block.length < 11 || block[0] !== 0x00 || block[1] !== 0x02) return undefined;
  const separator = block.indexOf(0x00, 2);
  // At least 8 non-zero padding bytes (RFC 8017 §7.2.1).
  if (separator < 10) return undefined;
  return block.subarray(separator + 1);
}

/** The Aadhaar number in `field`, or undefined when it is not base64 RSA under our key or not a valid number. */
export function decryptAadhaar(field: string, privateKey: KeyObject): string | undefined {
  const compact = field.replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(compact)) return undefined;
  const cipher = Buffer.from(compact, 'base64');
  const modulusBytes = (privateKey.asymmetricKeyDetails?.modulusLength ?? 0) / 8;
  if (cipher.length !== modulusBytes) return undefined;
  let block: Buffer;
  try {
    block = privateDecrypt({ key: privateKey, padding: constants.RSA_NO_PADDING }, cipher);
  } catch {
    return undefined;
  }
  const message = unpadPkcs1v15(block)?.toString('latin1');
  return message !== undefined && /^[2-9]\d{11}$/.test(message) && verhoeffValid(message) ? message : undefined;
}
