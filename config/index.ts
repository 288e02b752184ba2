// Configuration: parsed and validated once, at the edge, from the environment. Every error names the
// variable and the rule in one line; nothing here ever echoes a secret's value.
import type { KeyObject } from 'node:crypto';
import { z } from 'zod';
import { loadClientConnectConfig } from '@temporalio/envconfig';
import type { NativeConnectionOptions } from '@temporalio/worker';
import { DEFAULT_TASK_QUEUE } from '../common/domain.js';
import { parseAadhaarPublicKey } from '../activities/eko/aadhaar-crypto.js';

export type Env = Record<string, string | undefined>;

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    readonly rule: string,
  ) {
    super(`${variable}: ${rule}`);
    this.name = 'ConfigError';
  }
}

function read<T>(env: Env, variable: string, schema: z.ZodType<T>): T {
  const raw = env[variable];
  const result = schema.safeParse(raw === '' ? undefined : raw);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const rule = issue.code === 'invalid_type' && raw === undefined ? 'is required' : issue.message;
  throw new ConfigError(variable, rule);
}

const intIn = (min: number, max: number, dflt: number) =>
  z
    .string()
    .regex(/^\d+$/, { error: `must be an integer between ${min} and ${max}` })
    .transform(Number)
    .refine((n) => n >= min && n <= max, { error: `must be an integer between ${min} and ${max}` })
    .optional()
    .transform((n) => n ?? dflt);

export const API_CONTRACTS = ['v3', 'eps-2026-06'] as const;
export type EkoContractName = (typeof API_CONTRACTS)[number];

export interface EkoConfig {
  baseUrl: string;
  developerKey: string;
  accessKey: string;
  initiatorId: string;
  aadhaarPublicKey: KeyObject;
  contract: EkoContractName;
  timeoutMs: number;
}

export function loadEkoConfig(env: Env): EkoConfig {
  const publicKeyText = read(env, 'EKO_AADHAAR_PUBLIC_KEY', z.string());
  let aadhaarPublicKey: KeyObject;
  try {
    aadhaarPublicKey = parseAadhaarPublicKey(publicKeyText);
  } catch (err) {
    throw new ConfigError('EKO_AADHAAR_PUBLIC_KEY', (err as Error).message.replace(/^EKO_AADHAAR_PUBLIC_KEY: /, ''));
  }
  return {
    baseUrl: read(
      env,
      'EKO_BASE_URL',
      z
        .url({ protocol: /^https?$/, error: 'must be an http(s) URL, version segment included' })
        .optional()
        .transform((u) => (u ?? 'https://staging.eko.in/ekoapi/v3').replace(/\/+$/, '')),
    ),
    developerKey: read(env, 'EKO_DEVELOPER_KEY', z.string().min(1)),
    accessKey: read(env, 'EKO_ACCESS_KEY', z.string().min(1)),
    initiatorId: read(env, 'EKO_INITIATOR_ID', z.string().regex(/^\d{10}$/, { error: 'must be a 10-digit mobile' })),
    aadhaarPublicKey,
    contract: read(
      env,
      'EKO_API_CONTRACT',
      z
        .enum(API_CONTRACTS, { error: `must be one of ${API_CONTRACTS.join(', ')}` })
        .optional()
        .transform((c) => c ?? 'v3'),
    ),
    timeoutMs: read(env, 'EKO_TIMEOUT_MS', intIn(100, 120_000, 15_000)),
  };
}

export interface TemporalConfig {
  connection: NativeConnectionOptions;
  namespace: string;
  taskQueue: string;
}

/** Temporal connection as @temporalio/envconfig reads it (TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_API_KEY, TEMPORAL_TLS_*). */
export function loadTemporalConfig(env: Env): TemporalConfig {
  let connect;
  try {
    connect = loadClientConnectConfig({ overrideEnvVars: env as Record<string, string> });
  } catch (err) {
    throw new ConfigError('TEMPORAL_*', (err as Error).message);
  }
  return {
    connection: { ...connect.connectionOptions, address: connect.connectionOptions.address ?? 'localhost:7233' },
    namespace: connect.namespace ?? 'default',
    taskQueue: read(
      env,
      'EKYC_TASK_QUEUE',
      z
        .string()
        .regex(/^[\w.-]{1,200}$/, { error: 'must be 1-200 letters, digits, ".", "_" or "-"' })
        .optional()
        .transform((q) => q ?? DEFAULT_TASK_QUEUE),
    ),
  };
}

export interface CodecKey {
  id: string;
  key: Buffer;
}
export interface CodecConfig {
  keys: CodecKey[];
  currentKeyId: string;
}

/** `id:base64(32 bytes)`, comma-separated. */
export function parseCodecKeys(text: string): CodecKey[] {
  const keys = text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((entry, i) => {
      const m = /^([A-Za-z0-9_.-]{1,64}):([A-Za-z0-9+/=_-]+)$/.exec(entry);
      if (!m) throw new ConfigError('EKYC_CODEC_KEYS', `entry ${i + 1} must be "id:base64key"`);
      const key = Buffer.from(m[2], 'base64');
      if (key.length !== 32) {
        throw new ConfigError('EKYC_CODEC_KEYS', `key "${m[1]}" must decode to 32 bytes (got ${key.length})`);
      }
      return { id: m[1], key };
    });
  if (!keys.length) throw new ConfigError('EKYC_CODEC_KEYS', 'is required');
  const ids = new Set<string>();
  for (const k of keys) {
    if (ids.has(k.id)) throw new ConfigError('EKYC_CODEC_KEYS', `key id "${k.id}" is listed twice`);
    ids.add(k.id);
  }
  return keys;
}

export function loadCodecConfig(env: Env): CodecConfig {
  const keys = parseCodecKeys(read(env, 'EKYC_CODEC_KEYS', z.string()));
  const currentKeyId = env.EKYC_CODEC_KEY_ID || keys[0].id;
  if (!keys.some((k) => k.id === currentKeyId)) {
    throw new ConfigError('EKYC_CODEC_KEY_ID', `names no key listed in EKYC_CODEC_KEYS`);
  }
  return { keys, currentKeyId };
}

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export function loadLogLevel(env: Env): (typeof LOG_LEVELS)[number] {
  return read(
    env,
    'EKYC_LOG_LEVEL',
    z
      .enum(LOG_LEVELS, { error: `must be one of ${LOG_LEVELS.join(', ')}` })
      .optional()
      .transform((l) => l ?? 'info'),
  );
}

export { read as readVariable, intIn };

/** Bounds every Temporal call of the client library (CLI and HTTP API); a call that overruns is "Temporal unavailable". */
export function loadTemporalCallTimeoutMs(env: Env): number {
  return read(env, 'EKYC_TEMPORAL_TIMEOUT_MS', intIn(100, 300_000, 30_000));
}

export interface JwtConfig {
  /** Exactly one of jwksUrl and publicKey is set. */
  jwksUrl: URL | null;
  /** PEM (SPKI) or a JWK as JSON. */
  publicKey: string | null;
  issuer: string;
  audience: string;
}

export interface ApiConfig {
  host: string;
  port: number;
  jwt: JwtConfig;
  temporalTimeoutMs: number;
}

/** `ekyc api`: EKYC_API_HOST, EKYC_API_PORT, EKYC_JWT_JWKS_URL or EKYC_JWT_PUBLIC_KEY, EKYC_JWT_ISSUER, EKYC_JWT_AUDIENCE. */
export function loadApiConfig(env: Env): ApiConfig {
  const jwksUrl = read(
    env,
    'EKYC_JWT_JWKS_URL',
    z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional(),
  );
  const publicKey = read(
    env,
    'EKYC_JWT_PUBLIC_KEY',
    z
      .string()
      .refine((v) => /-----BEGIN PUBLIC KEY-----/.test(v) || /^\s*\{/.test(v), {
        error: 'must be a PEM public key (SPKI) or a JWK as JSON',
      })
      .optional(),
  );
  if (jwksUrl && publicKey)
    throw new ConfigError('EKYC_JWT_JWKS_URL', 'set either it or EKYC_JWT_PUBLIC_KEY, not both');
  if (!jwksUrl && !publicKey) throw new ConfigError('EKYC_JWT_JWKS_URL', 'is required (or EKYC_JWT_PUBLIC_KEY)');
  return {
    host: read(
      env,
      'EKYC_API_HOST',
      z
        .string()
        .optional()
        .transform((h) => h ?? '0.0.0.0'),
    ),
    port: read(env, 'EKYC_API_PORT', intIn(0, 65_535, 8080)),
    jwt: {
      jwksUrl: jwksUrl ? new URL(jwksUrl) : null,
      publicKey: publicKey ?? null,
      issuer: read(env, 'EKYC_JWT_ISSUER', z.string().min(1)),
      audience: read(env, 'EKYC_JWT_AUDIENCE', z.string().min(1)),
    },
    temporalTimeoutMs: loadTemporalCallTimeoutMs(env),
  };
}
