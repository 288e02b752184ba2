// `npm run chaos`: complete eKYC sessions while worker processes are SIGKILLed and restarted, the Temporal dev
// server (persistent SQLite) is restarted, and the Eko simulator injects transient faults (5xx, 429, resets,
// busy at random, plus scripted hangs and gateway errors). Pass: every session COMPLETED, exactly one successful
// biometric per agent in the simulator's ledger, none stuck, no workflow task left failing. The short version runs
// in CI (test/chaos/chaos.test.ts) through runChaos(). Flags (or CHAOS_* variables): --sessions (120),
// --concurrency (20), --workers (2), --kill-every (ms, 8000), --server-restarts (3), --fault-rate (0.25), --seed,
// --guard-biometric (see ChaosOptions.guardBiometric).
import { randomInt } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { EkycClient } from '../client/index.js';
import { loadCodecConfig } from '../config/index.js';
import { freePort } from '../dev/ports.js';
import { startDevServer, type DevServer } from '../dev/temporal-server.js';
import { EkoSimulator } from '../sim/eko-sim.js';
import { CREDENTIALS } from '../test/sim/eko-fixtures.js';
import { syntheticAgent } from './driver.js';
import {
  BiometricGuard,
  judgeSessions,
  newSessionBook,
  seededRandom,
  numberOption,
  sessionDriver,
  type ChaosAgentOptions,
  type Judgement,
} from './sessions.js';
import { round, sleep } from './stats.js';
import { BENCH_CODEC_KEYS, buildBundle, removeBundle, spawnWorker, type BenchWorker } from './workers.js';

export interface ChaosOptions extends ChaosAgentOptions {
  sessions: number;
  concurrency: number;
  workers: number;
  /** SIGKILL a random worker this often (ms); 0: only at the progress points in `killAt`. */
  killEveryMs: number;
  /** Also SIGKILL a worker when this fraction of sessions has completed (e.g. [0.3]). */
  killAt: number[];
  /** Restart the Temporal server when these fractions of sessions have completed. */
  serverRestartsAt: number[];
}

export const DEFAULT_CHAOS: ChaosOptions = {
  sessions: 120,
  concurrency: 20,
  workers: 2,
  killEveryMs: 8_000,
  killAt: [],
  serverRestartsAt: [0.25, 0.5, 0.75],
  faultRate: 0.25,
  scriptedFaultShare: 0.2,
  seed: 7,
  ekoTimeoutMs: 3_000,
  sessionDeadlineMs: 15 * 60_000,
  guardBiometric: false,
};

export interface ChaosResult extends Judgement {
  pass: boolean;
  workerKills: number;
  workerRestarts: number;
  workerSelfExits: number;
  serverRestarts: number;
  guardBiometric: boolean;
  durationSeconds: number;
}

const TASK_QUEUE = 'chaos-ekyc';

class Stack {
  server!: DevServer;
  readonly workers = new Map<number, BenchWorker>();
  kills = 0;
  restarts = 0;
  /** Workers that exited without being killed (e.g. gave up while the server was away). */
  selfExits = 0;
  serverRestarts = 0;
  private stopping = false;
  private nextSlot = 0;

  constructor(
    private readonly dbFilename: string,
    private readonly port: number,
    private readonly bundle: string,
    private readonly sim: EkoSimulator,
    private readonly opts: ChaosOptions,
    private readonly log: (line: string) => void,
  ) {}

  async startServer(): Promise<void> {
    // The port may linger for a moment after a stop.
    for (let attempt = 1; ; attempt++) {
      try {
        this.server = await startDevServer({ port: this.port, dbFilename: this.dbFilename, startTimeoutMs: 120_000 });
        return;
      } catch (err) {
        if (attempt >= 5) throw err;
        await sleep(1000 * attempt);
      }
    }
  }

  async restartServer(): Promise<void> {
    this.log(`chaos: restarting the Temporal server`);
    await this.server.stop();
    await this.startServer();
    this.serverRestarts++;
    this.log(`chaos: Temporal server back (${this.serverRestarts} restart(s))`);
  }

  /** Keeps `slot` staffed: a worker that dies (killed, or gave up while the server was away) is replaced. */
  async staff(slot = this.nextSlot++): Promise<void> {
    while (!this.stopping) {
      const worker = await spawnWorker({
        kind: 'ekyc',
        temporalAddress: `127.0.0.1:${this.port}`,
        taskQueue: TASK_QUEUE,
        bundlePath: this.bundle,
        sim: this.sim,
        ekoTimeoutMs: this.opts.ekoTimeoutMs,
        logLevel: 'warn',
      });
      this.workers.set(slot, worker);
      try {
        await worker.ready;
      } catch {
        // Could not connect (server restarting): try again shortly.
      }
      const exit = await worker.exited;
      this.workers.delete(slot);
      if (this.stopping) return;
      this.restarts++;
      if (exit.signal !== 'SIGKILL') {
        this.selfExits++;
        const last = worker.stderr().trim().split('\n').slice(-3).join(' | ').slice(0, 400);
        this.log(`chaos: worker ${worker.pid} exited by itself (${exit.code ?? exit.signal}): ${last}`);
      }
      await sleep(500);
    }
  }

  async killOne(): Promise<void> {
    const live = [...this.workers.values()].filter((w) => w.child.exitCode === null && !w.child.signalCode);
    if (!live.length) return;
    const victim = live[randomInt(0, live.length)];
    this.kills++;
    this.log(`chaos: SIGKILL worker ${victim.pid} (${this.kills} kill(s))`);
    await victim.kill();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all([...this.workers.values()].map((w) => w.stop()));
    await this.server?.stop();
  }
}

export async function runChaos(overrides: Partial<ChaosOptions> = {}): Promise<ChaosResult> {
  const opts: ChaosOptions = { ...DEFAULT_CHAOS, ...overrides };
  const log = opts.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const started = performance.now();
  const dir = await mkdtemp(join(tmpdir(), 'ekyc-chaos-'));
  const sim = await EkoSimulator.start({
    ...CREDENTIALS,
    modulusLength: 1024,
    faultRate: opts.faultRate,
    seed: opts.seed,
  });
  const bundle = await buildBundle('ekyc');
  const stack = new Stack(join(dir, 'temporal.sqlite'), await freePort(), bundle, sim, opts, log);
  await stack.startServer();
  const staffing = Array.from({ length: opts.workers }, () => stack.staff());

  const address = stack.server.address;
  const ekyc = await EkycClient.connect({
    temporal: { connection: { address }, namespace: 'default', taskQueue: TASK_QUEUE },
    codec: loadCodecConfig({ EKYC_CODEC_KEYS: BENCH_CODEC_KEYS }),
    callTimeoutMs: 10_000,
  });

  const book = newSessionBook();
  const { outcomes } = book;
  let done = 0;
  const rng = seededRandom(opts.seed);

  // Chaos on a timer (worker kills) and at progress points (kills, server restarts).
  const guard = new BiometricGuard(opts.guardBiometric);
  let chaosOn = true;
  const killer = (async () => {
    while (chaosOn && opts.killEveryMs > 0) {
      await sleep(opts.killEveryMs * (0.5 + rng()));
      if (chaosOn) await guard.quiet(() => stack.killOne());
    }
  })();
  const pending = [
    ...opts.killAt.map((at) => ({ at, run: () => guard.quiet(() => stack.killOne()) })),
    ...opts.serverRestartsAt.map((at) => ({ at, run: () => guard.quiet(() => stack.restartServer()) })),
  ].sort((a, b) => a.at - b.at);
  let chaosQueue = Promise.resolve();
  const progress = () => {
    while (pending.length && done >= pending[0].at * opts.sessions) {
      const event = pending.shift()!;
      chaosQueue = chaosQueue.then(event.run, event.run);
    }
  };

  const session = sessionDriver({ ekyc, sim, rng, guard, book, ...opts });

  const lanes = Array.from({ length: Math.min(opts.concurrency, opts.sessions) }, async () => {
    while (outcomes.size < opts.sessions) {
      const input = syntheticAgent();
      outcomes.set(input.userCode, 'STUCK'); // until the session reaches a final stage
      try {
        await session(input);
      } catch (err) {
        log(`chaos: a session ended with ${(err as Error).name}: ${(err as Error).message.slice(0, 160)}`);
        if (outcomes.get(input.userCode) === 'STUCK') outcomes.set(input.userCode, 'ERROR');
      }
      done++;
      progress();
    }
  });
  await Promise.all(lanes);
  chaosOn = false;
  await killer;
  await chaosQueue;
  log(`chaos: all ${opts.sessions} sessions driven; checking`);

  const judged = await judgeSessions({ address, taskQueue: TASK_QUEUE, book, sim, retried: book.retried });
  const { problems } = judged;
  if (stack.serverRestarts < opts.serverRestartsAt.length) problems.push('not every server restart happened');
  if (stack.kills < opts.killAt.length) problems.push('not every worker kill happened');

  await ekyc.close();
  await stack.stop();
  await Promise.all(staffing);
  await sim.stop();
  await rm(dir, { recursive: true, force: true });
  await removeBundle(bundle);

  return {
    ...judged,
    pass: problems.length === 0,
    workerKills: stack.kills,
    workerRestarts: stack.restarts,
    workerSelfExits: stack.selfExits,
    serverRestarts: stack.serverRestarts,
    guardBiometric: opts.guardBiometric,
    durationSeconds: round((performance.now() - started) / 1000),
  };
}

function cliOptions(): Partial<ChaosOptions> {
  const { values } = parseArgs({
    options: {
      sessions: { type: 'string' },
      concurrency: { type: 'string' },
      workers: { type: 'string' },
      'kill-every': { type: 'string' },
      'server-restarts': { type: 'string' },
      'fault-rate': { type: 'string' },
      seed: { type: 'string' },
      'guard-biometric': { type: 'boolean' },
    },
  });
  const env = process.env;
  const num = (flag: string | undefined, variable: string) => numberOption(flag ?? env[variable], variable);
  const restarts = num(values['server-restarts'], 'CHAOS_SERVER_RESTARTS');
  const picked: Partial<ChaosOptions> = {
    sessions: num(values.sessions, 'CHAOS_SESSIONS'),
    concurrency: num(values.concurrency, 'CHAOS_CONCURRENCY'),
    workers: num(values.workers, 'CHAOS_WORKERS'),
    killEveryMs: num(values['kill-every'], 'CHAOS_KILL_EVERY_MS'),
    faultRate: num(values['fault-rate'], 'CHAOS_FAULT_RATE'),
    seed: num(values.seed, 'CHAOS_SEED'),
    guardBiometric: values['guard-biometric'] ?? (env.CHAOS_GUARD_BIOMETRIC === '1' ? true : undefined),
    ...(restarts !== undefined
      ? { serverRestartsAt: Array.from({ length: restarts }, (_, i) => (i + 1) / (restarts + 1)) }
      : {}),
  };
  return Object.fromEntries(Object.entries(picked).filter(([, v]) => v !== undefined));
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  runChaos(cliOptions())
    .then((result) => {
      process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
      process.stderr.write(
        `chaos: ${result.pass ? 'PASS' : 'FAIL'} — ${result.completed}/${result.sessions} COMPLETED, ` +
          `${result.workerKills} worker kills, ${result.serverRestarts} server restarts, ` +
          `${Math.round(result.faultShare * 100)}% of ${result.ekoCalls} Eko calls faulted, ` +
          `biometrics ${JSON.stringify(result.successfulBiometrics)}, ${result.stuck} stuck, ` +
          `${result.workflowTasksFailed} workflow tasks failed, ${result.uncertainOutcomes} EkoOutcomeUncertain, ` +
          `biometric guard ${result.guardBiometric ? 'on' : 'off'}, ${result.durationSeconds} s` +
          `${result.problems.length ? `\n  ${result.problems.join('\n  ')}` : ''}\n`,
      );
      process.exit(result.pass ? 0 : 1);
    })
    .catch((err) => {
      console.error(err);
      process.exit(1);
    });
}
