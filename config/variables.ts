// Every environment variable the project reads, in one list. The README's configuration table is generated
// from it (`npm run docs:config`), and the deployment files and the source code are checked against it.

export type Reader =
  'worker' | 'api' | 'codec-server' | 'cli' | 'sim' | 'dev' | 'cluster' | 'compose' | 'container' | 'build';

export interface VariableDoc {
  name: string;
  meaning: string;
  default: string;
  usedBy: Reader[];
}

const TEMPORAL_CLIENTS: Reader[] = ['worker', 'api', 'cli'];
const ALL: Reader[] = ['worker', 'api', 'codec-server', 'cli', 'dev'];
const TRACED: Reader[] = ['worker', 'api', 'cli', 'dev'];

export const VARIABLES: VariableDoc[] = [
  // Temporal connection, read by @temporalio/envconfig
  {
    name: 'TEMPORAL_ADDRESS',
    meaning:
      'Temporal frontend `host:port`; `ekyc dev` and `ekyc cluster` run their own server on this loopback port (the cluster puts history, matching and worker at +1, +2, +6, HTTP at +10, membership at -300)',
    default: '`localhost:7233`',
    usedBy: [...TEMPORAL_CLIENTS, 'dev', 'cluster'],
  },
  { name: 'TEMPORAL_NAMESPACE', meaning: 'Temporal namespace', default: '`default`', usedBy: TEMPORAL_CLIENTS },
  {
    name: 'TEMPORAL_API_KEY',
    meaning: 'Temporal Cloud API key (turns TLS on)',
    default: 'none',
    usedBy: TEMPORAL_CLIENTS,
  },
  {
    name: 'TEMPORAL_TLS',
    meaning: 'force TLS on (`true`) or off (`false`)',
    default: 'on with an API key or client certificate',
    usedBy: TEMPORAL_CLIENTS,
  },
  {
    name: 'TEMPORAL_TLS_CLIENT_CERT_PATH',
    meaning: 'mTLS client certificate (PEM file)',
    default: 'none',
    usedBy: TEMPORAL_CLIENTS,
  },
  {
    name: 'TEMPORAL_TLS_CLIENT_KEY_PATH',
    meaning: 'mTLS client key (PEM file)',
    default: 'none',
    usedBy: TEMPORAL_CLIENTS,
  },
  {
    name: 'TEMPORAL_TLS_SERVER_CA_CERT_PATH',
    meaning: "CA of the server's certificate",
    default: 'system roots',
    usedBy: TEMPORAL_CLIENTS,
  },
  { name: 'TEMPORAL_TLS_SERVER_NAME', meaning: 'TLS server name override', default: 'none', usedBy: TEMPORAL_CLIENTS },
  {
    name: 'EKYC_TASK_QUEUE',
    meaning: 'task queue of the workflow and its activities',
    default: '`fingpay-ekyc`',
    usedBy: TEMPORAL_CLIENTS,
  },
  {
    name: 'EKYC_TEMPORAL_TIMEOUT_MS',
    meaning:
      'bound on each Temporal call of the API and the CLI (100–300000); beyond it the API answers 503 with `Retry-After`, the CLI fails with `TEMPORAL_UNAVAILABLE`',
    default: '`30000`',
    usedBy: ['api', 'cli'],
  },
  // Eko
  {
    name: 'EKO_BASE_URL',
    meaning:
      'Eko base URL, version segment included, `https://` (e.g. `https://staging.eko.in/ekoapi/v3` for UAT); unset under `ekyc dev`, the Eko simulator stands in',
    default: 'required (`ekyc dev`: the simulator)',
    usedBy: ['worker', 'dev', 'cluster'],
  },
  {
    name: 'EKO_ALLOW_INSECURE_HTTP',
    meaning:
      '`true` lets the worker take an `http://` `EKO_BASE_URL` (local tests against the simulator; never in production: Eko calls carry signed keys and the Aadhaar ciphertext). `ekyc dev` needs no opt-out',
    default: '`false`',
    usedBy: ['worker'],
  },
  {
    name: 'EKO_DEVELOPER_KEY',
    meaning: "Eko's `developer_key`",
    default: 'required (sim and dev: `sim-developer-key`)',
    usedBy: ['worker', 'sim', 'dev'],
  },
  {
    name: 'EKO_ACCESS_KEY',
    meaning: 'Eko access key, which signs `secret-key`',
    default: 'required (sim and dev: `sim-access-key`)',
    usedBy: ['worker', 'sim', 'dev'],
  },
  {
    name: 'EKO_INITIATOR_ID',
    meaning: "Eko's `initiator_id` (10-digit registered mobile)",
    default: 'required (sim and dev: `9000000000`)',
    usedBy: ['worker', 'sim', 'dev'],
  },
  {
    name: 'EKO_AADHAAR_PUBLIC_KEY',
    meaning: "Eko's RSA public key for the Aadhaar field: base64 DER SubjectPublicKeyInfo as Eko publishes it, or PEM",
    default: 'required',
    usedBy: ['worker'],
  },
  {
    name: 'EKO_API_CONTRACT',
    meaning: "`v3` (Eko's current paths and fields) or `eps-2026-06` (the early eps.eko.in pages)",
    default: '`v3`',
    usedBy: ['worker', 'sim', 'dev'],
  },
  {
    name: 'EKO_DAILY_WADH',
    meaning:
      "the `wadh` the agent page asks the RD service for on Daily KYC (Eko's pages disagree: blank, or the eKYC wadh `E0jzJ/P8UopUHAieZn8CKqS4WPMi5ZSYXgfnlfkWjrc=`); served at `GET /page-config.json`",
    default: 'empty',
    usedBy: ['api', 'dev'],
  },
  {
    name: 'EKO_TIMEOUT_MS',
    meaning: 'per-request timeout of an Eko call (100–120000)',
    default: '`15000`',
    usedBy: ['worker'],
  },
  {
    name: 'EKO_SIM_PORT',
    meaning: "the Eko simulator's port on 127.0.0.1 (`ekyc sim`, `ekyc dev`; 0 = any free port)",
    default: '`8090`',
    usedBy: ['sim', 'dev', 'cluster'],
  },
  {
    name: 'EKYC_RD_SIM_MODE',
    meaning:
      'how the RD-service simulator answers captures: `good`, `poor` (low quality, Eko refuses it), `deviceError` or `notReady`',
    default: '`good`',
    usedBy: ['sim', 'dev'],
  },
  // Payload encryption
  {
    name: 'EKYC_CODEC_KEYS',
    meaning:
      'payload encryption keys, `id:base64(32 bytes)`, comma-separated; keep retired keys listed until their histories are gone',
    default: 'required (`ekyc dev`: a key file under `EKYC_DATA_DIR`)',
    usedBy: ALL,
  },
  {
    name: 'EKYC_CODEC_KEY_ID',
    meaning: 'id of the key new payloads are encrypted with',
    default: 'first in `EKYC_CODEC_KEYS`',
    usedBy: ALL,
  },
  // Surfaces
  {
    name: 'EKYC_API_HOST',
    meaning: '`ekyc api`: listen address',
    default: '`0.0.0.0` (`ekyc dev`: `127.0.0.1`)',
    usedBy: ['api', 'dev'],
  },
  {
    name: 'EKYC_API_PORT',
    meaning: '`ekyc api`: port of the HTTP API and the agent page (0 = any free port)',
    default: '`8080`',
    usedBy: ['api', 'dev', 'cluster'],
  },
  {
    name: 'EKYC_API_RATE_LIMIT_PER_IP',
    meaning:
      '`/v1` requests per minute from one client IP (before the token is checked); beyond it 429 `RATE_LIMITED` with `Retry-After`; 0 = off. Per API process',
    default: '`600`',
    usedBy: ['api', 'dev'],
  },
  {
    name: 'EKYC_API_RATE_LIMIT_PER_AGENT',
    meaning:
      '`/v1` requests per minute for one agent (user code), whoever sends them; beyond it 429 `RATE_LIMITED` with `Retry-After`; 0 = off. Per API process',
    default: '`120`',
    usedBy: ['api', 'dev'],
  },
  {
    name: 'EKYC_API_TRUST_PROXY',
    meaning:
      'behind a reverse proxy: its addresses or CIDRs (comma-separated), so the client IP (rate limits) comes from `X-Forwarded-For` set by them; `false` trusts none',
    default: '`false`',
    usedBy: ['api', 'dev'],
  },
  {
    name: 'EKYC_JWT_JWKS_URL',
    meaning: "JWKS URL of the bearer tokens' issuer (API and codec server)",
    default: 'this or `EKYC_JWT_PUBLIC_KEY` (`ekyc dev`: its own dev key)',
    usedBy: ['api', 'codec-server'],
  },
  {
    name: 'EKYC_JWT_PUBLIC_KEY',
    meaning: "the issuer's public key, PEM (SPKI) or a JWK as JSON, instead of a JWKS URL",
    default: 'this or `EKYC_JWT_JWKS_URL`',
    usedBy: ['api', 'codec-server'],
  },
  {
    name: 'EKYC_JWT_ISSUER',
    meaning: 'expected `iss` of bearer tokens',
    default: 'required for `ekyc api` and `ekyc codec-server`',
    usedBy: ['api', 'codec-server'],
  },
  {
    name: 'EKYC_JWT_AUDIENCE',
    meaning: 'expected `aud` of bearer tokens',
    default: 'required for `ekyc api` and `ekyc codec-server`',
    usedBy: ['api', 'codec-server'],
  },
  {
    name: 'EKYC_JWT_MAX_LIFETIME',
    meaning:
      'longest bearer-token lifetime accepted (`exp - iat`, e.g. `30m`, `12h`; 1m–30d): a longer-lived token, one older than this or one without `iat` gets 401',
    default: '`12h`',
    usedBy: ['api', 'codec-server'],
  },
  {
    name: 'EKYC_JWT_CLOCK_SKEW',
    meaning: "how far the token issuer's clock may be off (`exp`, `nbf`, and an `iat` in the future; 0s–5m)",
    default: '`30s`',
    usedBy: ['api', 'codec-server'],
  },
  { name: 'EKYC_CODEC_HOST', meaning: 'codec server listen address', default: '`0.0.0.0`', usedBy: ['codec-server'] },
  {
    name: 'EKYC_CODEC_PORT',
    meaning: 'codec server port (`ekyc dev`: 0 = any free port)',
    default: '`8888`',
    usedBy: ['codec-server', 'dev', 'cluster'],
  },
  {
    name: 'EKYC_CODEC_CORS_ORIGINS',
    meaning:
      'browser origins (your Temporal UI) allowed to call the codec server, comma-separated, e.g. `http://localhost:8233`',
    default: 'none (no CORS; `ekyc dev`: its UI)',
    usedBy: ['codec-server', 'dev'],
  },
  {
    name: 'EKYC_CODEC_SESSION_MAX_AGE',
    meaning: "how long the codec server's `/session` cookie lasts at most (1m–1d); it never outlives its token either",
    default: '`8h`',
    usedBy: ['codec-server'],
  },
  {
    name: 'EKYC_METRICS_PORT',
    meaning:
      "worker's Prometheus endpoint (Temporal Runtime and eKYC metrics); 0 turns it off. A port another process holds stops the worker (and `ekyc dev`) at start, naming this variable",
    default: '`9464`',
    usedBy: ['worker', 'dev', 'cluster'],
  },
  {
    name: 'EKYC_OTP_SENDS_PER_HOUR',
    meaning:
      'OTPs sent to one agent per rolling hour, across all its sessions (restarts included); beyond it `OTP_SEND_LIMIT_REACHED` (1–100)',
    default: '`5`',
    usedBy: ['worker', 'dev'],
  },
  {
    name: 'EKYC_OTP_SENDS_PER_DAY',
    meaning: 'OTPs sent to one agent per rolling 24 hours, across all its sessions (1–1000)',
    default: '`10`',
    usedBy: ['worker', 'dev'],
  },
  {
    name: 'EKYC_DAILY_AUTH_ELIGIBLE_AFTER',
    meaning:
      'how long after a completed eKYC an agent may do Daily KYC (before it: `NOT_YET_ELIGIBLE`, Eko not called); taken by a lifecycle when it starts; `ekyc sim` opens its simulated Daily KYC after the same window (0s–30d)',
    default: '`3d`',
    usedBy: ['worker', 'sim', 'dev'],
  },
  {
    name: 'EKYC_DAILY_AUTH_MAX_ATTEMPTS',
    meaning: 'rejected Daily KYC captures per agent per IST day before `BLOCKED` until midnight IST (1–10)',
    default: '`3`',
    usedBy: ['worker', 'dev'],
  },
  {
    name: 'EKYC_WEBHOOK_URL',
    meaning:
      'where partner events are POSTed (Standard Webhooks, README "Events to your backend"); `https://`, or `http://` to a loopback host (127.0.0.1, ::1, localhost) for local development and tests; unset: no events',
    default: 'none (no events)',
    usedBy: ['worker', 'dev'],
  },
  {
    name: 'EKYC_WEBHOOK_SECRETS',
    meaning:
      'signing secrets, `whsec_<base64 of 16-128 random bytes>`, comma-separated (at most 10); every one signs each delivery, so a secret rotates without downtime',
    default: 'required with `EKYC_WEBHOOK_URL`',
    usedBy: ['worker', 'dev'],
  },
  {
    name: 'EKYC_WEBHOOK_RETRY_FOR',
    meaning:
      'how long one event is retried (backoff from 1s) before it is marked failed for `ekyc webhooks redeliver` (1s-7d)',
    default: '`24h`',
    usedBy: ['worker', 'dev'],
  },
  {
    name: 'EKYC_WEBHOOK_MAX_INTERVAL',
    meaning: 'longest wait between two delivery attempts of one event (1s-1h)',
    default: '`10m`',
    usedBy: ['worker', 'dev'],
  },
  {
    name: 'EKYC_WEBHOOK_TIMEOUT_MS',
    meaning: "bound on one delivery attempt: the receiver's answer (100-60000); beyond it the attempt is retried",
    default: '`10000`',
    usedBy: ['worker', 'dev'],
  },
  {
    name: 'EKYC_WORKER_CACHE_SIZE',
    meaning:
      'sessions the worker keeps cached (sticky); a cached one costs ~0.25 MiB, an evicted one nothing and resumes by replay',
    default: '`500`',
    usedBy: ['worker'],
  },
  {
    name: 'EKYC_WORKER_WORKFLOW_THREADS',
    meaning:
      'threads running workflow tasks (1-16), each with its own V8 context; more help only with cores to spare (docs/PERFORMANCE.md)',
    default: '`1`',
    usedBy: ['worker'],
  },
  {
    name: 'EKYC_WORKER_VERSIONING',
    meaning:
      '`on`: the worker runs as a version of its Worker Deployment (sessions pinned to the version they began on, docs/OPS.md); `off`: an unversioned worker',
    default: '`on`',
    usedBy: ['worker', 'dev'],
  },
  {
    name: 'EKYC_WORKER_DEPLOYMENT_NAME',
    meaning: 'the Worker Deployment every release of the worker belongs to (letters, digits, `_`, `-`)',
    default: '`fingpay-ekyc`',
    usedBy: ['worker', 'dev'],
  },
  {
    name: 'EKYC_WORKER_BUILD_ID',
    meaning:
      "this release's build id in the deployment; workers with the same one must run the same code (letters, digits, `.`, `_`, `+`, `-`)",
    default:
      "`<package version>+<git commit>` (the image's, or the checkout's); without a commit, `+wf-<workflow bundle's SHA-256>`",
    usedBy: ['worker', 'dev'],
  },
  {
    name: 'EKYC_GIT_COMMIT',
    meaning:
      '`npm run build` / `docker build --build-arg`: the commit the build is made from, recorded in `dist/build-info.json` for the default build id (an image has no `.git`)',
    default: '`git rev-parse HEAD` of the checkout, if any',
    usedBy: ['build'],
  },
  {
    name: 'EKYC_LOG_LEVEL',
    meaning: '`fatal`, `error`, `warn`, `info`, `debug`, `trace` or `silent` (JSON logs on stderr, PII redacted)',
    default: '`info`',
    usedBy: ALL,
  },
  // Tracing (OpenTelemetry), off unless switched on
  {
    name: 'EKYC_TRACING',
    meaning: '`otlp` (OTLP/HTTP to the endpoint below), `console` (spans on stdout) or `off` (no SDK, no interceptors)',
    default: '`otlp` when an `OTEL_EXPORTER_OTLP_*ENDPOINT` is set, else `off`',
    usedBy: TRACED,
  },
  {
    name: 'OTEL_EXPORTER_OTLP_ENDPOINT',
    meaning: 'OTLP/HTTP base URL of a collector; spans go to `<url>/v1/traces`. Setting it turns tracing on',
    default: '`http://localhost:4318` (with `EKYC_TRACING=otlp`)',
    usedBy: TRACED,
  },
  {
    name: 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT',
    meaning: 'full OTLP/HTTP traces URL, used as it is (wins over the base URL). Setting it turns tracing on',
    default: 'none',
    usedBy: TRACED,
  },
  {
    name: 'OTEL_EXPORTER_OTLP_HEADERS',
    meaning: 'headers of OTLP requests, `key=value` comma-separated, values URL-encoded (e.g. a vendor API key)',
    default: 'none',
    usedBy: TRACED,
  },
  {
    name: 'OTEL_EXPORTER_OTLP_TRACES_HEADERS',
    meaning: 'as `OTEL_EXPORTER_OTLP_HEADERS`, for traces only (wins per key)',
    default: 'none',
    usedBy: TRACED,
  },
  {
    name: 'OTEL_SERVICE_NAME',
    meaning: '`service.name` of the spans',
    default: '`ekyc-worker`, `ekyc-api`, `ekyc-cli`, `ekyc-dev`',
    usedBy: TRACED,
  },
  {
    name: 'OTEL_TRACES_SAMPLER',
    meaning:
      '`parentbased_always_on`, `parentbased_traceidratio`, `parentbased_always_off`, `always_on`, `traceidratio` or `always_off`',
    default: '`parentbased_always_on`',
    usedBy: TRACED,
  },
  {
    name: 'OTEL_TRACES_SAMPLER_ARG',
    meaning: 'sampling ratio (0–1) of the `traceidratio` samplers',
    default: '`1`',
    usedBy: TRACED,
  },
  // Crypto-shredding of Aadhaar and PID (keystore/)
  {
    name: 'EKYC_KEY_STORE_URL',
    meaning:
      'PostgreSQL URL of the key store holding the one-time keys of sealed Aadhaar numbers and PidData (its schema is migrated on start); unset: the embedded store under `EKYC_DATA_DIR` (one machine only)',
    default: 'embedded (`EKYC_DATA_DIR/keys`)',
    usedBy: ['worker', 'api', 'cli', 'compose'],
  },
  {
    name: 'EKYC_PID_TTL',
    meaning:
      "how long a sealed PidData (and a Daily KYC request's Aadhaar) stays openable if never used; the worker purges it within 30s after (1m–1h, longer than the policy's `ekoStepTimeout`)",
    default: '`10m`',
    usedBy: ['worker', 'api', 'cli'],
  },
  // Local stack and deployment
  {
    name: 'EKYC_DATA_DIR',
    meaning:
      "data folder: `ekyc dev` keeps Temporal SQLite, the dev codec and token keys and the Eko simulator's agents (encrypted) there, and the CLI finds a running stack there; without `EKYC_KEY_STORE_URL`, worker, API and CLI share the embedded key store in its `keys/` (one 0600 file per key)",
    default: '`.data`',
    usedBy: ['worker', 'api', 'cli', 'dev', 'cluster'],
  },
  {
    name: 'EKYC_TEMPORAL_UI_PORT',
    meaning: "`ekyc dev`: the Temporal UI's port (0 = any free port)",
    default: 'Temporal port + 1000 (`8233`)',
    usedBy: ['dev'],
  },
  {
    name: 'TEMPORAL_CLI_PATH',
    meaning: "Temporal CLI binary for the dev server (`ekyc dev`, tests) and `ekyc cluster`'s namespace setup",
    default: '`temporal` on `PATH`, else the SDK downloads it',
    usedBy: ['dev', 'cluster'],
  },
  {
    name: 'EKYC_CLUSTER_DIR',
    meaning:
      '`ekyc cluster`: its folder (PostgreSQL data, logs, dev keys, generated database passwords); a root caller hands its `postgres/` to the postgres user',
    default: '`EKYC_DATA_DIR/cluster`',
    usedBy: ['cluster'],
  },
  {
    name: 'EKYC_CLUSTER_PG_PORT',
    meaning: "`ekyc cluster`: its PostgreSQL's loopback port",
    default: '`5433`',
    usedBy: ['cluster'],
  },
  {
    name: 'EKYC_PG_BIN',
    meaning: "PostgreSQL's binaries (`initdb`, `pg_ctl`, `psql`) for `ekyc cluster` and the key store's tests",
    default: '`/usr/lib/postgresql/15/bin` (Debian `postgresql-15`)',
    usedBy: ['cluster'],
  },
  {
    name: 'TEMPORAL_SERVER_PATH',
    meaning: '`ekyc cluster`: the Temporal server binary (`go.temporal.io/server/cmd/server` 1.32.2)',
    default: '`temporal-server` on `PATH`, else the build cache (`EKYC_TEMPORAL_BUILD_DIR/server`), else built there',
    usedBy: ['cluster'],
  },
  {
    name: 'TEMPORAL_SQL_TOOL_PATH',
    meaning: '`ekyc cluster`: the `temporal-sql-tool` binary (`go.temporal.io/server/cmd/tools/sql` 1.32.2)',
    default: '`temporal-sql-tool` on `PATH`, else the build cache (`EKYC_TEMPORAL_BUILD_DIR/sql`), else built there',
    usedBy: ['cluster'],
  },
  {
    name: 'EKYC_TEMPORAL_BUILD_DIR',
    meaning:
      'where `deploy/temporal/build-server.sh` puts the Temporal server and `temporal-sql-tool` it builds (outside the clone, so later runs and CI reuse them)',
    default: '`$HOME/.cache/fingpay-ekyc/temporal-server/v1.32.2/bin`',
    usedBy: ['cluster', 'build'],
  },
  {
    name: 'EKYC_HEALTHCHECK_URL',
    meaning: "container health check's URL (`scripts/healthcheck.js`)",
    default: '`http://127.0.0.1:8080/healthz`',
    usedBy: ['container'],
  },
  {
    name: 'EKYC_CODEC_PUBLIC_URL',
    meaning:
      "the codec server's address as operators' browsers reach it (compose: the UI's codec endpoint); `https://` makes the session cookie `Secure` whatever the proxy says",
    default: 'none (compose: `http://localhost:8888`)',
    usedBy: ['codec-server', 'compose'],
  },
  {
    name: 'POSTGRES_PASSWORD',
    meaning: "docker compose: password of Temporal's PostgreSQL",
    default: 'required',
    usedBy: ['compose'],
  },
];

export const VARIABLE_NAMES = new Set(VARIABLES.map((v) => v.name));

/** The README's configuration table. */
export function configurationTable(): string {
  const rows = VARIABLES.map((v) => `| \`${v.name}\` | ${v.meaning} | ${v.default} | ${v.usedBy.join(', ')} |`);
  return ['| variable | meaning | default | read by |', '| --- | --- | --- | --- |', ...rows].join('\n');
}
