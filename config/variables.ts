// Every environment variable the project reads, in one list: the README's configuration table, the
// deployment files (.env.example, docker-compose.yml) and their tests are checked against it.

export interface VariableDoc {
  name: string;
  meaning: string;
  default: string;
  /** Which processes read it. */
  usedBy: ('worker' | 'api' | 'codec-server' | 'cli' | 'sim' | 'dev')[];
}

const ALL: VariableDoc['usedBy'] = ['worker', 'api', 'codec-server', 'cli', 'dev'];
const CLIENTS: VariableDoc['usedBy'] = ['worker', 'api', 'cli', 'dev'];

export const VARIABLES: VariableDoc[] = [
  { name: 'TEMPORAL_ADDRESS', meaning: 'Temporal frontend address', default: 'localhost:7233', usedBy: CLIENTS },
  { name: 'TEMPORAL_NAMESPACE', meaning: 'Temporal namespace', default: 'default', usedBy: CLIENTS },
  { name: 'TEMPORAL_API_KEY', meaning: 'Temporal Cloud API key', default: 'none', usedBy: CLIENTS },
  { name: 'TEMPORAL_TLS', meaning: 'force TLS on or off', default: 'on with an API key', usedBy: CLIENTS },
  { name: 'TEMPORAL_TLS_CLIENT_CERT_PATH', meaning: 'mTLS client certificate', default: 'none', usedBy: CLIENTS },
  { name: 'TEMPORAL_TLS_CLIENT_KEY_PATH', meaning: 'mTLS client key', default: 'none', usedBy: CLIENTS },
  {
    name: 'TEMPORAL_TLS_SERVER_CA_CERT_PATH',
    meaning: 'CA of the server certificate',
    default: 'system',
    usedBy: CLIENTS,
  },
  { name: 'TEMPORAL_TLS_SERVER_NAME', meaning: 'TLS server name override', default: 'none', usedBy: CLIENTS },
  { name: 'EKYC_TASK_QUEUE', meaning: 'task queue', default: 'fingpay-ekyc', usedBy: CLIENTS },
  {
    name: 'EKO_BASE_URL',
    meaning: 'Eko base URL, version segment included',
    default: 'https://staging.eko.in/ekoapi/v3',
    usedBy: ['worker', 'dev'],
  },
  { name: 'EKO_DEVELOPER_KEY', meaning: 'Eko developer_key', default: 'required', usedBy: ['worker', 'sim', 'dev'] },
  {
    name: 'EKO_ACCESS_KEY',
    meaning: 'Eko access key (signs secret-key)',
    default: 'required',
    usedBy: ['worker', 'sim', 'dev'],
  },
  { name: 'EKO_INITIATOR_ID', meaning: 'Eko initiator_id', default: 'required', usedBy: ['worker', 'sim', 'dev'] },
  {
    name: 'EKO_AADHAAR_PUBLIC_KEY',
    meaning: "Eko's RSA public key (base64 DER SPKI or PEM)",
    default: 'required',
    usedBy: ['worker', 'dev'],
  },
  { name: 'EKO_API_CONTRACT', meaning: 'v3 or eps-2026-06', default: 'v3', usedBy: ['worker', 'sim', 'dev'] },
  { name: 'EKO_TIMEOUT_MS', meaning: 'per-request timeout', default: '15000', usedBy: ['worker', 'dev'] },
  {
    name: 'EKYC_CODEC_KEYS',
    meaning: 'payload encryption keys, id:base64(32 bytes), comma-separated',
    default: 'required outside ekyc dev',
    usedBy: ALL,
  },
  { name: 'EKYC_CODEC_KEY_ID', meaning: 'key id for new payloads', default: 'first in EKYC_CODEC_KEYS', usedBy: ALL },
  { name: 'EKYC_LOG_LEVEL', meaning: 'log level', default: 'info', usedBy: ALL },
  { name: 'EKYC_API_PORT', meaning: 'HTTP API and agent page port', default: '8080', usedBy: ['api', 'dev'] },
  { name: 'EKYC_API_HOST', meaning: 'HTTP API listen address', default: '0.0.0.0', usedBy: ['api'] },
  {
    name: 'EKYC_TEMPORAL_TIMEOUT_MS',
    meaning: 'bound on each Temporal call of the API and the CLI (then 503 / TEMPORAL_UNAVAILABLE)',
    default: '30000',
    usedBy: ['api', 'cli'],
  },
  {
    name: 'EKYC_JWT_JWKS_URL',
    meaning: 'JWKS URL for bearer tokens',
    default: 'one of JWKS URL or public key',
    usedBy: ['api', 'codec-server'],
  },
  {
    name: 'EKYC_JWT_PUBLIC_KEY',
    meaning: 'PEM public key for bearer tokens',
    default: 'one of JWKS URL or public key',
    usedBy: ['api', 'codec-server'],
  },
  {
    name: 'EKYC_JWT_ISSUER',
    meaning: 'expected iss of bearer tokens',
    default: 'required',
    usedBy: ['api', 'codec-server'],
  },
  {
    name: 'EKYC_JWT_AUDIENCE',
    meaning: 'expected aud of bearer tokens',
    default: 'required',
    usedBy: ['api', 'codec-server'],
  },
  {
    name: 'EKYC_CODEC_HOST',
    meaning: 'codec server listen address',
    default: '0.0.0.0',
    usedBy: ['codec-server', 'dev'],
  },
  { name: 'EKYC_CODEC_PORT', meaning: 'codec server port', default: '8888', usedBy: ['codec-server', 'dev'] },
  {
    name: 'EKYC_CODEC_CORS_ORIGINS',
    meaning: 'origins (Temporal UI) allowed to call the codec server, comma-separated',
    default: 'none',
    usedBy: ['codec-server', 'dev'],
  },
  {
    name: 'EKYC_METRICS_PORT',
    meaning: "worker's Prometheus endpoint port (Temporal Runtime and eKYC metrics)",
    default: '9464',
    usedBy: ['worker', 'dev'],
  },
  {
    name: 'EKYC_TEMPORAL_UI_PORT',
    meaning: "ekyc dev: the Temporal UI's port",
    default: 'Temporal port + 1000 (8233)',
    usedBy: ['dev'],
  },
  {
    name: 'EKYC_DATA_DIR',
    meaning: "ekyc dev's data folder (Temporal SQLite, dev keys)",
    default: '.data',
    usedBy: ['dev'],
  },
  { name: 'EKO_SIM_PORT', meaning: 'Eko simulator port', default: '8090', usedBy: ['sim', 'dev'] },
  {
    name: 'EKYC_HEALTHCHECK_URL',
    meaning: "the container health check's URL (scripts/healthcheck.js)",
    default: 'http://127.0.0.1:8080/healthz',
    usedBy: ['worker', 'api', 'codec-server'],
  },
  {
    name: 'EKYC_CODEC_PUBLIC_URL',
    meaning: "docker compose only: the codec server's address as operators' browsers reach it",
    default: 'http://localhost:8888',
    usedBy: ['codec-server'],
  },
  {
    name: 'POSTGRES_PASSWORD',
    meaning: "docker compose only: password of Temporal's PostgreSQL",
    default: 'required',
    usedBy: [],
  },
  {
    name: 'TEMPORAL_CLI_PATH',
    meaning: 'Temporal CLI binary for the dev server',
    default: '`temporal` on PATH, else the SDK download',
    usedBy: ['dev'],
  },
];

export const VARIABLE_NAMES = new Set(VARIABLES.map((v) => v.name));
