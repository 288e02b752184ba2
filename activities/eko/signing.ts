// Eko request signing (shared/eko/API.md §6.2): the HMAC key is the base64 TEXT of the access key.
import { createHmac } from 'node:crypto';

export interface EkoAuthHeaders {
  developer_key: string;
  'secret-key': string;
  'secret-key-timestamp': string;
}

export function secretKey(accessKey: string, timestamp: string): string {
  const encodedKey = Buffer.from(accessKey, 'utf8').toString('base64');
  return createHmac('sha256', encodedKey).update(timestamp).digest('base64');
}

/** Fresh headers for one attempt: a new timestamp and signature every time. */
export function signRequest(developerKey: string, accessKey: string, now: number = Date.now()): EkoAuthHeaders {
  const ts = String(now);
  return { developer_key: developerKey, 'secret-key': secretKey(accessKey, ts), 'secret-key-timestamp': ts };
}
