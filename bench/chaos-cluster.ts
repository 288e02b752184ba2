// `npm run chaos:cluster`: failover on the production-shaped cluster (dev/cluster.ts: PostgreSQL 15, Temporal's
// frontend, history, matching and worker services as separate processes, two `ekyc worker` processes). A fixed
// number of scripted agents (bench/sessions.ts) keep that many eKYC sessions in flight — each agent starts a new
// session when its last one ends — while, in turn, the history service is SIGKILLed and restarted, the matching
// service likewise, PostgreSQL is restarted (pg_ctl restart), and one eKYC worker is SIGKILLed and restarted. Then
// every session is judged: COMPLETED, exactly one successful biometric per agent in the simulator's ledger, none
// stuck, no WorkflowTaskFailed. Per fault it measures the recovery: from the restart until the cluster serves again
// (a workflow started and terminated through history, the task queue described by matching) and until sessions make
// progress again (the next accepted OTP or biometric step). It also prints what one completed session costs: history
// events and bytes, PostgreSQL rows and WAL bytes, and CPU seconds of each server service, PostgreSQL and the workers.
// The short version runs in CI (test/cluster/failover.test.ts) through runClusterChaos().
//
// The Eko simulator runs in a process of its own (bench/sim-process.ts, driven through its loopback /__sim API), as
// Eko is a server of its own: in the driver's process, next to hundreds of agents and the judge on a loaded box, it
// answered late enough to trip the workers' Eko timeout. The workers use the product's Eko timeout
// (EKO_TIMEOUT_MS default, 15 s). Every injected Eko fault, random or scripted, is of a kind Eko never processed
// (5xx, 429, reset, busy, hang), and faults are injected with no biometric in flight — from submitBiometric until
// the workflow has recorded Eko's answer (BiometricGuard) — so every session's intended end is COMPLETED.
//
// Flags (or CLUSTER_CHAOS_* variables): --in-flight (250), --min-sessions (250), --rounds (2: the four faults this
// many times), --faults (history,matching,postgres,worker | none), --think (ms, "15000-45000"), --fault-rate (0.1),
// --scripted-faults (0.1: share of agents with a scripted Eko hang and 502/504),
// --pg-restart (fast | immediate), --shards (4), --seed, --no-guard (inject faults with biometrics in flight).
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { EkycClient } from '../client/index.js';
import { loadCodecConfig } from '../config/index.js';
import {
  Cluster,
  cpuSecondsOf,
  ensureTemporalBinaries,
  freeClusterPorts,
  type TemporalService,
} from '../dev/cluster.js';
import { CREDENTIALS } from '../test/sim/eko-fixtures.js';
import { syntheticAgent } from './driver.js';
import {
  BiometricGuard,
  describeError,
  judgeSessions,
  newSessionBook,
  seededRandom,
  numberOption,
  sessionDriver,
  simOverHttp,
  type ChaosAgentOptions,
  type Judgement,
} from './sessions.js';
import { round, sleep } from './stats.js';
import { spawnSim } from './workers.js';

export type FaultKind = 'history' | 'matching' | 'postgres' | 'worker';
export const ALL_FAULTS: FaultKind[] = ['history', 'matching', 'postgres', 'worker'];

export interface ClusterChaosOptions extends ChaosAgentOptions {
  /** Sessions kept in flight: each scripted agent starts its next session when the last one ends. */
  inFlight: number;
  /** At least this many sessions in all (agents go on after the last fault until it is reached). */
  minSessions: number;
  /** The faults, in turn; the list is run `rounds` times. */
  faults: FaultKind[];
  rounds: number;
  /** Sessions run this long before the first fault, and this long after each recovery before the next. */
  warmupMs: number;
  gapMs: number;
  /** The agent's pause before the OTP and before the fingerprint: spreads the sessions over the faults. */
  thinkMs: [number, number];
  pgRestartMode: 'fast' | 'immediate';
  numHistoryShards: number;
}

export const DEFAULT_CLUSTER_CHAOS: ClusterChaosOptions = {
  inFlight: 250,
  minSessions: 250,
  faults: ALL_FAULTS,
  rounds: 2,
  warmupMs: 30_000,
  gapMs: 15_000,
  thinkMs: [15_000, 45_000],
  pgRestartMode: 'fast',
  faultRate: 0.1,
  scriptedFaultShare: 0.1,
  seed: 13,
  // The product's default (EKO_TIMEOUT_MS): a hang costs what it costs in production.
  ekoTimeoutMs: 15_000,
  sessionDeadlineMs: 20 * 60_000,
  guardBiometric: true,
  numHistoryShards: 4,
};

export interface FaultRecord {
  fault: FaultKind;
  /** Sessions in flight when it was injected. */
  inFlight: number;
  /** Kill (or restart command) until the process runs again, ms. */
  restartMs: number;
  /** From the restart until the cluster serves again (history and matching answer), ms. */
  servingMs: number;
  /** From the restart until the next OTP or biometric step is accepted, ms (null: none within 5 minutes). */
  progressMs: number | null;
}

export interface CapacityFigures {
  sessions: number;
  historyEventsPerSession: number;
  historyBytesPerSession: number;
  /** PostgreSQL rows written (pg_stat_database tup_inserted / tup_updated / tup_deleted), per session. */
  rowsPerSession: Record<string, { inserted: number; updated: number; deleted: number }>;
  walBytesPerSession: number;
  /** Growth of each database (pg_database_size), per session. */
  dbBytesPerSession: Record<string, number>;
  /** CPU ms per session of each server service, PostgreSQL, the workers (summed) and the API. */
  cpuMsPerSession: Record<string, number>;
}

export interface ClusterChaosResult extends Judgement {
  pass: boolean;
  peakInFlight: number;
  faults: FaultRecord[];
  /** Processes of the cluster that exited without being killed (restarted, as compose would). */
  selfExits: Record<string, number>;
  capacity: CapacityFigures;
  guardBiometric: boolean;
  durationSeconds: number;
}

export interface PgSnapshot {
  rows: Record<string, { inserted: number; updated: number; deleted: number; size: number }>;
  walBytes: number;
  cpuSeconds: number;
}

export const DATABASES = ['temporal', 'temporal_visibility', 'ekyc_keys'];

/** PostgreSQL's own CPU: the postmaster, its exited children (cutime/cstime) and its live backends. */
function postgresCpuSeconds(postmaster: number | null): number {
  if (!postmaster) return 0;
  let total = 0;
  try {
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
        const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        const ppid = Number(fields[1]);
        if (Number(entry) === postmaster) {
          total += (Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14])) / 100;
        } else if (ppid === postmaster) {
          total += cpuSecondsOf(Number(entry));
        }
      } catch {
        // gone meanwhile
      }
    }
  } catch {
    return 0;
  }
  return total;
}

/** What each of `n` operations cost between two snapshots: rows, WAL, database growth, CPU ms of every process. */
export function costPer(
  n: number,
  {
    before,
    after,
    cpuBefore,
    cpuAfter,
  }: { before: PgSnapshot; after: PgSnapshot; cpuBefore: Record<string, number>; cpuAfter: Record<string, number> },
): {
  rows: Record<string, { inserted: number; updated: number; deleted: number }>;
  walBytes: number;
  dbBytes: Record<string, number>;
  cpuMs: Record<string, number>;
} {
  const per = (x: number) => round(x / n, 1);
  const rows: Record<string, { inserted: number; updated: number; deleted: number }> = {};
  const dbBytes: Record<string, number> = {};
  for (const db of DATABASES) {
    const a = after.rows[db];
    const b = before.rows[db];
    if (!a || !b) continue;
    rows[db] = {
      inserted: per(a.inserted - b.inserted),
      updated: per(a.updated - b.updated),
      deleted: per(a.deleted - b.deleted),
    };
    dbBytes[db] = per(a.size - b.size);
  }
  const cpuMs: Record<string, number> = {};
  let workers = 0;
  for (const [name, seconds] of Object.entries(cpuAfter)) {
    const used = seconds - (cpuBefore[name] ?? 0);
    if (name.startsWith('ekyc-worker-')) workers += used;
    else cpuMs[name] = per(used * 1000);
  }
  cpuMs['ekyc-workers'] = per(workers * 1000);
  cpuMs.postgres = per((after.cpuSeconds - before.cpuSeconds) * 1000);
  return { rows, walBytes: per(after.walBytes - before.walBytes), dbBytes, cpuMs };
}

export async function pgSnapshot(cluster: Cluster): Promise<PgSnapshot> {
  const list = DATABASES.map((d) => `'${d}'`).join(',');
  const out = await cluster.pg.psql(
    `SELECT datname, tup_inserted, tup_updated, tup_deleted, pg_database_size(datname) FROM pg_stat_database WHERE datname IN (${list})`,
  );
  const rows: PgSnapshot['rows'] = {};
  for (const line of out.trim().split('\n')) {
    const [name, inserted, updated, deleted, size] = line.split('|');
    rows[name] = { inserted: Number(inserted), updated: Number(updated), deleted: Number(deleted), size: Number(size) };
  }
  const wal = Number((await cluster.pg.psql('SELECT wal_bytes FROM pg_stat_wal')).trim());
  return { rows, walBytes: wal, cpuSeconds: postgresCpuSeconds(cluster.pg.pid()) };
}

/** A workflow started and terminated (history and PostgreSQL), and the eKYC task queue described (matching). */
async function probe(client: Client, taskQueue: string): Promise<void> {
  const handle = await client.workflow.start('clusterProbe', {
    taskQueue: 'cluster-probe',
    workflowId: `cluster-probe-${randomUUID()}`,
    workflowExecutionTimeout: '1 minute',
  });
  await handle.terminate('probe');
  await client.workflowService.describeTaskQueue({
    namespace: client.options.namespace,
    taskQueue: { name: taskQueue },
    taskQueueType: 1,
  });
}

async function untilServing(client: Client, taskQueue: string, deadlineMs = 300_000): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    try {
      await Promise.race([
        probe(client, taskQueue),
        sleep(5_000).then(() => {
          throw new Error('probe timed out');
        }),
      ]);
      return;
    } catch (err) {
      if (Date.now() > deadline) {
        throw new Error(`the cluster did not serve again: ${(err as Error).message}`, { cause: err });
      }
      await sleep(250);
    }
  }
}

export async function runClusterChaos(overrides: Partial<ClusterChaosOptions> = {}): Promise<ClusterChaosResult> {
  const opts: ClusterChaosOptions = { ...DEFAULT_CLUSTER_CHAOS, ...overrides };
  const log = opts.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const started = performance.now();
  if (!existsSync(fileURLToPath(new URL('../dist/client/cli.js', import.meta.url)))) {
    throw new Error('the cluster runs the built CLI (bin/ekyc.js): run `npm run build` first');
  }
  const binaries = await ensureTemporalBinaries(process.env, log);
  const simProcess = await spawnSim(0, { faultRate: opts.faultRate, seed: opts.seed, autoRegister: false });
  const sim = simOverHttp(simProcess.baseUrl);
  const dir = mkdtempSync(join(tmpdir(), 'ekyc-cluster-'));
  const env = { ...process.env, EKYC_LOG_LEVEL: 'warn' };
  const cluster = new Cluster({
    dir,
    ports: await freeClusterPorts(2),
    binaries,
    workers: 2,
    eko: {
      baseUrl: simProcess.baseUrl,
      publicKey: simProcess.publicKeySpkiBase64,
      contract: simProcess.contract,
      ...CREDENTIALS,
    },
    numHistoryShards: opts.numHistoryShards,
    env,
    workerEnv: { EKO_TIMEOUT_MS: String(opts.ekoTimeoutMs) },
    log: (line) => log(`cluster: ${line}`),
  });
  let ekyc: EkycClient | null = null;
  let connection: Connection | null = null;
  let failed = true;
  try {
    await cluster.start();
    const address = cluster.address;
    connection = await Connection.connect({ address });
    const client = new Client({ connection, namespace: cluster.namespace });
    ekyc = await EkycClient.connect({
      temporal: { connection: { address }, namespace: cluster.namespace, taskQueue: cluster.taskQueue },
      codec: loadCodecConfig({ EKYC_CODEC_KEYS: cluster.codecKeys }),
      callTimeoutMs: 10_000,
    });

    const before = await pgSnapshot(cluster);
    const cpuBefore = cluster.cpuSeconds();
    const book = newSessionBook();
    const rng = seededRandom(opts.seed);
    const guard = new BiometricGuard(opts.guardBiometric);
    const session = sessionDriver({ ekyc, sim, rng, guard, book, ...opts });
    let inFlight = 0;
    let peakInFlight = 0;
    let faultsDone = false;

    const agents = Array.from({ length: opts.inFlight }, async (_, i) => {
      // Arrivals spread over the first pause, so that the steps do not come in waves.
      await sleep((i / opts.inFlight) * opts.thinkMs[0]);
      while (!faultsDone || book.outcomes.size < opts.minSessions) {
        const input = syntheticAgent();
        book.outcomes.set(input.userCode, 'STUCK'); // until the session reaches a final stage
        inFlight++;
        peakInFlight = Math.max(peakInFlight, inFlight);
        try {
          await session(input);
        } catch (err) {
          log(`chaos: a session ended with ${describeError(err)}`);
          if (book.outcomes.get(input.userCode) === 'STUCK') book.outcomes.set(input.userCode, 'ERROR');
        }
        inFlight--;
      }
    });

    const faults: FaultRecord[] = [];
    const inject = async (fault: FaultKind): Promise<void> => {
      const atInjection = inFlight;
      let restartMs = 0;
      let restartedAt = 0;
      await guard.quiet(async () => {
        const killedAt = performance.now();
        if (fault === 'postgres') {
          await cluster.pg.restart(opts.pgRestartMode);
        } else if (fault === 'worker') {
          const victim = cluster.workers[faults.length % cluster.workers.length];
          await victim.kill('SIGKILL');
          await victim.start();
        } else {
          await cluster.crashAndRestart(fault as TemporalService);
        }
        restartedAt = performance.now();
        restartMs = restartedAt - killedAt;
        await untilServing(client, cluster.taskQueue);
      });
      const servingMs = performance.now() - restartedAt;
      const restartedEpoch = Date.now() - (performance.now() - restartedAt);
      let progressMs: number | null = null;
      for (const until = Date.now() + 300_000; Date.now() < until;) {
        const next = book.stepsDoneAt.find((t) => t > restartedEpoch);
        if (next !== undefined) {
          progressMs = next - restartedEpoch;
          break;
        }
        await sleep(100);
      }
      const record = {
        fault,
        inFlight: atInjection,
        restartMs: Math.round(restartMs),
        servingMs: Math.round(servingMs),
        progressMs: progressMs === null ? null : Math.round(progressMs),
      };
      faults.push(record);
      log(`chaos: ${JSON.stringify(record)}`);
    };

    await sleep(opts.warmupMs);
    for (let round = 0; round < opts.rounds; round++) {
      for (const fault of opts.faults) {
        await inject(fault);
        await sleep(opts.gapMs);
      }
    }
    faultsDone = true;
    log(`chaos: faults done; letting the ${inFlight} sessions in flight finish`);
    await Promise.all(agents);

    const judged = await judgeSessions({
      address,
      namespace: cluster.namespace,
      taskQueue: cluster.taskQueue,
      book,
      sim,
      retried: book.retried,
    });
    const after = await pgSnapshot(cluster);
    const cpuAfter = cluster.cpuSeconds();
    const { problems } = judged;
    if (faults.length !== opts.faults.length * opts.rounds) problems.push('not every fault was injected');
    if (opts.faults.length && peakInFlight < opts.inFlight) problems.push(`only ${peakInFlight} sessions in flight`);
    for (const f of faults) {
      if (f.inFlight < opts.inFlight * 0.9)
        problems.push(`${f.fault}: only ${f.inFlight} sessions in flight at the fault`);
      if (f.progressMs === null) problems.push(`${f.fault}: no progress within 5 minutes of the restart`);
    }

    const n = Math.max(1, judged.completed);
    const per = (x: number) => round(x / n, 1);
    const cost = costPer(n, { before, after, cpuBefore, cpuAfter });

    failed = problems.length > 0;
    return {
      ...judged,
      pass: problems.length === 0,
      peakInFlight,
      faults,
      selfExits: cluster.selfExits(),
      capacity: {
        sessions: judged.completed,
        historyEventsPerSession: per(judged.historyEvents),
        historyBytesPerSession: per(judged.historyBytes),
        rowsPerSession: cost.rows,
        walBytesPerSession: cost.walBytes,
        dbBytesPerSession: cost.dbBytes,
        cpuMsPerSession: cost.cpuMs,
      },
      guardBiometric: opts.guardBiometric,
      durationSeconds: round((performance.now() - started) / 1000),
    };
  } finally {
    await ekyc?.close().catch(() => undefined);
    await connection?.close().catch(() => undefined);
    await cluster.stop();
    await simProcess.stop();
    // A failed run keeps its folder: the processes' logs are in logs/.
    if (failed) log(`chaos: the cluster's folder (logs in logs/) is kept: ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
  }
}

function cliOptions(): Partial<ClusterChaosOptions> {
  const { values } = parseArgs({
    options: {
      'in-flight': { type: 'string' },
      'min-sessions': { type: 'string' },
      rounds: { type: 'string' },
      faults: { type: 'string' },
      think: { type: 'string' },
      'fault-rate': { type: 'string' },
      'scripted-faults': { type: 'string' },
      'pg-restart': { type: 'string' },
      shards: { type: 'string' },
      seed: { type: 'string' },
      'no-guard': { type: 'boolean' },
    },
  });
  const env = process.env;
  const num = (flag: string | undefined, variable: string) => numberOption(flag ?? env[variable], variable);
  const faultList = values.faults ?? env.CLUSTER_CHAOS_FAULTS;
  const faults =
    faultList === undefined
      ? undefined
      : faultList === 'none'
        ? []
        : faultList.split(',').map((f) => {
            if (!ALL_FAULTS.includes(f as FaultKind)) throw new Error(`--faults: ${f} is not one of ${ALL_FAULTS}`);
            return f as FaultKind;
          });
  const think = values.think ?? env.CLUSTER_CHAOS_THINK;
  const thinkMs = think?.split('-').map(Number) as [number, number] | undefined;
  if (
    thinkMs &&
    (thinkMs.length !== 2 || thinkMs.some((t) => !Number.isFinite(t) || t < 0) || thinkMs[0] > thinkMs[1])
  ) {
    throw new Error('--think must be <min ms>-<max ms>');
  }
  const pg = values['pg-restart'] ?? env.CLUSTER_CHAOS_PG_RESTART;
  if (pg !== undefined && pg !== 'fast' && pg !== 'immediate')
    throw new Error('--pg-restart must be fast or immediate');
  const picked: Partial<ClusterChaosOptions> = {
    inFlight: num(values['in-flight'], 'CLUSTER_CHAOS_IN_FLIGHT'),
    minSessions: num(values['min-sessions'], 'CLUSTER_CHAOS_MIN_SESSIONS'),
    rounds: num(values.rounds, 'CLUSTER_CHAOS_ROUNDS'),
    faultRate: num(values['fault-rate'], 'CLUSTER_CHAOS_FAULT_RATE'),
    scriptedFaultShare: num(values['scripted-faults'], 'CLUSTER_CHAOS_SCRIPTED_FAULTS'),
    numHistoryShards: num(values.shards, 'CLUSTER_CHAOS_SHARDS'),
    seed: num(values.seed, 'CLUSTER_CHAOS_SEED'),
    faults,
    thinkMs,
    pgRestartMode: pg as ClusterChaosOptions['pgRestartMode'] | undefined,
    guardBiometric: values['no-guard'] ? false : undefined,
  };
  return Object.fromEntries(Object.entries(picked).filter(([, v]) => v !== undefined));
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  runClusterChaos(cliOptions())
    .then((result) => {
      process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
      const faults = result.faults
        .map(
          (f) =>
            `${f.fault} ${f.servingMs} ms to serve, ${f.progressMs ?? '—'} ms to progress (${f.inFlight} in flight)`,
        )
        .join('; ');
      process.stderr.write(
        `chaos:cluster: ${result.pass ? 'PASS' : 'FAIL'} — ${result.completed}/${result.sessions} COMPLETED, ` +
          `peak ${result.peakInFlight} in flight, biometrics ${JSON.stringify(result.successfulBiometrics)}, ` +
          `${result.stuck} stuck, ${result.workflowTasksFailed} workflow tasks failed, ` +
          `activity tasks never started (scheduled again) ${JSON.stringify(result.activityTasksUnstarted)}, ` +
          `${result.durationSeconds} s\n` +
          `  faults: ${faults || 'none'}\n` +
          `  per session: ${JSON.stringify(result.capacity)}` +
          `${result.problems.length ? `\n  ${result.problems.join('\n  ')}` : ''}\n`,
      );
      process.exit(result.pass ? 0 : 1);
    })
    .catch((err) => {
      console.error(err);
      process.exit(1);
    });
}
