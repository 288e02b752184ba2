// Structured JSON logs (pino) with redaction: sensitive keys are censored wherever they appear, and
// Eko request/response bodies are never logged raw (log the outcome fields instead).
import { pino, type Logger, type LoggerOptions } from 'pino';
import { loadLogLevel, type Env } from '../config/index.js';

/** Keys whose values are PII or secrets. Matched at any depth up to 4 levels. */
export const SENSITIVE_KEYS = [
  'aadhaar',
  'aadhar',
  'otp',
  'pidData',
  'piddata',
  'customerId',
  'customer_id',
  'mobile',
  'authorization',
  'developer_key',
  'secret-key',
  'accessKey',
  'developerKey',
  'EKO_ACCESS_KEY',
  'EKO_DEVELOPER_KEY',
  'EKYC_CODEC_KEYS',
  'token',
  'password',
];

function redactPaths(): string[] {
  const paths: string[] = [];
  for (const key of SENSITIVE_KEYS) {
    const k = /^[A-Za-z_$][\w$]*$/.test(key) ? key : `["${key}"]`;
    const dot = k.startsWith('[') ? '' : '.';
    paths.push(k, `*${dot}${k}`, `*.*${dot}${k}`, `*.*.*${dot}${k}`);
  }
  return paths;
}

export function createLogger(name: string, env: Env = process.env, options: LoggerOptions = {}): Logger {
  return pino(
    {
      name,
      level: loadLogLevel(env),
      redact: { paths: redactPaths(), censor: '[REDACTED]' },
      base: { service: name },
      timestamp: pino.stdTimeFunctions.isoTime,
      ...options,
    },
    // Logs go to stderr: stdout is reserved for the CLI's JSON output.
    pino.destination({ fd: 2, sync: false }),
  );
}

export type { Logger };
