// Configuration: parsed and validated once, at the edge, from the environment. Every error names the
// variable and the rule in one line; nothing here ever echoes a secret's value.
import { createSecretKey, type KeyObject } from 'node:crypto';
import { z } from 'zod';
import { loadClientConnectConfig } from '@temporalio/envconfig';
import type { NativeConnectionOptions } from '@temporalio/worker';
import { DEFAULT_TASK_QUEUE } from '../common/domain.js';
import { DEFAULT_OTP_SENDS_PER_DAY, DEFAULT_OTP_SENDS_PER_HOUR } from '../common/otp-quota.js';
import { parseAadhaarPublicKey } from '../activities/eko/aadhaar-crypto.js';
import {
  algorithmsFor,
  DEFAULT_CLOCK_SKEW_SECONDS,
  DEFAULT_MAX_TOKEN_LIFETIME_SECONDS,
  parseJwtPublicKey,
  type JwtConfig,
} from '../auth/jwt.js';
import { RD_MODES, type RdMode } from '../sim/rd-sim.js';
import { secretKey, SECRET_RULE } from '../events/signing.js';
import type { DeliveryPolicy } from '../events/model.js';

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
  // An empty value counts as unset (docker compose and .env files write `NAME=` for "not given").
  const raw = env[variable] === '' ? undefined : env[variable];
  const result = schema.safeParse(raw);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const rule = issue.code === 'invalid_type' && raw === undefined ? 'is required' : issue.message;
  throw new ConfigError(variable, rule);
}

/** `schema` when the variable is set, else `dflt`. */
const orDefault = <T>(schema: z.ZodType<T>, dflt: T) => schema.optional().transform((v) => v ?? dflt);
/** One of `values`, named in the rule. */
const oneOf = <T extends string>(values: readonly [T, ...T[]]) =>
  z.enum(values, { error: `must be one of ${values.join(', ')}` });
const httpUrl = (rule = 'must be an http(s) URL') => z.url({ protocol: /^https?$/, error: rule });

const intIn = (min: number, max: number, dflt: number) =>
  orDefault(
    z
      .string()
      .regex(/^\d+$/, { error: `must be an integer between ${min} and ${max}` })
      .transform(Number)
      .refine((n) => n >= min && n <= max, { error: `must be an integer between ${min} and ${max}` }),
    dflt,
  );

const DAY = 86_400;
const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: DAY };
const durationText = (seconds: number) =>
  seconds % DAY === 0 && seconds
    ? `${seconds / DAY}d`
    : seconds % 3600 === 0 && seconds
      ? `${seconds / 3600}h`
      : seconds % 60 === 0 && seconds
        ? `${seconds / 60}m`
        : `${seconds}s`;

/** A duration such as `90s`, `30m`, `12h` or `1d`, in seconds, between `min` and `max`. */
const durationIn = (min: number, max: number, dflt: number) => {
  const rule = `must be a duration like 30s, 15m, 12h or 1d, from ${durationText(min)} to ${durationText(max)}`;
  return orDefault(
    z
      .string()
      .regex(/^\d{1,9}[smhd]$/, { error: rule })
      .transform((v) => Number(v.slice(0, -1)) * UNIT_SECONDS[v.slice(-1)])
      .refine((n) => n >= min && n <= max, { error: rule }),
    dflt,
  );
};

export const API_CONTRACTS = ['v3', 'eps-2026-06'] as const;
export type EkoContractName = (typeof API_CONTRACTS)[number];

// The same rules wherever these variables are read (worker, simulator, API, codec server).
const contractSchema = oneOf(API_CONTRACTS);
const mobileSchema = z.string().regex(/^\d{10}$/, { error: 'must be a 10-digit mobile' });

export interface EkoConfig {
  baseUrl: string;
  developerKey: string;
  accessKey: string;
  initiatorId: string;
  aadhaarPublicKey: KeyObject;
  contract: EkoContractName;
  timeoutMs: number;
}

export interface EkoConfigOptions {
  /** `ekyc dev`: a local stack, whose Eko is the loopback simulator (or one you run), so `http://` is fine. */
  dev?: boolean;
}

/**
 * The worker's Eko settings. EKO_BASE_URL has no default: a worker must be told which Eko it talks to (the staging
 * one is not a safe guess for production, nor the other way round), and over https, since requests carry Eko's
 * signed keys and the Aadhaar ciphertext. `http://` is accepted only under `ekyc dev` or with
 * EKO_ALLOW_INSECURE_HTTP=true (local tests against the simulator).
 */
export function loadEkoConfig(env: Env, options: EkoConfigOptions = {}): EkoConfig {
  const allowHttp =
    options.dev === true ||
    read(env, 'EKO_ALLOW_INSECURE_HTTP', orDefault(oneOf(['true', 'false'] as const), 'false')) === 'true';
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
      allowHttp
        ? httpUrl('must be an http(s) URL, version segment included')
        : z.url({
            protocol: /^https$/,
            error:
              'must be an https:// URL, version segment included (http:// only with EKO_ALLOW_INSECURE_HTTP=true, for local testing)',
          }),
    ).replace(/\/+$/, ''),
    developerKey: read(env, 'EKO_DEVELOPER_KEY', z.string().min(1)),
    accessKey: read(env, 'EKO_ACCESS_KEY', z.string().min(1)),
    initiatorId: read(env, 'EKO_INITIATOR_ID', mobileSchema),
    aadhaarPublicKey,
    contract: read(env, 'EKO_API_CONTRACT', orDefault(contractSchema, 'v3')),
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
      orDefault(
        z.string().regex(/^[\w.-]{1,200}$/, { error: 'must be 1-200 letters, digits, ".", "_" or "-"' }),
        DEFAULT_TASK_QUEUE,
      ),
    ),
  };
}

export interface CodecKey {
  id: string;
  /** A secret KeyObject, not bytes: it serialises as `{}`, so a stray log line cannot leak it. */
  key: KeyObject;
}
export interface CodecConfig {
  keys: CodecKey[];
  currentKeyId: string;
}

const CODEC_KEY_ID = /^[A-Za-z0-9_.-]{1,64}$/;

/** `id:base64(32 bytes)`, comma-separated (standard or URL-safe base64). Errors name the entry, never the key. */
export function parseCodecKeys(text: string, variable = 'EKYC_CODEC_KEYS'): CodecKey[] {
  const entries = text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  if (!entries.length) throw new ConfigError(variable, 'is required');
  const ids = new Set<string>();
  return entries.map((entry, i) => {
    const sep = entry.indexOf(':');
    const id = sep > 0 ? entry.slice(0, sep) : '';
    const b64 = entry.slice(sep + 1);
    if (!CODEC_KEY_ID.test(id) || !b64) {
      throw new ConfigError(
        variable,
        `entry ${i + 1} must be "id:base64key" (id: 1-64 letters, digits, "_", "." or "-")`,
      );
    }
    const bytes = decodeBase64Strict(b64);
    if (!bytes) throw new ConfigError(variable, `key "${id}" is not valid base64`);
    if (bytes.length !== 32) {
      throw new ConfigError(variable, `key "${id}" must decode to 32 bytes (got ${bytes.length})`);
    }
    if (bytes.every((b) => b === bytes[0])) throw new ConfigError(variable, `key "${id}" is a placeholder, not random`);
    if (ids.has(id)) throw new ConfigError(variable, `key id "${id}" is listed twice`);
    ids.add(id);
    const key = createSecretKey(bytes);
    bytes.fill(0);
    return { id, key };
  });
}

function decodeBase64Strict(text: string): Buffer | null {
  const standard = text.replace(/-/g, '+').replace(/_/g, '/');
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(standard)) return null;
  const bytes = Buffer.from(standard, 'base64');
  // Node's decoder skips junk silently; a key must survive the round trip.
  return bytes.toString('base64').replace(/=+$/, '') === standard.replace(/=+$/, '') ? bytes : null;
}

export function loadCodecConfig(env: Env): CodecConfig {
  const keys = parseCodecKeys(read(env, 'EKYC_CODEC_KEYS', z.string()));
  const currentKeyId = env.EKYC_CODEC_KEY_ID || keys[0].id;
  if (!keys.some((k) => k.id === currentKeyId)) {
    throw new ConfigError('EKYC_CODEC_KEY_ID', `"${currentKeyId}" names no key listed in EKYC_CODEC_KEYS`);
  }
  return { keys, currentKeyId };
}

/** Browser origins (`scheme://host[:port]`), comma-separated; `*` is refused because the codec server takes credentials. */
export function parseOrigins(variable: string, text: string | undefined): string[] {
  const origins: string[] = [];
  for (const entry of (text ?? '').split(',').map((s) => s.trim().replace(/\/+$/, ''))) {
    if (!entry) continue;
    let origin: string | null = null;
    try {
      const url = new URL(entry);
      if ((url.protocol === 'http:' || url.protocol === 'https:') && url.origin === entry) origin = url.origin;
    } catch {
      origin = null;
    }
    if (!origin) throw new ConfigError(variable, `"${entry}" is not an origin like https://temporal.example.com:8233`);
    origins.push(origin);
  }
  return origins;
}

export interface CodecServerConfig {
  host: string;
  port: number;
  /** Temporal UI origins allowed to call the codec server from a browser; none means no CORS at all. */
  corsOrigins: string[];
  jwt: JwtConfig;
  /** EKYC_CODEC_SESSION_MAX_AGE: the session cookie's longest life (it never outlives the token either). */
  sessionMaxAgeSeconds: number;
  /** EKYC_CODEC_PUBLIC_URL: where operators' browsers reach the codec server; https makes the cookie Secure. */
  publicUrl: string | null;
}

/**
 * `ekyc codec-server`: EKYC_CODEC_HOST, EKYC_CODEC_PORT, EKYC_CODEC_CORS_ORIGINS, EKYC_CODEC_SESSION_MAX_AGE,
 * EKYC_CODEC_PUBLIC_URL and the JWT variables.
 */
export function loadCodecServerConfig(env: Env): CodecServerConfig {
  return {
    host: read(env, 'EKYC_CODEC_HOST', orDefault(z.string(), '0.0.0.0')),
    port: read(env, 'EKYC_CODEC_PORT', intIn(0, 65_535, 8888)),
    corsOrigins: parseOrigins('EKYC_CODEC_CORS_ORIGINS', env.EKYC_CODEC_CORS_ORIGINS),
    jwt: loadJwtConfig(env),
    sessionMaxAgeSeconds: read(env, 'EKYC_CODEC_SESSION_MAX_AGE', durationIn(60, DAY, 8 * 3600)),
    publicUrl: read(env, 'EKYC_CODEC_PUBLIC_URL', httpUrl().optional()) ?? null,
  };
}

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export function loadLogLevel(env: Env): (typeof LOG_LEVELS)[number] {
  return read(env, 'EKYC_LOG_LEVEL', orDefault(oneOf(LOG_LEVELS), 'info'));
}

export { read as readVariable, intIn, orDefault, durationIn };
// Defined beside the verifier it configures (auth/jwt.ts), which needs nothing else of this module.
export type { JwtConfig };

/** Bounds every Temporal call of the client library (CLI and HTTP API); a call that overruns is "Temporal unavailable". */
export function loadTemporalCallTimeoutMs(env: Env): number {
  return read(env, 'EKYC_TEMPORAL_TIMEOUT_MS', intIn(100, 300_000, 30_000));
}

export interface ApiConfig {
  host: string;
  port: number;
  jwt: JwtConfig;
  temporalTimeoutMs: number;
  rateLimits: ApiRateLimits;
  /** Fastify's trustProxy: false, or the reverse proxies' addresses/CIDRs (for the client IP). */
  trustProxy: false | string[];
  /** EKO_DAILY_WADH: the `wadh` the page asks the RD service for on Daily KYC (empty: none). */
  dailyWadh?: string;
}

/** Requests per minute on /v1, per client IP and per agent (0 turns one off). Kept per API process. */
export interface ApiRateLimits {
  perIpPerMinute: number;
  perAgentPerMinute: number;
}
// Generous: many agents can share one carrier-NAT address, and the page polls each second while a step runs. The
// OTP guess bound does not rest on these (workflows/otp-quota.ts does that); they stop floods.
export const DEFAULT_API_RATE_LIMITS: ApiRateLimits = { perIpPerMinute: 600, perAgentPerMinute: 120 };

const trustProxySchema = z
  .string()
  .max(1000)
  .optional()
  .transform((v, ctx): false | string[] => {
    const value = v?.trim();
    if (!value || value === 'false') return false;
    const entries = value.split(',').map((e) => e.trim());
    if (entries.every((e) => /^[0-9A-Fa-f.:]{2,45}(\/\d{1,3})?$/.test(e))) return entries;
    ctx.addIssue({
      code: 'custom',
      message: 'must be false or comma-separated addresses or CIDRs of your reverse proxies',
    });
    return z.NEVER;
  });

/** Bearer-token verification shared by `ekyc api` and `ekyc codec-server` (auth/jwt.ts builds the verifier). */
export function loadJwtConfig(env: Env): JwtConfig {
  const jwksUrl = read(env, 'EKYC_JWT_JWKS_URL', httpUrl().optional());
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
  if (publicKey) {
    let key;
    try {
      key = parseJwtPublicKey(publicKey);
    } catch (err) {
      throw new ConfigError('EKYC_JWT_PUBLIC_KEY', `is not a usable public key (${(err as Error).message})`);
    }
    if (!algorithmsFor(key).length) {
      throw new ConfigError(
        'EKYC_JWT_PUBLIC_KEY',
        'must be an RSA, EC P-256/P-384/P-521, Ed25519 or Ed448 signing key',
      );
    }
  }
  return {
    jwksUrl: jwksUrl ? new URL(jwksUrl) : null,
    publicKey: publicKey ?? null,
    issuer: read(env, 'EKYC_JWT_ISSUER', z.string().min(1)),
    audience: read(env, 'EKYC_JWT_AUDIENCE', z.string().min(1)),
    maxLifetimeSeconds: read(
      env,
      'EKYC_JWT_MAX_LIFETIME',
      durationIn(60, 30 * DAY, DEFAULT_MAX_TOKEN_LIFETIME_SECONDS),
    ),
    clockSkewSeconds: read(env, 'EKYC_JWT_CLOCK_SKEW', durationIn(0, 300, DEFAULT_CLOCK_SKEW_SECONDS)),
  };
}

/** `ekyc api`: EKYC_API_HOST, EKYC_API_PORT, EKYC_JWT_JWKS_URL or EKYC_JWT_PUBLIC_KEY, EKYC_JWT_ISSUER, EKYC_JWT_AUDIENCE. */
export function loadApiConfig(env: Env): ApiConfig {
  return {
    host: read(env, 'EKYC_API_HOST', orDefault(z.string(), '0.0.0.0')),
    port: read(env, 'EKYC_API_PORT', intIn(0, 65_535, 8080)),
    jwt: loadJwtConfig(env),
    temporalTimeoutMs: loadTemporalCallTimeoutMs(env),
    rateLimits: {
      perIpPerMinute: read(
        env,
        'EKYC_API_RATE_LIMIT_PER_IP',
        intIn(0, 1_000_000, DEFAULT_API_RATE_LIMITS.perIpPerMinute),
      ),
      perAgentPerMinute: read(
        env,
        'EKYC_API_RATE_LIMIT_PER_AGENT',
        intIn(0, 100_000, DEFAULT_API_RATE_LIMITS.perAgentPerMinute),
      ),
    },
    trustProxy: read(env, 'EKYC_API_TRUST_PROXY', trustProxySchema),
    dailyWadh: loadDailyWadh(env),
  };
}

/** EKO_DAILY_WADH: the `wadh` of the page's Daily KYC capture; empty (no wadh) unless set. */
export function loadDailyWadh(env: Env): string {
  return read(env, 'EKO_DAILY_WADH', dailyWadhSchema);
}

// Eko's pages disagree on the Daily KYC wadh (API.md §9.3: blank, or the eKYC's): a base64 SHA-256 or nothing.
const dailyWadhSchema = orDefault(
  z
    .string()
    .max(64, { error: 'must be empty or a base64 SHA-256 (44 characters), e.g. the eKYC wadh' })
    .regex(/^[A-Za-z0-9+/]{43}=$/, { error: 'must be empty or a base64 SHA-256 (44 characters), e.g. the eKYC wadh' }),
  '',
);

/** Credentials `ekyc sim` (and the dev stack's worker) use when EKO_* are unset: simulator-only values, not Eko's. */
export const EKO_SIM_DEV_CREDENTIALS = {
  developerKey: 'sim-developer-key',
  accessKey: 'sim-access-key',
  initiatorId: '9000000000',
} as const;

export interface EkoSimConfig {
  port: number;
  developerKey: string;
  accessKey: string;
  initiatorId: string;
  contract: EkoContractName;
}

/** `ekyc sim`: EKO_SIM_PORT, and the EKO_* credentials and contract the worker is given (dev defaults if unset). */
export function loadEkoSimConfig(env: Env): EkoSimConfig {
  return {
    port: read(env, 'EKO_SIM_PORT', intIn(0, 65_535, 8090)),
    developerKey: read(env, 'EKO_DEVELOPER_KEY', orDefault(z.string(), EKO_SIM_DEV_CREDENTIALS.developerKey)),
    accessKey: read(env, 'EKO_ACCESS_KEY', orDefault(z.string(), EKO_SIM_DEV_CREDENTIALS.accessKey)),
    initiatorId: read(env, 'EKO_INITIATOR_ID', orDefault(mobileSchema, EKO_SIM_DEV_CREDENTIALS.initiatorId)),
    contract: read(env, 'EKO_API_CONTRACT', orDefault(contractSchema, 'v3')),
  };
}

/** `ekyc sim` / `ekyc dev`: EKYC_RD_SIM_MODE, how the RD-service simulator answers the agent page's capture. */
export function loadRdSimMode(env: Env): RdMode {
  return read(env, 'EKYC_RD_SIM_MODE', orDefault(oneOf(RD_MODES as [RdMode, ...RdMode[]]), 'good'));
}

/** `ekyc worker`: EKYC_METRICS_PORT, where the Temporal Runtime serves Prometheus metrics; 0 turns them off. */
export function loadWorkerMetricsPort(env: Env): number {
  return read(env, 'EKYC_METRICS_PORT', intIn(0, 65_535, 9464));
}

export const TRACING_MODES = ['otlp', 'console', 'off'] as const;
export type TracingMode = (typeof TRACING_MODES)[number];
export const TRACES_SAMPLERS = [
  'always_on',
  'always_off',
  'traceidratio',
  'parentbased_always_on',
  'parentbased_always_off',
  'parentbased_traceidratio',
] as const;
export type TracesSampler = (typeof TRACES_SAMPLERS)[number];

export interface TracingConfig {
  /** `off`: no OpenTelemetry SDK is started and no interceptor is added. */
  mode: TracingMode;
  /** OTLP/HTTP traces URL (mode `otlp`), e.g. http://collector:4318/v1/traces. */
  tracesUrl: string | null;
  /** Extra OTLP request headers (a vendor's API key, say); secret, never logged. */
  headers: Record<string, string>;
  serviceName: string;
  sampler: TracesSampler;
  /** Sampling ratio of the `traceidratio` samplers. */
  samplerRatio: number;
}

/** The OTLP default, when tracing is switched on without an endpoint (a collector next to the process). */
export const DEFAULT_OTLP_TRACES_URL = 'http://localhost:4318/v1/traces';

const otlpUrl = httpUrl().optional();

/** `key=value` pairs, comma-separated, values URL-encoded (the OTel convention). Errors never show a value. */
function parseOtlpHeaders(variable: string, text: string | undefined): Record<string, string> {
  const headers: Record<string, string> = {};
  const entries = (text ?? '').split(',').map((s) => s.trim());
  entries.forEach((entry, i) => {
    if (!entry) return;
    const sep = entry.indexOf('=');
    const key = sep > 0 ? entry.slice(0, sep).trim() : '';
    if (!/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/.test(key)) {
      throw new ConfigError(variable, `entry ${i + 1} must be key=value with a header name as key`);
    }
    try {
      headers[key.toLowerCase()] = decodeURIComponent(entry.slice(sep + 1).trim());
    } catch {
      throw new ConfigError(variable, `the value of "${key}" is not valid URL encoding`);
    }
  });
  return headers;
}

/**
 * OpenTelemetry tracing, off unless switched on: EKYC_TRACING (`otlp`, `console`, `off`), or else an OTLP endpoint
 * (OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, OTEL_EXPORTER_OTLP_ENDPOINT) turns on `otlp`. Standard OTEL_* names as the
 * OpenTelemetry SDKs read them: OTEL_SERVICE_NAME, OTEL_TRACES_SAMPLER(_ARG), OTEL_EXPORTER_OTLP(_TRACES)_HEADERS.
 */
export function loadTracingConfig(env: Env, defaultServiceName: string): TracingConfig {
  const tracesEndpoint = read(env, 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', otlpUrl);
  const endpoint = read(env, 'OTEL_EXPORTER_OTLP_ENDPOINT', otlpUrl);
  const mode = read(env, 'EKYC_TRACING', orDefault(oneOf(TRACING_MODES), tracesEndpoint || endpoint ? 'otlp' : 'off'));
  const sampler = read(env, 'OTEL_TRACES_SAMPLER', orDefault(oneOf(TRACES_SAMPLERS), 'parentbased_always_on'));
  const samplerRatio = read(
    env,
    'OTEL_TRACES_SAMPLER_ARG',
    orDefault(
      z
        .string()
        .regex(/^(?:0|1|0?\.\d+|1\.0*)$/, { error: 'must be a ratio between 0 and 1' })
        .transform(Number),
      1,
    ),
  );
  // A base endpoint gets the signal path appended; a traces endpoint is used as it is (OTLP exporter spec).
  const tracesUrl =
    mode !== 'otlp'
      ? null
      : (tracesEndpoint ?? (endpoint ? `${endpoint.replace(/\/+$/, '')}/v1/traces` : DEFAULT_OTLP_TRACES_URL));
  return {
    mode,
    tracesUrl,
    headers: {
      ...parseOtlpHeaders('OTEL_EXPORTER_OTLP_HEADERS', env.OTEL_EXPORTER_OTLP_HEADERS),
      ...parseOtlpHeaders('OTEL_EXPORTER_OTLP_TRACES_HEADERS', env.OTEL_EXPORTER_OTLP_TRACES_HEADERS),
    },
    serviceName: read(
      env,
      'OTEL_SERVICE_NAME',
      orDefault(
        z.string().regex(/^\S{1,128}$/, { error: 'must be 1-128 characters without spaces' }),
        defaultServiceName,
      ),
    ),
    sampler,
    samplerRatio,
  };
}

/**
 * `ekyc worker`: EKYC_WORKER_CACHE_SIZE, how many sessions the worker keeps in its sticky cache. A cached session
 * costs ~0.25 MiB; an evicted one costs nothing and resumes by replay in tens of ms (docs/PERFORMANCE.md).
 */
export function loadWorkerCacheSize(env: Env): number {
  return read(env, 'EKYC_WORKER_CACHE_SIZE', intIn(0, 100_000, 500));
}

/**
 * The SDK's own default (with its reusable V8 context). A second thread lets one session's workflow task run while
 * another's waits, but on two shared cores it measured no better (docs/PERFORMANCE.md): raise it on larger hosts.
 */
export const DEFAULT_WORKFLOW_THREADS = 1;

/**
 * `ekyc worker`: EKYC_WORKER_WORKFLOW_THREADS, the threads that run workflow tasks (each with its own V8 context
 * and share of the sticky cache). More than the cores the worker may use only adds memory.
 */
export function loadWorkerWorkflowThreads(env: Env): number {
  return read(env, 'EKYC_WORKER_WORKFLOW_THREADS', intIn(1, 16, DEFAULT_WORKFLOW_THREADS));
}

/**
 * `ekyc worker`: EKYC_OTP_SENDS_PER_HOUR and EKYC_OTP_SENDS_PER_DAY, the OTPs one agent may be sent across all its
 * sessions (workflows/otp-quota.ts). Operators' limits: no client can change them.
 */
export function loadOtpSendCaps(env: Env): { perHour: number; perDay: number } {
  const perHour = read(env, 'EKYC_OTP_SENDS_PER_HOUR', intIn(1, 100, DEFAULT_OTP_SENDS_PER_HOUR));
  const perDay = read(env, 'EKYC_OTP_SENDS_PER_DAY', intIn(1, 1000, DEFAULT_OTP_SENDS_PER_DAY));
  if (perDay < perHour) throw new ConfigError('EKYC_OTP_SENDS_PER_DAY', 'must be at least EKYC_OTP_SENDS_PER_HOUR');
  return { perHour, perDay };
}

export interface WorkerVersioningConfig {
  /** EKYC_WORKER_VERSIONING: off runs an unversioned worker (no deployment, no pinning). */
  enabled: boolean;
  /** EKYC_WORKER_DEPLOYMENT_NAME: the Worker Deployment every release of this service belongs to. */
  deploymentName: string;
  /** EKYC_WORKER_BUILD_ID as given; null: derived at start (worker/deployment.ts: package version + git commit). */
  buildId: string | null;
}

export const DEFAULT_WORKER_DEPLOYMENT_NAME = 'fingpay-ekyc';
// The server joins them as `<deployment>:<build id>` (and older servers with "."), so neither may hold those.
const deploymentNameSchema = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,100}$/, { error: 'must be 1-100 letters, digits, "_" or "-"' });
export const BUILD_ID_RULE = 'must be 1-100 letters, digits, ".", "_", "+" or "-", not starting with "__"';
export const buildIdSchema = z.string().regex(/^(?!__)[A-Za-z0-9_.+-]{1,100}$/, { error: BUILD_ID_RULE });

/**
 * `ekyc worker` and `ekyc dev`: Worker Deployment Versioning. EKYC_WORKER_VERSIONING (`on`, `off`; default on),
 * EKYC_WORKER_DEPLOYMENT_NAME (default fingpay-ekyc) and EKYC_WORKER_BUILD_ID (default: derived at start).
 */
export function loadWorkerVersioning(env: Env): WorkerVersioningConfig {
  return {
    enabled: read(env, 'EKYC_WORKER_VERSIONING', orDefault(oneOf(['on', 'off'] as const), 'on')) === 'on',
    deploymentName: read(
      env,
      'EKYC_WORKER_DEPLOYMENT_NAME',
      orDefault(deploymentNameSchema, DEFAULT_WORKER_DEPLOYMENT_NAME),
    ),
    buildId: read(env, 'EKYC_WORKER_BUILD_ID', buildIdSchema.optional()) ?? null,
  };
}

/**
 * `ekyc worker`: EKYC_DAILY_AUTH_ELIGIBLE_AFTER (how long after a completed eKYC Daily KYC is allowed) and
 * EKYC_DAILY_AUTH_MAX_ATTEMPTS (rejected captures per IST day before BLOCKED): the policy a new fingpayAgent
 * lifecycle starts with (workflows/agent.ts).
 */
export function loadDailyAuthPolicy(env: Env): { eligibleAfter: string; maxAttempts: number } {
  const eligibleAfterSeconds = read(env, 'EKYC_DAILY_AUTH_ELIGIBLE_AFTER', durationIn(0, 30 * DAY, 3 * DAY));
  const maxAttempts = read(env, 'EKYC_DAILY_AUTH_MAX_ATTEMPTS', intIn(1, 10, 3));
  return { eligibleAfter: `${eligibleAfterSeconds}s`, maxAttempts };
}

/** Where the one-time keys of sealed Aadhaar numbers and PidData live (keystore/), and how long an unused PID lives. */
export interface KeyStoreConfig {
  /** PostgreSQL connection URL; null: the embedded store under `dataDir`. */
  url: string | null;
  dataDir: string;
  /** An unused PidData (and a Daily KYC's Aadhaar) is destroyed this long after it was sealed. */
  pidTtlMs: number;
}

export const DEFAULT_PID_TTL_SECONDS = 600;

export function loadKeyStoreConfig(env: Env): KeyStoreConfig {
  const url = read(
    env,
    'EKYC_KEY_STORE_URL',
    z
      .string()
      .regex(/^postgres(ql)?:\/\/\S+$/, { error: 'must be a postgres:// or postgresql:// URL' })
      .optional(),
  );
  const dataDir = read(env, 'EKYC_DATA_DIR', orDefault(z.string().min(1), '.data'));
  const pidTtlSeconds = read(env, 'EKYC_PID_TTL', durationIn(60, 3600, DEFAULT_PID_TTL_SECONDS));
  return { url: url ?? null, dataDir, pidTtlMs: pidTtlSeconds * 1000 };
}

export interface WebhookConfig {
  /** EKYC_WEBHOOK_URL: https, or http to a loopback host (local development and tests). */
  url: string;
  /** EKYC_WEBHOOK_SECRETS: every listed secret signs each delivery (rotation without downtime). */
  keys: Buffer[];
  /** EKYC_WEBHOOK_RETRY_FOR, EKYC_WEBHOOK_MAX_INTERVAL, EKYC_WEBHOOK_TIMEOUT_MS. */
  policy: DeliveryPolicy;
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', '[::1]', 'localhost']);
export const WEBHOOK_URL_RULE =
  'must be an https:// URL (http:// only to a loopback host: 127.0.0.1, ::1 or localhost)';

/**
 * `ekyc worker`: where partner events go and how they are signed and retried (events/delivery.ts). Null when
 * EKYC_WEBHOOK_URL is unset: no events are emitted. The secrets are never echoed, only the rule they break.
 */
export function loadWebhookConfig(env: Env): WebhookConfig | null {
  const raw = read(
    env,
    'EKYC_WEBHOOK_URL',
    z.string().max(2048, { error: 'must be at most 2048 characters' }).optional(),
  );
  if (raw === undefined) return null;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError('EKYC_WEBHOOK_URL', WEBHOOK_URL_RULE);
  }
  const secure = url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname));
  if (!secure || url.username || url.password) throw new ConfigError('EKYC_WEBHOOK_URL', WEBHOOK_URL_RULE);
  const secrets = read(env, 'EKYC_WEBHOOK_SECRETS', z.string().max(4096, { error: 'must be at most 4096 characters' }));
  const keys = secrets.split(',').map((s, i) => {
    const key = secretKey(s.trim());
    if (!key) throw new ConfigError('EKYC_WEBHOOK_SECRETS', `entry ${i + 1} ${SECRET_RULE}`);
    return key;
  });
  if (keys.length > 10) throw new ConfigError('EKYC_WEBHOOK_SECRETS', 'must list at most 10 secrets');
  const retryFor = read(env, 'EKYC_WEBHOOK_RETRY_FOR', durationIn(1, 7 * DAY, DAY));
  const maxInterval = read(env, 'EKYC_WEBHOOK_MAX_INTERVAL', durationIn(1, 3600, 600));
  return {
    url: url.toString(),
    keys,
    policy: {
      retryFor: `${retryFor}s`,
      maxInterval: `${maxInterval}s`,
      attemptTimeoutMs: read(env, 'EKYC_WEBHOOK_TIMEOUT_MS', intIn(100, 60_000, 10_000)),
    },
  };
}
