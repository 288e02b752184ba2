// Standard Webhooks signatures (standardwebhooks.com): `v1,<base64 HMAC-SHA256 of "<id>.<timestamp>.<body>">`, one
// per secret, so a receiver holding either the old or the new secret verifies while a secret is rotated. The worker
// signs with it; backends verify with verifyWebhook (exported by the client library).
import { createHmac, timingSafeEqual } from 'node:crypto';

const SECRET_PREFIX = 'whsec_';
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
/** Standard Webhooks keys are 24–64 random bytes; fewer than 16 is refused as too weak. */
const MIN_SECRET_BYTES = 16;
const MAX_SECRET_CHARS = 200;
export const SECRET_RULE = `must be whsec_ followed by the base64 of ${MIN_SECRET_BYTES} to 128 random bytes`;

export class WebhookVerificationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WebhookVerificationError';
  }
}

/** The HMAC key of a `whsec_<base64>` secret; null when the text is not one. */
export function secretKey(secret: string): Buffer | null {
  if (secret.length > MAX_SECRET_CHARS) return null;
  const b64 = secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : '';
  if (!BASE64.test(b64)) return null;
  const key = Buffer.from(b64, 'base64');
  return key.length >= MIN_SECRET_BYTES && key.length <= 128 ? key : null;
}

const hmac = (key: Buffer, id: string, timestamp: string, body: string) =>
  createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64');

/** The `webhook-signature` header: one `v1,<sig>` per key, space-separated. */
export function signatureHeader(keys: readonly Buffer[], id: string, timestamp: string, body: string): string {
  return keys.map((key) => `v1,${hmac(key, id, timestamp, body)}`).join(' ');
}

/** The three Standard Webhooks headers of one delivery attempt. */
export function webhookHeaders(keys: readonly Buffer[], id: string, body: string, now = Date.now()) {
  const timestamp = String(Math.floor(now / 1000));
  return {
    'webhook-id': id,
    'webhook-timestamp': timestamp,
    'webhook-signature': signatureHeader(keys, id, timestamp, body),
  };
}

type HeaderBag = Headers | { get(name: string): string | null } | Record<string, string | string[] | undefined>;

function header(headers: HeaderBag, name: string): string | undefined {
  if (typeof (headers as Headers).get === 'function') return (headers as Headers).get(name) ?? undefined;
  const bag = headers as Record<string, string | string[] | undefined>;
  const key = Object.keys(bag).find((k) => k.toLowerCase() === name);
  const value = key === undefined ? undefined : bag[key];
  return Array.isArray(value) ? value[0] : value;
}

const MAX_HEADER_CHARS = 4096;

/**
 * Verifies a delivery: `headers` as the framework gives them (Node's, Fetch `Headers`, or a plain object),
 * `rawBody` exactly as received (verify before parsing), `secrets` the `whsec_…` secret(s) the receiver holds, and
 * `toleranceSeconds` how far `webhook-timestamp` may be from now (replays of old deliveries are refused). Returns the
 * parsed event `{ type, timestamp, data }` with its `id`; throws WebhookVerificationError otherwise.
 */
export function verifyWebhook(
  headers: HeaderBag,
  rawBody: string | Buffer,
  secrets: string | readonly string[],
  toleranceSeconds = 300,
): { id: string; type: string; timestamp: string; data: Record<string, unknown> } {
  const id = header(headers, 'webhook-id');
  const timestamp = header(headers, 'webhook-timestamp');
  const signatures = header(headers, 'webhook-signature');
  if (!id || !timestamp || !signatures)
    throw new WebhookVerificationError('missing webhook-id, -timestamp or -signature');
  if (id.length > 256 || signatures.length > MAX_HEADER_CHARS || !/^\d{1,12}$/.test(timestamp)) {
    throw new WebhookVerificationError('malformed webhook headers');
  }
  const skew = Math.abs(Date.now() / 1000 - Number(timestamp));
  if (skew > toleranceSeconds) throw new WebhookVerificationError('webhook-timestamp is outside the tolerance');
  const keys = (typeof secrets === 'string' ? [secrets] : secrets).map((s) => {
    const key = secretKey(s);
    if (!key) throw new WebhookVerificationError(`a secret ${SECRET_RULE}`);
    return key;
  });
  const body = typeof rawBody === 'string' ? rawBody : rawBody.toString('utf8');
  const offered = signatures
    .split(' ')
    .filter((s) => s.startsWith('v1,'))
    .map((s) => Buffer.from(s.slice(3), 'base64'));
  const match = keys.some((key) => {
    const expected = Buffer.from(hmac(key, id, timestamp, body), 'base64');
    return offered.some((sig) => sig.length === expected.length && timingSafeEqual(sig, expected));
  });
  if (!match) throw new WebhookVerificationError('no signature matches');
  let parsed: { type?: unknown; timestamp?: unknown; data?: unknown };
  try {
    parsed = JSON.parse(body);
  } catch {
    throw new WebhookVerificationError('the body is not JSON');
  }
  return {
    id,
    type: String(parsed.type),
    timestamp: String(parsed.timestamp),
    data: (parsed.data ?? {}) as Record<string, unknown>,
  };
}
