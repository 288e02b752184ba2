// `ekyc cluster` (`npm run cluster`): a production-shaped deployment on this machine, every part its own process —
// PostgreSQL 15 (Temporal's two databases, set up by deploy/temporal/setup-postgres.sh, and the key store's, by
// deploy/keystore/setup-keystore.sh); the Temporal server's frontend, history, matching and worker services as four
// `temporal-server start --service=…` processes on deploy/temporal/config.yaml; the namespace and search attributes
// by deploy/temporal/init-namespace.sh; two `ekyc worker` processes, `ekyc api` and `ekyc codec-server`. Eko is the
// simulator embedded in this process (as under `ekyc dev`) unless EKO_BASE_URL is set. Ctrl-C (or SIGTERM) stops
// everything; a second start resumes on the same data. The failover test and `npm run chaos:cluster` drive the same
// code (startCluster) and kill its processes.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { writeFileSync, type WriteStream } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { z } from 'zod';
import { devCodecKeyPath, loadOrCreateDevCodecConfig, restrictToOwner } from '../codec/dev-key.js';
import {
  ConfigError,
  EKO_SIM_DEV_CREDENTIALS,
  intIn,
  loadEkoSimConfig,
  orDefault,
  readVariable,
  type Env,
} from '../config/index.js';
import { printJson } from '../client/output.js';
import { createLogger, type Logger } from '../observability/logger.js';
import { startSimulators } from '../sim/main.js';
import { makeCurrent } from '../worker/deployment.js';
import { assertPortFree, freePort } from './ports.js';
import { letPostgresTraverse, PgCluster } from './postgres.js';
import { DEV_JWT_AUDIENCE, DEV_JWT_ISSUER, DEV_PAGE_TOKEN, loadOrCreateDevJwtKey, mintDevToken } from './stack.js';
import { findTemporalCli, isExecutable } from './temporal-server.js';

/** The Temporal release docker-compose.yml pins; deploy/temporal/build-server.sh builds the same. */
export const TEMPORAL_SERVER_VERSION = '1.32.2';
// The checkout: this file runs from dev/ (tsx) or dist/dev/ (the built CLI).
const HERE = fileURLToPath(new URL('../', import.meta.url));
const REPO = existsSync(join(HERE, 'deploy')) ? HERE : resolve(HERE, '..');
const DEPLOY = join(REPO, 'deploy');
export const TEMPORAL_SERVICES = ['history', 'matching', 'frontend', 'worker'] as const;
export type TemporalService = (typeof TEMPORAL_SERVICES)[number];

// ---- binaries ----------------------------------------------------------------------------------------------------

export interface TemporalBinaries {
  server: string;
  sqlTool: string;
  source: 'env' | 'PATH' | 'cache' | 'built';
}

export function temporalBuildDir(env: Env = process.env): string {
  return (
    env.EKYC_TEMPORAL_BUILD_DIR ??
    join(env.HOME ?? homedir(), '.cache', 'fingpay-ekyc', 'temporal-server', `v${TEMPORAL_SERVER_VERSION}`, 'bin')
  );
}

/** TEMPORAL_SERVER_PATH / TEMPORAL_SQL_TOOL_PATH, then `temporal-server` / `temporal-sql-tool` on PATH, then the cache. */
export function findTemporalBinaries(env: Env = process.env): TemporalBinaries | null {
  const fromEnv = (variable: 'TEMPORAL_SERVER_PATH' | 'TEMPORAL_SQL_TOOL_PATH'): string | undefined => {
    const path = env[variable];
    if (path !== undefined && !isExecutable(path)) throw new ConfigError(variable, `${path} is not an executable file`);
    return path;
  };
  const onPath = (name: string) =>
    (env.PATH ?? '')
      .split(delimiter)
      .map((dir) => join(dir, name))
      .find((p) => p.startsWith('/') && isExecutable(p));
  const cache = temporalBuildDir(env);
  const server = fromEnv('TEMPORAL_SERVER_PATH');
  const sqlTool = fromEnv('TEMPORAL_SQL_TOOL_PATH');
  const cached = { server: join(cache, 'server'), sqlTool: join(cache, 'sql') };
  const pick = (explicit: string | undefined, pathName: string, cachedPath: string) =>
    explicit ?? onPath(pathName) ?? (isExecutable(cachedPath) ? cachedPath : undefined);
  const found = {
    server: pick(server, 'temporal-server', cached.server),
    sqlTool: pick(sqlTool, 'temporal-sql-tool', cached.sqlTool),
  };
  if (!found.server || !found.sqlTool) return null;
  const source = server || sqlTool ? 'env' : found.server === cached.server ? 'cache' : 'PATH';
  return { server: found.server, sqlTool: found.sqlTool, source };
}

/** Finds the binaries, or builds them into the cache with deploy/temporal/build-server.sh (minutes, said first). */
export async function ensureTemporalBinaries(env: Env, log: (line: string) => void): Promise<TemporalBinaries> {
  const found = findTemporalBinaries(env);
  if (found) return found;
  log(
    `Temporal server ${TEMPORAL_SERVER_VERSION} not found (TEMPORAL_SERVER_PATH, PATH, ${temporalBuildDir(env)}): ` +
      'building it with deploy/temporal/build-server.sh, about 5 minutes the first time',
  );
  await new Promise<void>((resolveBuild, reject) => {
    const child = spawn('sh', [join(DEPLOY, 'temporal', 'build-server.sh')], {
      env: { ...env, TEMPORAL_SERVER_VERSION, EKYC_TEMPORAL_BUILD_DIR: temporalBuildDir(env) } as NodeJS.ProcessEnv,
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    child.once('error', reject);
    child.once('exit', (code) =>
      code === 0 ? resolveBuild() : reject(new Error(`deploy/temporal/build-server.sh failed (exit ${code})`)),
    );
  });
  const built = findTemporalBinaries(env);
  if (!built) throw new Error(`the build left no binaries in ${temporalBuildDir(env)}`);
  return { ...built, source: 'built' };
}

/** The server module's schema folder, when the Go module cache holds it (else the tool's compiled-in schema). */
function moduleSchemaDir(env: Env): string | undefined {
  const modCache = env.GOMODCACHE ?? join(env.GOPATH ?? join(env.HOME ?? homedir(), 'go'), 'pkg', 'mod');
  const dir = join(modCache, `go.temporal.io/server@v${TEMPORAL_SERVER_VERSION}`, 'schema', 'postgresql', 'v12');
  return existsSync(dir) ? dir : undefined;
}

// ---- processes ---------------------------------------------------------------------------------------------------

/** CPU seconds (user + system) of a live process, from /proc/<pid>/stat; 0 once it is gone. */
export function cpuSecondsOf(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // utime and stime are fields 14 and 15 of the line, 12 and 13 after the command's closing parenthesis.
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

export interface ProcessSpec {
  name: string;
  command: string;
  args: string[];
  env: NodeJS.ProcessEnv;
  logFile: string;
  /** Resolves when the process is ready (it gets the output seen so far on each chunk). */
  readyWhen?: (output: string) => boolean;
  /** Started again a second after it exits on its own (compose's `restart: unless-stopped`). */
  keepAlive?: boolean;
}

/** One process of the cluster: its output appended to a log file, restartable, with CPU seconds across its lives. */
export class ClusterProcess {
  child: ChildProcess | null = null;
  private log: WriteStream;
  private cpuOfPastLives = 0;
  private lastCpu = 0;
  private sampler: NodeJS.Timeout | null = null;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }> = Promise.resolve({
    code: null,
    signal: null,
  });
  starts = 0;
  /** Exits nobody asked for (a crash, or giving up while Temporal was away). */
  selfExits = 0;
  /** What the process had written when it became ready (its last start). */
  readyOutput = '';
  private leaving = false;

  constructor(readonly spec: ProcessSpec) {
    mkdirSync(dirname(spec.logFile), { recursive: true, mode: 0o700 });
    this.log = createWriteStream(spec.logFile, { flags: 'a', mode: 0o600 });
  }

  get name(): string {
    return this.spec.name;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  alive(): boolean {
    return !!this.child && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Starts it; resolves when `readyWhen` says so (or at once), rejects if it exits first. */
  start(timeoutMs = 120_000): Promise<void> {
    const { command, args, env, readyWhen, name } = this.spec;
    const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    this.starts++;
    this.lastCpu = 0;
    let output = '';
    let ready = !readyWhen;
    const onData = (chunk: Buffer) => {
      this.log.write(chunk);
      if (!ready) {
        output = (output + chunk.toString()).slice(-16_000);
        ready = readyWhen!(output);
        if (ready) {
          this.readyOutput = output;
          settle?.();
        }
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    this.leaving = false;
    this.exited = new Promise((resolveExit) =>
      child.once('exit', (code, signal) => {
        this.cpuOfPastLives += this.lastCpu;
        this.lastCpu = 0;
        if (this.sampler) clearInterval(this.sampler);
        resolveExit({ code, signal });
        if (!this.leaving && ready) {
          this.selfExits++;
          this.log.write(`\n[cluster] ${name} exited by itself (${code ?? signal})\n`);
          if (this.spec.keepAlive) {
            setTimeout(() => {
              if (!this.leaving) void this.start().catch(() => undefined);
            }, 1000).unref();
          }
        }
      }),
    );
    this.sampler = setInterval(() => {
      const cpu = child.pid ? cpuSecondsOf(child.pid) : 0;
      if (cpu > 0) this.lastCpu = cpu;
    }, 500);
    this.sampler.unref();
    let settle: (() => void) | undefined;
    if (ready) return Promise.resolve();
    return new Promise<void>((resolveReady, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`${name} not ready after ${timeoutMs} ms; its log: ${this.spec.logFile}`)),
        timeoutMs,
      );
      settle = () => {
        clearTimeout(timer);
        resolveReady();
      };
      void this.exited.then(({ code, signal }) => {
        if (ready) return;
        clearTimeout(timer);
        reject(
          new Error(
            `${name} exited (${code ?? signal}) before it was ready: ${output.trim().split('\n').slice(-5).join(' | ')}`,
          ),
        );
      });
    });
  }

  /** CPU seconds over every life of this process so far. */
  cpuSeconds(): number {
    const live = this.alive() && this.child?.pid ? cpuSecondsOf(this.child.pid) : 0;
    if (live > 0) this.lastCpu = live;
    return this.cpuOfPastLives + (this.alive() ? this.lastCpu : 0);
  }

  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    if (!this.alive()) return;
    this.leaving = true;
    const exited = this.exited;
    this.child!.kill(signal);
    await exited;
  }

  /** SIGTERM, then SIGKILL after `graceMs`. */
  async stop(graceMs = 20_000): Promise<void> {
    this.leaving = true;
    if (!this.alive()) return;
    const exited = this.exited;
    this.child!.kill('SIGTERM');
    const timer = setTimeout(() => this.child?.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  }

  close(): void {
    if (this.sampler) clearInterval(this.sampler);
    this.log.end();
  }
}

/** Runs a script to its end, output appended to `logFile`; rejects with its last lines when it fails. */
function runScript(script: string, env: NodeJS.ProcessEnv, logFile: string): Promise<void> {
  mkdirSync(dirname(logFile), { recursive: true, mode: 0o700 });
  return new Promise((resolveRun, reject) => {
    const log = createWriteStream(logFile, { flags: 'a', mode: 0o600 });
    let tail = '';
    const child = spawn('sh', [script], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const onData = (chunk: Buffer) => {
      log.write(chunk);
      tail = (tail + chunk.toString()).slice(-2000);
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('error', reject);
    child.once('exit', (code) => {
      log.end();
      if (code === 0) resolveRun();
      else reject(new Error(`${script} failed (exit ${code}): ${tail.trim().split('\n').slice(-3).join(' | ')}`));
    });
  });
}

// ---- ports -------------------------------------------------------------------------------------------------------

export interface ClusterPorts {
  postgres: number;
  frontend: number;
  frontendHttp: number;
  history: number;
  matching: number;
  worker: number;
  membership: Record<TemporalService, number>;
  api: number;
  codec: number;
  /** One per eKYC worker. */
  workerMetrics: number[];
}

/**
 * The ports of `npm run cluster`, each with the variable that moves it. The Temporal services sit where the server
 * image's template puts them relative to the frontend: history +1, matching +2, worker +6, HTTP +10, membership -300.
 */
export function clusterPortsFromEnv(
  env: Env,
  workers: number,
): { ports: ClusterPorts; variables: Map<number, string> } {
  const address = env.TEMPORAL_ADDRESS ?? '127.0.0.1:7233';
  const m = /^(?:127\.0\.0\.1|localhost):(\d{1,5})$/.exec(address);
  if (!m || Number(m[1]) < 1000 || Number(m[1]) > 65_000) {
    throw new ConfigError(
      'TEMPORAL_ADDRESS',
      'ekyc cluster runs Temporal on loopback: use 127.0.0.1:<port 1000-65000>',
    );
  }
  const frontend = Number(m[1]);
  const metrics = readVariable(env, 'EKYC_METRICS_PORT', intIn(1, 65_000, 9464));
  const ports: ClusterPorts = {
    postgres: readVariable(env, 'EKYC_CLUSTER_PG_PORT', intIn(1, 65_535, 5433)),
    frontend,
    frontendHttp: frontend + 10,
    history: frontend + 1,
    matching: frontend + 2,
    worker: frontend + 6,
    membership: { frontend: frontend - 300, history: frontend - 299, matching: frontend - 298, worker: frontend - 294 },
    api: readVariable(env, 'EKYC_API_PORT', intIn(1, 65_535, 8080)),
    codec: readVariable(env, 'EKYC_CODEC_PORT', intIn(1, 65_535, 8888)),
    workerMetrics: Array.from({ length: workers }, (_, i) => metrics + i),
  };
  const variables = new Map<number, string>([
    [ports.postgres, 'EKYC_CLUSTER_PG_PORT'],
    [ports.api, 'EKYC_API_PORT'],
    [ports.codec, 'EKYC_CODEC_PORT'],
    ...ports.workerMetrics.map((p) => [p, 'EKYC_METRICS_PORT'] as [number, string]),
  ]);
  for (const p of [ports.frontend, ports.frontendHttp, ports.history, ports.matching, ports.worker]) {
    variables.set(p, 'TEMPORAL_ADDRESS');
  }
  for (const p of Object.values(ports.membership)) variables.set(p, 'TEMPORAL_ADDRESS');
  return { ports, variables };
}

/**
 * Every port a free one (tests, benchmarks), from freePort(), so below 32768: Temporal stores its services' ports in
 * cluster_membership as a PostgreSQL smallint, and a port from the OS's ephemeral range (32768 and up) stops the
 * service at start.
 */
export async function freeClusterPorts(workers: number): Promise<ClusterPorts> {
  const taken = new Set<number>();
  const low = () => freePort('127.0.0.1', taken);
  const ports: ClusterPorts = {
    postgres: await low(),
    frontend: await low(),
    frontendHttp: await low(),
    history: await low(),
    matching: await low(),
    worker: await low(),
    membership: { frontend: await low(), history: await low(), matching: await low(), worker: await low() },
    api: await low(),
    codec: await low(),
    workerMetrics: [],
  };
  // One at a time: each is checked against the ones already chosen.
  for (let i = 0; i < workers; i++) ports.workerMetrics.push(await low());
  return ports;
}

// ---- the cluster -------------------------------------------------------------------------------------------------

export interface EkoEndpoint {
  baseUrl: string;
  publicKey: string;
  contract?: string;
  developerKey: string;
  accessKey: string;
  initiatorId: string;
}

export interface ClusterOptions {
  /** Everything of the cluster lives here: PostgreSQL's data, logs, dev keys and passwords. */
  dir: string;
  ports: ClusterPorts;
  binaries: TemporalBinaries;
  workers?: number;
  /** The Eko the workers call; absent: the simulator embedded in this process (or EKO_BASE_URL from `env`). */
  eko?: EkoEndpoint;
  numHistoryShards?: number;
  namespace?: string;
  taskQueue?: string;
  /** The variables the stack's processes inherit (Eko timeouts, log levels…); process.env by default. */
  env?: Env;
  /** Extra variables for the eKYC workers only. */
  workerEnv?: Env;
  /** PostgreSQL fsync (off for throwaway clusters in tests). */
  fsync?: boolean;
  log?: (line: string) => void;
}

export interface ClusterUrls {
  temporal: string;
  api: string;
  agentPage: string;
  codecServer: string;
  postgres: string;
  ekoSimulator: string | null;
  workerMetrics: string[];
}

interface Secrets {
  temporalPassword: string;
  keyStorePassword: string;
}

function loadOrCreateSecrets(dir: string): Secrets {
  const path = join(dir, 'passwords.json');
  if (!existsSync(path)) {
    const secret = () =>
      randomBytes(18)
        .toString('base64url')
        .replace(/[^A-Za-z0-9]/g, '0');
    writeFileSync(path, JSON.stringify({ temporalPassword: secret(), keyStorePassword: secret() }), {
      mode: 0o600,
      flag: 'wx',
    });
  }
  restrictToOwner(path);
  return JSON.parse(readFileSync(path, 'utf8')) as Secrets;
}

export class Cluster {
  readonly pg: PgCluster;
  readonly temporal = new Map<TemporalService, ClusterProcess>();
  readonly workers: ClusterProcess[] = [];
  api!: ClusterProcess;
  codec!: ClusterProcess;
  urls!: ClusterUrls;
  devToken = '';
  private stops: (() => Promise<unknown>)[] = [];
  private readonly log: (line: string) => void;
  readonly namespace: string;
  readonly taskQueue: string;
  readonly keyStoreUrl: string;
  readonly codecKeys: string;
  private readonly secrets: Secrets;
  private readonly env: Env;

  constructor(readonly options: ClusterOptions) {
    this.log = options.log ?? (() => undefined);
    this.env = options.env ?? process.env;
    this.namespace = options.namespace ?? 'default';
    this.taskQueue = options.taskQueue ?? this.env.EKYC_TASK_QUEUE ?? 'fingpay-ekyc';
    mkdirSync(options.dir, { recursive: true, mode: 0o700 });
    letPostgresTraverse(options.dir);
    this.secrets = loadOrCreateSecrets(options.dir);
    this.pg = new PgCluster({
      dir: join(options.dir, 'postgres'),
      port: options.ports.postgres,
      fsync: options.fsync,
      settings: { max_connections: 200 },
    });
    this.keyStoreUrl = `postgres://ekyc_keys:${this.secrets.keyStorePassword}@127.0.0.1:${options.ports.postgres}/ekyc_keys`;
    loadOrCreateDevCodecConfig(options.dir, {});
    this.codecKeys = readFileSync(devCodecKeyPath(options.dir), 'utf8').trim();
  }

  get address(): string {
    return `127.0.0.1:${this.options.ports.frontend}`;
  }

  private logFile(name: string): string {
    return join(this.options.dir, 'logs', `${name}.log`);
  }

  /** The environment of a Temporal server process: the image's variables (deploy/temporal/config.yaml). */
  private temporalEnv(): NodeJS.ProcessEnv {
    const { ports } = this.options;
    return {
      PATH: this.env.PATH,
      HOME: this.env.HOME,
      DB: 'postgres12',
      POSTGRES_SEEDS: '127.0.0.1',
      DB_PORT: String(ports.postgres),
      POSTGRES_USER: 'temporal',
      POSTGRES_PWD: this.secrets.temporalPassword,
      NUM_HISTORY_SHARDS: String(this.options.numHistoryShards ?? 4),
      BIND_ON_IP: '127.0.0.1',
      FRONTEND_GRPC_PORT: String(ports.frontend),
      FRONTEND_HTTP_PORT: String(ports.frontendHttp),
      HISTORY_GRPC_PORT: String(ports.history),
      MATCHING_GRPC_PORT: String(ports.matching),
      WORKER_GRPC_PORT: String(ports.worker),
      FRONTEND_MEMBERSHIP_PORT: String(ports.membership.frontend),
      HISTORY_MEMBERSHIP_PORT: String(ports.membership.history),
      MATCHING_MEMBERSHIP_PORT: String(ports.membership.matching),
      WORKER_MEMBERSHIP_PORT: String(ports.membership.worker),
      DYNAMIC_CONFIG_FILE_PATH: join(DEPLOY, 'temporal', 'dynamicconfig', 'docker.yaml'),
      LOG_LEVEL: 'warn',
    };
  }

  private temporalProcess(service: TemporalService): ClusterProcess {
    let proc = this.temporal.get(service);
    if (!proc) {
      proc = new ClusterProcess({
        name: `temporal-${service}`,
        command: this.options.binaries.server,
        args: [
          '--config-file',
          join(DEPLOY, 'temporal', 'config.yaml'),
          '--allow-no-auth',
          'start',
          '--service',
          service,
        ],
        env: this.temporalEnv(),
        logFile: this.logFile(`temporal-${service}`),
        keepAlive: true,
      });
      this.temporal.set(service, proc);
    }
    return proc;
  }

  /** PostgreSQL, its roles and databases, Temporal's schema. */
  private async startDatabase(): Promise<void> {
    const created = await this.pg.init();
    await this.pg.start();
    this.stops.push(() => this.pg.stop('fast'));
    this.log(`PostgreSQL 15 on 127.0.0.1:${this.pg.port}${created ? ' (new cluster)' : ''}, data in ${this.pg.data}`);
    const pw = this.secrets.temporalPassword.replace(/'/g, "''");
    await this.pg.psql(
      `DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'temporal') THEN ` +
        `CREATE ROLE temporal LOGIN CREATEDB PASSWORD '${pw}'; ELSE ALTER ROLE temporal PASSWORD '${pw}'; END IF; END $$`,
    );
    const schemaDir = moduleSchemaDir(this.env);
    await runScript(
      join(DEPLOY, 'temporal', 'setup-postgres.sh'),
      {
        PATH: this.env.PATH,
        HOME: this.env.HOME,
        POSTGRES_SEEDS: '127.0.0.1',
        DB_PORT: String(this.pg.port),
        POSTGRES_USER: 'temporal',
        POSTGRES_PWD: this.secrets.temporalPassword,
        TEMPORAL_SQL_TOOL: this.options.binaries.sqlTool,
        ...(schemaDir ? { TEMPORAL_SCHEMA_DIR: schemaDir } : {}),
      },
      this.logFile('setup'),
    );
    await runScript(
      join(DEPLOY, 'keystore', 'setup-keystore.sh'),
      {
        PATH: this.env.PATH,
        PGHOST: this.pg.socketDir,
        PGPORT: String(this.pg.port),
        PGUSER: 'postgres',
        PGDATABASE: 'postgres',
        EKYC_KEY_STORE_URL: this.keyStoreUrl,
      },
      this.logFile('setup'),
    );
    this.log(
      'Temporal schema and key store database ready (deploy/temporal/setup-postgres.sh, deploy/keystore/setup-keystore.sh)',
    );
  }

  /** Whether the frontend answers and the cluster reports itself serving. */
  async serving(timeoutMs = 2_000): Promise<boolean> {
    try {
      const connection = await Connection.connect({ address: this.address, connectTimeout: timeoutMs });
      try {
        await connection.workflowService.getSystemInfo({});
        return true;
      } finally {
        await connection.close();
      }
    } catch {
      return false;
    }
  }

  async startTemporalService(service: TemporalService): Promise<void> {
    await this.temporalProcess(service).start();
  }

  private async startTemporal(): Promise<void> {
    // On a new database every service writes the cluster's metadata at start and all but one of them lose that race
    // (`failed to initialize current cluster metadata`): the first one alone, the others once its row is there.
    const [first, ...rest] = TEMPORAL_SERVICES;
    await this.startTemporalService(first);
    for (const until = Date.now() + 120_000; ;) {
      const rows = await this.pg.psql('SELECT count(*) FROM cluster_metadata_info', 'temporal').catch(() => '0');
      if (Number(rows.trim()) > 0) break;
      const proc = this.temporal.get(first)!;
      if (!proc.alive()) throw new Error(`temporal ${first} exited; its log: ${proc.spec.logFile}`);
      if (Date.now() > until) throw new Error(`temporal ${first} wrote no cluster metadata in 120 s`);
      await new Promise((r) => setTimeout(r, 250));
    }
    for (const service of rest) await this.startTemporalService(service);
    this.stops.push(() => Promise.all([...this.temporal.values()].map((p) => p.stop())));
    const deadline = Date.now() + 180_000;
    while (!(await this.serving())) {
      for (const [service, proc] of this.temporal) {
        if (!proc.alive()) throw new Error(`temporal ${service} exited; its log: ${proc.spec.logFile}`);
      }
      if (Date.now() > deadline) throw new Error(`Temporal frontend at ${this.address} not serving after 180 s`);
      await new Promise((r) => setTimeout(r, 500));
    }
    const cli = findTemporalCli(this.env as NodeJS.ProcessEnv);
    if (!cli) throw new Error('the Temporal CLI is not on PATH (nor TEMPORAL_CLI_PATH): init-namespace.sh needs it');
    await runScript(
      join(DEPLOY, 'temporal', 'init-namespace.sh'),
      {
        PATH: `${dirname(cli.path)}${delimiter}${this.env.PATH ?? ''}`,
        HOME: this.env.HOME,
        TEMPORAL_ADDRESS: this.address,
        TEMPORAL_NAMESPACE: this.namespace,
      },
      this.logFile('setup'),
    );
    this.log(
      `Temporal ${TEMPORAL_SERVER_VERSION}: frontend ${this.address}, history :${this.options.ports.history}, ` +
        `matching :${this.options.ports.matching}, worker :${this.options.ports.worker}; namespace ${this.namespace} ready`,
    );
  }

  /** What every process of ours shares: Temporal, the payload keys, the key store. */
  private ekycEnv(): NodeJS.ProcessEnv {
    return {
      ...(this.env as NodeJS.ProcessEnv),
      TEMPORAL_ADDRESS: this.address,
      TEMPORAL_NAMESPACE: this.namespace,
      EKYC_TASK_QUEUE: this.taskQueue,
      EKYC_CODEC_KEYS: this.codecKeys,
      EKYC_CODEC_KEY_ID: undefined,
      EKYC_KEY_STORE_URL: this.keyStoreUrl,
      EKYC_DATA_DIR: this.options.dir,
      TEMPORAL_API_KEY: undefined,
      TEMPORAL_TLS: undefined,
    };
  }

  private ekycProcess(name: string, command: string, env: NodeJS.ProcessEnv, readyWhen: (out: string) => boolean) {
    return new ClusterProcess({
      name,
      command: process.execPath,
      args: [join(REPO, 'bin', 'ekyc.js'), command],
      env,
      logFile: this.logFile(name),
      readyWhen,
      keepAlive: true,
    });
  }

  workerProcess(index: number, eko: EkoEndpoint): ClusterProcess {
    return this.ekycProcess(
      `ekyc-worker-${index + 1}`,
      'worker',
      {
        ...this.ekycEnv(),
        EKO_BASE_URL: eko.baseUrl,
        EKO_AADHAAR_PUBLIC_KEY: eko.publicKey,
        ...(eko.contract ? { EKO_API_CONTRACT: eko.contract } : {}),
        EKO_DEVELOPER_KEY: eko.developerKey,
        EKO_ACCESS_KEY: eko.accessKey,
        EKO_INITIATOR_ID: eko.initiatorId,
        EKO_ALLOW_INSECURE_HTTP: /^http:\/\/(127\.0\.0\.1|localhost)[:/]/.test(eko.baseUrl) ? 'true' : 'false',
        EKYC_METRICS_PORT: String(this.options.ports.workerMetrics[index]),
        ...(this.options.workerEnv as NodeJS.ProcessEnv),
      },
      (out) => /"worker":\s*\{/.test(out),
    );
  }

  async start(): Promise<void> {
    try {
      await this.startDatabase();
      await this.startTemporal();

      let eko = this.options.eko;
      let ekoSimulator: string | null = null;
      if (!eko && this.env.EKO_BASE_URL) {
        eko = {
          baseUrl: this.env.EKO_BASE_URL,
          publicKey: this.env.EKO_AADHAAR_PUBLIC_KEY ?? '',
          contract: this.env.EKO_API_CONTRACT,
          developerKey: this.env.EKO_DEVELOPER_KEY ?? '',
          accessKey: this.env.EKO_ACCESS_KEY ?? '',
          initiatorId: this.env.EKO_INITIATOR_ID ?? '',
        };
      }
      if (!eko) {
        const sims = await startSimulators(
          this.env,
          createLogger('ekyc-cluster-sim', { ...this.env, EKYC_LOG_LEVEL: 'warn' }),
          {
            stateDir: this.options.dir,
          },
        );
        this.stops.push(() => sims.stop());
        ekoSimulator = sims.info.eko.baseUrl;
        eko = {
          baseUrl: sims.info.eko.baseUrl,
          publicKey: sims.info.eko.publicKey,
          contract: sims.info.eko.contract,
          developerKey: this.env.EKO_DEVELOPER_KEY ?? EKO_SIM_DEV_CREDENTIALS.developerKey,
          accessKey: this.env.EKO_ACCESS_KEY ?? EKO_SIM_DEV_CREDENTIALS.accessKey,
          initiatorId: this.env.EKO_INITIATOR_ID ?? EKO_SIM_DEV_CREDENTIALS.initiatorId,
        };
      }

      const jwtKey = loadOrCreateDevJwtKey(this.options.dir);
      const { ports } = this.options;
      const jwtEnv = {
        EKYC_JWT_JWKS_URL: undefined,
        EKYC_JWT_PUBLIC_KEY: jwtKey.publicPem,
        EKYC_JWT_ISSUER: DEV_JWT_ISSUER,
        EKYC_JWT_AUDIENCE: DEV_JWT_AUDIENCE,
      };
      const codecUrl = `http://127.0.0.1:${ports.codec}`;
      this.codec = this.ekycProcess(
        'ekyc-codec-server',
        'codec-server',
        {
          ...this.ekycEnv(),
          ...jwtEnv,
          EKYC_CODEC_HOST: '127.0.0.1',
          EKYC_CODEC_PORT: String(ports.codec),
          EKYC_CODEC_CORS_ORIGINS: this.env.EKYC_CODEC_CORS_ORIGINS ?? 'http://127.0.0.1:8233,http://localhost:8233',
          EKYC_CODEC_PUBLIC_URL: codecUrl,
        },
        (out) => /"codecServer":/.test(out),
      );
      this.api = this.ekycProcess(
        'ekyc-api',
        'api',
        { ...this.ekycEnv(), ...jwtEnv, EKYC_API_HOST: '127.0.0.1', EKYC_API_PORT: String(ports.api) },
        (out) => out.includes('ekyc api: listening'),
      );
      const workerCount = this.options.workers ?? 2;
      for (let i = 0; i < workerCount; i++) this.workers.push(this.workerProcess(i, eko));
      this.stops.push(() => Promise.all([this.api, this.codec, ...this.workers].map((p) => p.stop())));
      await Promise.all([this.codec.start(), ...this.workers.map((w) => w.start())]);
      // As `ekyc dev` does: the workers' version takes new sessions at once (in production an operator decides).
      // The version is the one the workers print (the build's, which the source checkout may since have moved on from).
      const deployment = /"deployment":\s*(\{[^}]*\})/.exec(this.workers[0].readyOutput)?.[1];
      if (deployment) {
        const version = JSON.parse(deployment) as { deploymentName: string; buildId: string };
        const connection = await NativeConnection.connect({ address: this.address });
        try {
          await makeCurrent(connection, this.namespace, version, {
            onlyIfNeverRouted: false,
            identity: 'ekyc-cluster',
          });
        } finally {
          await connection.close();
        }
      }
      await this.api.start();
      this.log(`${workerCount} eKYC workers, the API and the codec server are up`);

      this.devToken = await mintDevToken(jwtKey.privateKey, 'ekyc:admin ekyc:ops');
      const pageToken = await mintDevToken(jwtKey.privateKey, DEV_PAGE_TOKEN.scope, {}, DEV_PAGE_TOKEN);
      const api = `http://127.0.0.1:${ports.api}`;
      this.urls = {
        temporal: this.address,
        api,
        agentPage: `${api}/#token=${pageToken}`,
        codecServer: codecUrl,
        postgres: `postgresql://127.0.0.1:${ports.postgres} (socket ${this.pg.socketDir})`,
        ekoSimulator,
        workerMetrics: ports.workerMetrics.map((p) => `http://127.0.0.1:${p}/metrics`),
      };
    } catch (err) {
      await this.stop();
      throw err;
    }
  }

  /** SIGKILL a Temporal service (a crash), then start it again; resolves once it runs (not once it serves). */
  async crashAndRestart(service: TemporalService, downMs = 0): Promise<void> {
    const proc = this.temporalProcess(service);
    await proc.kill('SIGKILL');
    if (downMs) await new Promise((r) => setTimeout(r, downMs));
    await proc.start();
  }

  /** How often each process exited without being asked to, by name (only those that did). */
  selfExits(): Record<string, number> {
    const all = [...this.temporal.values(), ...this.workers, this.api, this.codec].filter(Boolean);
    return Object.fromEntries(all.filter((p) => p.selfExits > 0).map((p) => [p.name, p.selfExits]));
  }

  /** CPU seconds of each process so far (every life of it), by name. */
  cpuSeconds(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [service, proc] of this.temporal) out[`temporal-${service}`] = proc.cpuSeconds();
    for (const w of this.workers) out[w.name] = w.cpuSeconds();
    if (this.api) out[this.api.name] = this.api.cpuSeconds();
    if (this.codec) out[this.codec.name] = this.codec.cpuSeconds();
    return out;
  }

  async stop(): Promise<void> {
    for (const stop of this.stops.reverse()) {
      try {
        await stop();
      } catch (err) {
        this.log(`stop: ${(err as Error).message}`);
      }
    }
    this.stops = [];
    for (const proc of [...this.temporal.values(), ...this.workers, this.api, this.codec]) proc?.close();
  }
}

// ---- the command -------------------------------------------------------------------------------------------------

export async function runClusterCommand(env: Env = process.env): Promise<void> {
  const logger: Logger = createLogger('ekyc-cluster', env);
  const say = (line: string) => process.stderr.write(`ekyc cluster: ${line}\n`);
  const dataDir = resolve(readVariable(env, 'EKYC_DATA_DIR', orDefault(z.string(), '.data')));
  const dir = resolve(readVariable(env, 'EKYC_CLUSTER_DIR', orDefault(z.string(), join(dataDir, 'cluster'))));
  const workers = 2;
  const { ports, variables } = clusterPortsFromEnv(env, workers);
  const simPort = env.EKO_BASE_URL ? 0 : loadEkoSimConfig(env).port;
  if (simPort) variables.set(simPort, 'EKO_SIM_PORT');
  // Every port checked before anything starts: one taken stops the command with the one line naming its variable.
  for (const [port, variable] of variables) await assertPortFree(variable, '127.0.0.1', port);
  const binaries = await ensureTemporalBinaries(env, say);
  say(`Temporal binaries (${binaries.source}): ${binaries.server}, ${binaries.sqlTool}`);
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  letPostgresTraverse(dataDir);
  const cluster = new Cluster({ dir, ports, binaries, workers, env, log: say });
  let stopping = false;
  const stopped = new Promise<void>((resolveStop) => {
    const stop = () => {
      if (stopping) return;
      stopping = true;
      resolveStop();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    process.once('SIGHUP', stop);
  });
  const starting = cluster.start();
  const first = await Promise.race([starting.then(() => 'up' as const), stopped.then(() => 'stop' as const)]);
  if (first === 'stop') {
    say('stopping…');
    await starting.catch(() => undefined);
    await cluster.stop();
    return;
  }
  printJson({ urls: cluster.urls, devToken: cluster.devToken, dataDir: dir });
  process.stderr.write(
    [
      '',
      'fingpay-ekyc cluster is up (every part its own process; logs in ' + join(dir, 'logs') + '):',
      `  PostgreSQL 15      ${cluster.urls.postgres}`,
      `  Temporal frontend  ${cluster.urls.temporal} (history, matching and worker services alongside)`,
      `  agent page         ${cluster.urls.agentPage.replace(/#token=.*/, '#token=<page token>')}`,
      `  API                ${cluster.urls.api}`,
      `  codec server       ${cluster.urls.codecServer}`,
      `  worker metrics     ${cluster.urls.workerMetrics.join(', ')}`,
      cluster.urls.ekoSimulator
        ? `  Eko simulator      ${cluster.urls.ekoSimulator}`
        : '  Eko                EKO_BASE_URL',
      '  The dev token (ekyc:admin ekyc:ops) and the agent page link are in the JSON on stdout.',
      '  Ctrl-C stops everything; the next start resumes on the same data.',
      '',
    ].join('\n'),
  );
  await stopped;
  say('stopping…');
  await cluster.stop();
  logger.flush();
}
