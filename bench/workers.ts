// The parent's side of bench/worker-process.ts: pre-built workflow bundles (so a worker starts, and restarts, in
// a second or two without webpack), spawning, RSS from /proc, GC'd heap figures, graceful stop and SIGKILL.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DefaultLogger, bundleWorkflowCode } from '@temporalio/worker';
import { bundleWorkflows } from '../worker/bundle.js';
import { FAILURE_CONVERTER_PATH } from '../codec/data-converter.js';
import { CREDENTIALS } from '../test/sim/eko-fixtures.js';
import { freePort } from '../dev/ports.js';
import type { SimAgentInit } from '../sim/eko-agents.js';
import type { SimContract } from '../sim/eko-shapes.js';

export type WorkerKind = 'ekyc' | 'baseline';
export type ToWorker = { type: 'memory' } | { type: 'threadHeaps' } | { type: 'stop' };
export type FromWorker =
  | { type: 'ready'; pid: number; maxCachedWorkflows: number }
  | { type: 'otpSent'; userCode: string }
  | { type: 'memory'; rss: number; heapUsed: number; external: number }
  | { type: 'threadHeaps'; usedHeap: number; threads: number };

/** An agent the simulator knows, with the instant (ISO) its eKYC completed. */
export type SimAgentWithEkyc = SimAgentInit & { ekycCompletedAt: string };
export type ToSim = { type: 'served' } | { type: 'stop' } | { type: 'addAgents'; agents: SimAgentWithEkyc[] };
export type FromSim =
  | { type: 'ready'; baseUrl: string; publicKeySpkiBase64: string; contract: SimContract }
  /** `afterAnswer`: announced once the Send OTP's answer was written (bench/sim-process.ts), not while it was. */
  | { type: 'otpSent'; userCode: string; otp: string; afterAnswer?: boolean }
  | { type: 'served'; ms: number[] }
  | { type: 'agentsAdded'; count: number };

/** Where the ekyc worker finds Eko: what an EkoSimulator, or a simulator process, tells it. */
export interface SimEndpoint {
  baseUrl: string;
  publicKeySpkiBase64: string;
}

export const ROOT = fileURLToPath(new URL('../', import.meta.url));
const BASELINE_WORKFLOWS = fileURLToPath(new URL('./baseline/workflows.ts', import.meta.url));

/**
 * BENCH-ONLY payload key (the benchmark's synthetic agents are all it protects). The encryption itself is what
 * production runs: AES-256-GCM through the same data converter.
 */
export const BENCH_CODEC_KEYS = 'bench-only:+6nJkFttGFNTLqZNjU6mGXhE1rrzfc+c1grvPSqrpNU=';

export interface Bundles {
  ekyc: string;
  baseline: string;
}

/** A workflow bundle written to a temporary file: the product's (as `npm run build` makes it), or the baseline's. */
export async function buildBundle(kind: WorkerKind): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'ekyc-bench-'));
  const logger = new DefaultLogger('WARN');
  const file = join(dir, `${kind}-bundle.js`);
  const code =
    kind === 'ekyc'
      ? await bundleWorkflows(logger)
      : // The same failure converter in the sandbox as the product's bundle (worker/bundle.ts).
        (
          await bundleWorkflowCode({
            workflowsPath: BASELINE_WORKFLOWS,
            failureConverterPath: FAILURE_CONVERTER_PATH,
            // Its modules shared by every workflow of a thread, as the product's are (worker/bundle.ts).
            preloadModules: [BASELINE_WORKFLOWS],
            logger,
          })
        ).code;
  await writeFile(file, code);
  return file;
}

/** Removes a bundle written by buildBundle, with its temporary folder. */
export async function removeBundle(file: string): Promise<void> {
  await rm(dirname(file), { recursive: true, force: true });
}

export async function buildBundles(): Promise<Bundles> {
  return { ekyc: await buildBundle('ekyc'), baseline: await buildBundle('baseline') };
}

export interface WorkerSpec {
  kind: WorkerKind;
  temporalAddress: string;
  namespace?: string;
  taskQueue: string;
  bundlePath: string;
  /** The ekyc worker's Eko (the simulator, in this process or in its own: spawnSim). */
  sim?: SimEndpoint;
  /** EKO_TIMEOUT_MS for the ekyc worker. */
  ekoTimeoutMs?: number;
  /** Added per activity by the baseline worker (the simulator's latencyMs in the compared run). */
  latencyMs?: number;
  maxCachedWorkflows?: number;
  /** Extra node flags, e.g. --expose-gc, --cpu-prof. */
  nodeFlags?: string[];
  logLevel?: string;
}

export interface BenchWorker {
  kind: WorkerKind;
  child: ChildProcess;
  pid: number;
  ready: Promise<{ maxCachedWorkflows: number }>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  onOtpSent(listener: (userCode: string) => void): void;
  /** RSS from /proc (bytes), or 0 once the process is gone. */
  rss(): number;
  /** process.memoryUsage() in the worker after a full GC (needs --expose-gc), plus /proc's RSS. */
  memory(): Promise<{ rss: number; heapUsed: number; external: number }>;
  /**
   * The workflow threads' heap in use after each has collected (a heap snapshot forces it). Read after memory():
   * the snapshots themselves raise the process's RSS for a while.
   */
  threadHeaps(): Promise<{ usedHeap: number; threads: number }>;
  /** Peak RSS seen by the sampler since the last reset. */
  peakRss(): number;
  resetPeak(): void;
  stderr(): string;
  /** Graceful: lets the SDK tell the server it is leaving (sticky queue released). */
  stop(): Promise<void>;
  /** A crash: SIGKILL, no goodbye. */
  kill(): Promise<void>;
}

export function readRss(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = /VmRSS:\s+(\d+)\s+kB/.exec(status);
    return kb ? Number(kb[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

export async function spawnWorker(spec: WorkerSpec): Promise<BenchWorker> {
  const { PATH, HOME, TMPDIR } = process.env;
  const env: NodeJS.ProcessEnv = {
    PATH,
    HOME,
    TMPDIR,
    BENCH_WORKER_KIND: spec.kind,
    ...(process.env.EKYC_WORKER_WORKFLOW_THREADS
      ? { EKYC_WORKER_WORKFLOW_THREADS: process.env.EKYC_WORKER_WORKFLOW_THREADS }
      : {}),
    TEMPORAL_ADDRESS: spec.temporalAddress,
    TEMPORAL_NAMESPACE: spec.namespace ?? 'default',
    BENCH_TASK_QUEUE: spec.taskQueue,
    BENCH_BUNDLE: spec.bundlePath,
    BENCH_LATENCY_MS: String(spec.latencyMs ?? 0),
    EKYC_LOG_LEVEL: spec.logLevel ?? 'info',
    // Both kinds run the product's data converter (the baseline too: bench/worker-process.ts).
    EKYC_CODEC_KEYS: BENCH_CODEC_KEYS,
    // Both kinds serve the Runtime's Prometheus metrics, as a deployed worker does (bench/worker-process.ts).
    EKYC_METRICS_PORT: String(await freePort()),
    ...(spec.maxCachedWorkflows !== undefined ? { BENCH_MAX_CACHED: String(spec.maxCachedWorkflows) } : {}),
  };
  if (spec.kind === 'ekyc') {
    if (!spec.sim) throw new Error('the ekyc worker needs the simulator');
    Object.assign(env, {
      EKO_BASE_URL: spec.sim.baseUrl,
      EKO_ALLOW_INSECURE_HTTP: 'true',
      EKO_DEVELOPER_KEY: CREDENTIALS.developerKey,
      EKO_ACCESS_KEY: CREDENTIALS.accessKey,
      EKO_INITIATOR_ID: CREDENTIALS.initiatorId,
      EKO_AADHAAR_PUBLIC_KEY: spec.sim.publicKeySpkiBase64,
      EKO_TIMEOUT_MS: String(spec.ekoTimeoutMs ?? 15_000),
    });
  }
  const child = spawn(
    process.execPath,
    [...(spec.nodeFlags ?? []), '--import', 'tsx', 'bench/worker-process.ts'],
    // stdout (the worker's JSON log lines) is discarded: writing it is part of the cost, reading it is not.
    { cwd: ROOT, env, stdio: ['ignore', 'ignore', 'pipe', 'ipc'] },
  );
  let err = '';
  child.stderr!.on('data', (d) => (err = (err + d).slice(-8000)));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const otpListeners: ((userCode: string) => void)[] = [];
  let memoryWaiter: ((m: { rss: number; heapUsed: number; external: number }) => void) | undefined;
  let heapsWaiter: ((m: { usedHeap: number; threads: number }) => void) | undefined;
  const ready = new Promise<{ maxCachedWorkflows: number }>((resolve, reject) => {
    child.on('message', (message: FromWorker) => {
      if (message.type === 'ready') resolve({ maxCachedWorkflows: message.maxCachedWorkflows });
      else if (message.type === 'otpSent') for (const l of otpListeners) l(message.userCode);
      else if (message.type === 'memory') memoryWaiter?.(message);
      else if (message.type === 'threadHeaps') heapsWaiter?.(message);
    });
    void exited.then(({ code, signal }) =>
      reject(new Error(`${spec.kind} worker exited (${code ?? signal}) before it was ready: ${err.slice(-2000)}`)),
    );
  });
  ready.catch(() => undefined);

  const pid = child.pid!;
  let peak = 0;
  const sampler = setInterval(() => {
    peak = Math.max(peak, readRss(pid));
  }, 250);
  sampler.unref();
  void exited.then(() => clearInterval(sampler));

  return {
    kind: spec.kind,
    child,
    pid,
    ready,
    exited,
    onOtpSent: (listener) => otpListeners.push(listener),
    rss: () => readRss(pid),
    async memory() {
      const answer = new Promise<{ rss: number; heapUsed: number; external: number }>((r) => (memoryWaiter = r));
      child.send({ type: 'memory' } satisfies ToWorker);
      const m = await answer;
      return { ...m, rss: readRss(pid) || m.rss };
    },
    async threadHeaps() {
      const answer = new Promise<{ usedHeap: number; threads: number }>((r) => (heapsWaiter = r));
      child.send({ type: 'threadHeaps' } satisfies ToWorker);
      return answer;
    },
    peakRss: () => Math.max(peak, readRss(pid)),
    resetPeak: () => (peak = 0),
    stderr: () => err,
    async stop() {
      if (child.exitCode !== null || child.signalCode) return;
      if (child.connected) child.send({ type: 'stop' } satisfies ToWorker);
      else child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(timer);
    },
    async kill() {
      if (child.exitCode !== null || child.signalCode) return;
      child.kill('SIGKILL');
      await exited;
    },
  };
}

/** The Eko simulator in a process of its own (bench/sim-process.ts): RSA-1024, auto-registering agents. */
export interface SimProcess extends SimEndpoint {
  pid: number;
  contract: SimContract;
  onOtpSent(listener: (userCode: string, otp: string, afterAnswer: boolean) => void): void;
  /** How long the simulator held each Eko call since the last ask, minus its configured latency (ms). */
  served(): Promise<number[]>;
  /** Registers agents whose eKYC completed at the given instants (one IPC round trip per call). */
  addAgents(agents: SimAgentWithEkyc[]): Promise<void>;
  stop(): Promise<void>;
}

/** Random faults for the chaos runs; `autoRegister: false` when the driver registers its agents itself. */
export interface SimProcessOptions {
  faultRate?: number;
  seed?: number;
  autoRegister?: boolean;
}

export async function spawnSim(latencyMs: number, options: SimProcessOptions = {}): Promise<SimProcess> {
  const { PATH, HOME, TMPDIR } = process.env;
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/sim-process.ts'], {
    cwd: ROOT,
    env: {
      PATH,
      HOME,
      TMPDIR,
      BENCH_SIM_LATENCY_MS: String(latencyMs),
      BENCH_SIM_FAULT_RATE: String(options.faultRate ?? 0),
      BENCH_SIM_SEED: String(options.seed ?? 1),
      BENCH_SIM_AUTO_REGISTER: options.autoRegister === false ? '0' : '1',
    },
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  let err = '';
  child.stderr!.on('data', (d) => (err = (err + d).slice(-8000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const otpListeners: ((userCode: string, otp: string, afterAnswer: boolean) => void)[] = [];
  let servedWaiter: ((ms: number[]) => void) | undefined;
  let addedWaiter: (() => void) | undefined;
  let adding = Promise.resolve();
  const ready = await new Promise<SimEndpoint & { contract: SimContract }>((resolve, reject) => {
    child.on('message', (message: FromSim) => {
      if (message.type === 'ready') resolve(message);
      else if (message.type === 'otpSent') {
        for (const l of otpListeners) l(message.userCode, message.otp, message.afterAnswer === true);
      } else if (message.type === 'served') servedWaiter?.(message.ms);
      else if (message.type === 'agentsAdded') addedWaiter?.();
    });
    void exited.then(() => reject(new Error(`the simulator exited before it was ready: ${err.slice(-2000)}`)));
  });
  return {
    baseUrl: ready.baseUrl,
    publicKeySpkiBase64: ready.publicKeySpkiBase64,
    contract: ready.contract,
    pid: child.pid!,
    onOtpSent: (listener) => otpListeners.push(listener),
    async served() {
      const answer = new Promise<number[]>((r) => (servedWaiter = r));
      child.send({ type: 'served' } satisfies ToSim);
      return answer;
    },
    addAgents(agents) {
      // One batch at a time: each answer resolves the batch sent before it.
      adding = adding.then(async () => {
        const answer = new Promise<void>((r) => (addedWaiter = r));
        child.send({ type: 'addAgents', agents } satisfies ToSim);
        await answer;
      });
      return adding;
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode) return;
      child.send({ type: 'stop' } satisfies ToSim);
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
