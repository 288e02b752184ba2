// Structured JSON logs (pino) that cannot carry PII or secrets. Two nets, both always on:
// 1. by key, at any depth: values under sensitive keys are censored, and raw HTTP bodies are never written;
// 2. by shape, on the finished line: Aadhaar-like numbers, mobiles, PID blocks and bearer tokens are masked,
//    which also covers messages and error texts that interpolated a value.
import { pino, type DestinationStream, type Logger, type LoggerOptions } from 'pino';
import { loadLogLevel, type Env } from '../config/index.js';

export const CENSOR = '[REDACTED]';

/** Keys whose values are PII or secrets, compared without case, `-` or `_` (so `customer_id` = `customerId`). */
export const SENSITIVE_KEYS = [
  'aadhaar',
  'aadhar',
  'aadhaarNumber',
  'aadharNumber',
  'uid',
  'otp',
  'pidData',
  'pid',
  'customerId',
  'mobile',
  'mobileNumber',
  'phone',
  'initiatorId',
  'authorization',
  'authorizationExtras',
  'cookie',
  'setCookie',
  'developerKey',
  'secretKey',
  'accessKey',
  'apiKey',
  'privateKey',
  'EKO_ACCESS_KEY',
  'EKO_DEVELOPER_KEY',
  'EKYC_CODEC_KEYS',
  'TEMPORAL_API_KEY',
  'codecKeys',
  'token',
  'accessToken',
  'idToken',
  'password',
  'secret',
];

/** Keys that hold whole HTTP bodies: a string or byte body is never written; an object body is walked key by key. */
export const BODY_KEYS = ['body', 'rawBody', 'requestBody', 'responseBody', 'json', 'payload', 'data'];

const norm = (key: string) => key.toLowerCase().replace(/[-_]/g, '');
const SENSITIVE = new Set(SENSITIVE_KEYS.map(norm));
const BODIES = new Set(BODY_KEYS.map(norm));
const MAX_DEPTH = 12;

/** A copy of `value` with sensitive keys censored and raw bodies dropped, at any depth. */
export function redactValue(value: unknown, depth = 0, seen = new WeakSet<object>()): unknown {
  if (value === null || typeof value !== 'object') return typeof value === 'string' ? scrubText(value) : value;
  if (seen.has(value)) return '[Circular]';
  if (depth >= MAX_DEPTH) return '[Truncated]';
  seen.add(value);
  if (value instanceof Error) return redactValue(errorToObject(value), depth, seen);
  if (Buffer.isBuffer(value) || ArrayBuffer.isView(value)) return `[${value.byteLength} bytes]`;
  if (Array.isArray(value)) return value.map((v) => redactValue(v, depth + 1, seen));
  if (value instanceof Date) return value.toISOString();
  if (value instanceof URL) return scrubText(value.toString());
  if (value instanceof Map) return redactValue(Object.fromEntries(value), depth, seen);
  if (value instanceof Headers) {
    const headers: Record<string, string> = {};
    value.forEach((v, k) => (headers[k] = v));
    return redactValue(headers, depth, seen);
  }
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    const k = norm(key);
    if (SENSITIVE.has(k)) out[key] = v === undefined || v === null ? v : CENSOR;
    else if (BODIES.has(k) && v !== null && typeof v !== 'object' && typeof v !== 'number' && typeof v !== 'boolean')
      out[key] = `${CENSOR} body`;
    else if (BODIES.has(k) && (Buffer.isBuffer(v) || ArrayBuffer.isView(v))) out[key] = `${CENSOR} body`;
    else out[key] = redactValue(v, depth + 1, seen);
  }
  return out;
}

function errorToObject(err: Error): Record<string, unknown> {
  const out: Record<string, unknown> = { type: err.name, message: err.message, stack: err.stack };
  for (const [key, v] of Object.entries(err)) if (!(key in out)) out[key] = v;
  if (err.cause !== undefined) out.cause = err.cause;
  return out;
}

// Shapes of PII and secrets in free text. OTPs (6 digits) have no shape distinct from ordinary numbers;
// they are kept out by key only, which is why nothing may interpolate an OTP into a message.
const TEXT_RULES: [RegExp, string][] = [
  [/<\s*PidData\b[\s\S]*?(?:<\/\s*PidData\s*>|$)/gi, '[PID DATA]'],
  // An unclosed tag masks the rest of the text: safer, and linear (a closing tag is never searched for again).
  [/<\s*(?:Data|Skey|Hmac)\b[^>]*(?:>[\s\S]*?(?:<\/\s*(?:Data|Skey|Hmac)\s*>|$)|$)/gi, '[PID DATA]'],
  [/\bBearer\s+[A-Za-z0-9\-_.~+/]+=*/gi, `Bearer ${CENSOR}`],
  // Starts only at the head of a token-character run, so "eyJ-eyJ-…" is not re-scanned from every "eyJ".
  [/(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*/g, '[JWT]'],
  [/(?<![\d.])\d{4}[ -]?\d{4}[ -]?\d{4}(?![\d.])/g, '[AADHAAR?]'],
  [/(?<![\d.])(?:\+?91[ -]?)?[6-9]\d{9}(?![\d.])/g, '[MOBILE?]'],
];

/** Mask PII-shaped substrings of free text. */
export function scrubText(text: string): string {
  let out = text;
  for (const [re, replacement] of TEXT_RULES) out = out.replace(re, replacement);
  return out;
}

export interface CreateLoggerOptions extends LoggerOptions {
  /** Where lines go; stderr by default (stdout is the CLI's JSON output). Tests pass a stream to capture. */
  destination?: DestinationStream;
}

// Child-logger bindings skip pino's log formatter, so top-level sensitive keys are also covered by pino's own
// redaction (which does apply to bindings), in the spellings a binding would plausibly use.
function bindingRedactPaths(): string[] {
  const paths = new Set<string>();
  for (const key of SENSITIVE_KEYS) {
    const snake = key.replace(/([a-z])([A-Z])/g, '$1_$2').toLowerCase();
    for (const k of [key, key.toLowerCase(), snake, snake.replace(/_/g, '-')]) {
      paths.add(/^[A-Za-z_$][\w$]*$/.test(k) ? k : `["${k}"]`);
    }
  }
  return [...paths];
}

export function createLogger(name: string, env: Env = process.env, options: CreateLoggerOptions = {}): Logger {
  const { destination, ...rest } = options;
  return pino(
    {
      name,
      level: loadLogLevel(env),
      base: { service: name },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: bindingRedactPaths(), censor: CENSOR },
      ...rest,
      // Errors are turned into plain objects by redactValue; pino's own serializer would undo that.
      serializers: { err: (e: unknown) => e, ...rest.serializers },
      formatters: {
        ...rest.formatters,
        log: (obj) => redactValue(obj) as Record<string, unknown>,
        bindings: (bindings) => redactValue(bindings) as Record<string, unknown>,
      },
      hooks: { ...rest.hooks, streamWrite: (line) => scrubText(line) },
    },
    destination ?? pino.destination({ fd: 2, sync: false }),
  );
}

export type { Logger };
