// `npm run bench:rush`: the morning rush. N agents whose eKYC completed days ago (so they are eligible) all do the
// day's Daily KYC within a few minutes through their fingpayAgent lifecycles (the product's worker in its own
// process, the Eko simulator in its own, a Temporal dev server), compared in the same run with a lifecycle-shaped
// no-op (bench/baseline/agent.ts: same signal-with-start, update with validator, activity, timers and upserts).
//
// How agents become "eKYC complete and eligible" without N eKYC sessions: the simulator is told each agent's eKYC
// completed 3 days and an hour ago (Eko's eligibility window and the lifecycle's default policy are 3 days), and the
// lifecycle learns of it exactly as it does in production: signal-with-start of `ekycCompleted`
// (activities/agent.ts signalEkycCompleted, the function the eKYC's own activity calls) with that instant.
//
// Rounds alternate the order of the kinds (the box is shared: a change in its load hits both alike); each round's
// agents are new (Daily KYC is once per IST day). Closed loop: `--concurrency` requests in flight, the next agent as
// soon as one is answered. After each round every lifecycle waits on its timer for the next IST midnight: the
// workers' RSS after a full GC is read there, with the cache as `ekyc worker` ships it, and `--idle-steps` further
// rounds of lifecycles (not timed) add points for the memory per 1,000 idle lifecycles beyond the cache. Histories of
// a sample are read to count events and bytes per agent for the day. Do not run it across an IST midnight
// (18:30 UTC): every lifecycle wakes then.
//
// Flags (or BENCH_RUSH_* variables): --agents (1000 per kind per round), --rounds (2), --concurrency (100),
// --latency (ms the simulator adds per Eko call, and the baseline's activity sleeps; 0), --warmup (20),
// --idle-steps (1), --history-sample (100), --cache (shipped default, or a number, or all), --profile (V8 CPU
// profiles of both workers, for bench/profile-summary.ts), --thread-heaps (on; off: RSS alone at each point, with no
// heap snapshot to leave its allocations in RSS for the next point), --out.
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import { signalEkycCompleted } from '../activities/agent.js';
import { EkycClient } from '../client/index.js';
import { AGENT_WORKFLOW_TYPE, agentWorkflowIdFor } from '../common/agent.js';
import { durationToMs } from '../common/checks.js';
import type { EkycInput } from '../common/domain.js';
import { istDate } from '../common/ist.js';
import { createDataConverter } from '../codec/data-converter.js';
import { loadCodecConfig, loadDailyAuthPolicy, loadWorkerCacheSize } from '../config/index.js';
import { startDevServer, type DevServer } from '../dev/temporal-server.js';
import { pidData } from '../test/sim/eko-fixtures.js';
import {
  BASELINE_AGENT_WORKFLOW_TYPE,
  baselineAgentWorkflowId,
  baselineEkycCompleted,
  baselineSubmitDailyAuth,
} from './baseline/shared.js';
import { syntheticAgent } from './driver.js';
import { historyCosts, kib, type HistoryCostSummary } from './history-cost.js';
import { machineInfo, type MachineInfo } from './machine.js';
import {
  cacheOf,
  cpuCells,
  cpuPer,
  cpuSnapshot,
  meanCpu,
  meanThreads,
  threadCells,
  threadsPer,
  type ThreadShare,
  verdict,
  waitForCount,
  wholeNumber,
  writeReport,
  type CpuShare,
} from './report.js';
import { mib, pool, round, sleep, slope, summarize, threadCpuSeconds, type Summary } from './stats.js';
import {
  BENCH_CODEC_KEYS,
  ROOT,
  buildBundles,
  removeBundle,
  spawnSim,
  spawnWorker,
  type BenchWorker,
  type SimProcess,
} from './workers.js';

const TARGETS = { ratio: 0.9, mibPer1000IdleBeyondCache: 25 } as const;
const KINDS = ['lifecycle', 'baseline'] as const;
type Kind = (typeof KINDS)[number];
const LABEL: Record<Kind, string> = { lifecycle: 'fingpayAgent', baseline: 'baseline (no-op)' };
const WORKFLOW_TYPE: Record<Kind, string> = {
  lifecycle: AGENT_WORKFLOW_TYPE,
  baseline: BASELINE_AGENT_WORKFLOW_TYPE,
};
const WORKFLOW_ID: Record<Kind, (userCode: string) => string> = {
  lifecycle: agentWorkflowIdFor,
  baseline: baselineAgentWorkflowId,
};
/** Signal-with-starts in flight while agents are made ready, and Daily KYCs in flight in the untimed idle steps. */
const SETUP_CONCURRENCY = 50;

export interface RushOptions {
  agents: number;
  rounds: number;
  concurrency: number;
  latencyMs: number;
  warmup: number;
  idleSteps: number;
  historySample: number;
  cache: number | 'all';
  /** Writes each worker's V8 CPU profiles (one per thread) to <out>/profiles/rush-<kind>/. */
  profile: boolean;
  /**
   * Read the workflow threads' live heap at every point (a heap snapshot each, which makes the thread collect first).
   * Off: RSS only. A snapshot's own allocations stay in RSS, so only with it off does RSS after GC show what the idle
   * lifecycles keep rather than what the snapshots left behind.
   */
  threadHeaps: boolean;
  outDir: string;
}

function options(): RushOptions {
  const { values } = parseArgs({
    options: {
      agents: { type: 'string' },
      rounds: { type: 'string' },
      concurrency: { type: 'string' },
      latency: { type: 'string' },
      warmup: { type: 'string' },
      'idle-steps': { type: 'string' },
      'history-sample': { type: 'string' },
      cache: { type: 'string' },
      profile: { type: 'boolean' },
      'thread-heaps': { type: 'string' },
      out: { type: 'string' },
    },
  });
  const env = process.env;
  const int = (flag: keyof typeof values, fallback: number, min: number) => {
    const variable = `BENCH_RUSH_${flag.toUpperCase().replace(/-/g, '_')}`;
    return wholeNumber((values[flag] as string | undefined) ?? env[variable], `--${flag} / ${variable}`, fallback, min);
  };
  return {
    agents: int('agents', 1000, 1),
    rounds: int('rounds', 2, 1),
    concurrency: int('concurrency', 100, 1),
    latencyMs: int('latency', 0, 0),
    warmup: int('warmup', 20, 1),
    idleSteps: int('idle-steps', 1, 0),
    historySample: int('history-sample', 100, 1),
    cache: cacheOf(values.cache ?? env.BENCH_RUSH_CACHE),
    profile: values.profile ?? env.BENCH_RUSH_PROFILE === '1',
    threadHeaps: onOff(
      values['thread-heaps'] ?? env.BENCH_RUSH_THREAD_HEAPS,
      '--thread-heaps / BENCH_RUSH_THREAD_HEAPS',
    ),
    outDir: values.out ?? env.BENCH_OUT ?? join(ROOT, 'artifacts', 'bench'),
  };
}

function onOff(value: string | undefined, name: string): boolean {
  if (value === undefined || value === 'on') return true;
  if (value === 'off') return false;
  throw new Error(`${name} must be on or off (got ${value})`);
}

const log = (line: string) => process.stderr.write(`${line}\n`);
const PID = pidData();

interface Rig {
  server: DevServer;
  sim: SimProcess;
  workers: Record<Kind, BenchWorker>;
  ekyc: EkycClient;
  plain: Client;
  queues: Record<Kind, string>;
  /** Set when a worker exits before the end. */
  died?: Error;
}

/** How the lifecycle's policy (the worker's default, as shipped) and the simulator see the agents' eKYC. */
const POLICY = loadDailyAuthPolicy({});
const ekycCompletedAt = () => new Date(Date.now() - durationToMs(POLICY.eligibleAfter) - 3_600_000).toISOString();

/** New agents of one kind, each with its lifecycle (or the no-op) knowing of an eKYC done 3 days ago, all waiting. */
async function prepare(rig: Rig, kind: Kind, count: number): Promise<EkycInput[]> {
  const agents = Array.from({ length: count }, () => syntheticAgent());
  const completedAt = ekycCompletedAt();
  if (kind === 'lifecycle') {
    await rig.sim.addAgents(
      agents.map((a) => ({
        userCode: a.userCode,
        aadhaar: a.aadhaar,
        mobile: a.customerId,
        ekycCompletedAt: completedAt,
      })),
    );
  }
  await pool(count, SETUP_CONCURRENCY, async (i) => {
    const a = agents[i];
    const known = { completedAt, customerId: a.customerId, latlong: a.latlong, bankCode: a.bankCode };
    if (kind === 'lifecycle') {
      await signalEkycCompleted(rig.ekyc.client, rig.queues.lifecycle, POLICY, { userCode: a.userCode, ...known });
    } else {
      // The no-op runs on the SDK's default data converter, so it is started without the codec.
      await rig.plain.workflow.signalWithStart(BASELINE_AGENT_WORKFLOW_TYPE, {
        workflowId: baselineAgentWorkflowId(a.userCode),
        taskQueue: rig.queues.baseline,
        args: [{ userCode: a.userCode }],
        signal: baselineEkycCompleted,
        signalArgs: [known],
      });
    }
  });
  return agents;
}

/** Visibility says how many workflows of a kind are in a state (AUTH_REQUIRED: ready; AUTHENTICATED: done). */
const inState = (kind: Kind, state: 'AUTH_REQUIRED' | 'AUTHENTICATED') =>
  `WorkflowType = '${WORKFLOW_TYPE[kind]}' AND AgentState = '${state}' AND ExecutionStatus = 'Running'`;

/** One agent's Daily KYC: its round trip (ms), or why it did not end AUTHENTICATED. */
async function authenticate(rig: Rig, kind: Kind, agent: EkycInput): Promise<number> {
  const started = performance.now();
  if (kind === 'lifecycle') {
    const outcome = await rig.ekyc.submitDailyAuth(agent.userCode, { aadhaar: agent.aadhaar, pidData: PID });
    if (!outcome.accepted || outcome.state !== 'AUTHENTICATED' || outcome.code) {
      throw new Error(`submitDailyAuth: ${outcome.code ?? outcome.state}`);
    }
  } else {
    const handle: WorkflowHandle = rig.plain.workflow.getHandle(baselineAgentWorkflowId(agent.userCode));
    const outcome = await handle.executeUpdate(baselineSubmitDailyAuth, {
      args: [{ aadhaar: agent.aadhaar, pidData: PID }],
    });
    if (!outcome.accepted || outcome.state !== 'AUTHENTICATED') throw new Error(`submitDailyAuth: ${outcome.state}`);
  }
  return performance.now() - started;
}

interface RushResult {
  agents: number;
  failed: number;
  errors: string[];
  elapsedMs: number;
  rttMs: number[];
  cpu: CpuShare;
  /** The worker's CPU per agent by group of threads (from /proc). */
  threads: ThreadShare;
  /** Eko calls the simulator served during the rush (lifecycle: one Daily KYC per agent; baseline: none). */
  ekoCalls: number;
  workerPeakRssMiB: number;
}

async function rush(rig: Rig, kind: Kind, agents: EkycInput[], concurrency: number): Promise<RushResult> {
  const worker = rig.workers[kind];
  const rttMs: number[] = [];
  const errors: string[] = [];
  await rig.sim.served(); // forget earlier calls
  worker.resetPeak();
  const pids = { server: rig.server.pid, worker: worker.pid, sim: rig.sim.pid };
  const before = cpuSnapshot(pids);
  const threadsBefore = threadCpuSeconds(worker.pid);
  const started = performance.now();
  await pool(agents.length, concurrency, async (i) => {
    try {
      rttMs.push(await authenticate(rig, kind, agents[i]));
    } catch (err) {
      // Names and codes only: no message of this code base carries PII, but keep the report short anyway.
      // The gRPC status under a ServiceError says what the server refused (deadline, resource exhausted...).
      const cause = (err as Error).cause as { message?: string } | undefined;
      // The synthetic agent's workflow id, to read its history afterwards (`temporal workflow show`).
      const id = WORKFLOW_ID[kind](agents[i].userCode);
      const why = `${(err as Error).name}: ${(err as Error).message}${cause?.message ? ` (${cause.message})` : ''}`;
      errors.push(`${id}: ${why}`.slice(0, 300));
    }
  });
  const elapsedMs = performance.now() - started;
  const after = cpuSnapshot(pids);
  const threads = threadsPer(threadsBefore, threadCpuSeconds(worker.pid), agents.length);
  return {
    agents: agents.length,
    failed: errors.length,
    errors: [...new Set(errors)].slice(0, 5),
    elapsedMs,
    rttMs,
    cpu: cpuPer(before, after, agents.length),
    threads,
    ekoCalls: (await rig.sim.served()).length,
    workerPeakRssMiB: mib(worker.peakRss()),
  };
}

interface MemoryPoint {
  idle: number;
  rssMiB: number;
  heapUsedMiB: number;
  /** The workflow threads' heap in use after each has collected (bench/worker-process.ts threadHeaps); null: not read. */
  threadsHeapMiB: number | null;
}

/** Waits until every lifecycle of a kind is AUTHENTICATED and idle, then reads the worker's memory after a GC. */
async function idleMemory(rig: Rig, kind: Kind, idle: number, threadHeaps: boolean): Promise<MemoryPoint> {
  await waitForCount(rig.ekyc.client, inState(kind, 'AUTHENTICATED'), idle, { died: () => rig.died });
  await sleep(2000); // let in-flight completions and logs settle
  const m = await rig.workers[kind].memory();
  const threads = threadHeaps ? await rig.workers[kind].threadHeaps() : null;
  log(
    `  ${LABEL[kind]}: ${idle} idle, RSS ${mib(m.rss)} MiB, heap used ${mib(m.heapUsed)} MiB` +
      (threads ? `, workflow threads' heap used ${mib(threads.usedHeap)} MiB (${threads.threads} threads)` : ''),
  );
  return {
    idle,
    rssMiB: mib(m.rss),
    heapUsedMiB: mib(m.heapUsed),
    threadsHeapMiB: threads ? mib(threads.usedHeap) : null,
  };
}

interface KindResult {
  agents: number;
  failed: number;
  errors: string[];
  agentsPerSecond: number;
  submitDailyAuthRttMs: Summary;
  cpuMsPerAgent: CpuShare;
  /** The worker's CPU per agent by group of threads (from /proc, not a profiler). */
  workerCpuMsByThread: ThreadShare;
  ekoCallsPerAgent: number;
  workerPeakRssMiB: number;
  /** Lifecycles (or no-ops) AUTHENTICATED today by visibility, after the last round: every agent's, and the warm-up's. */
  authenticatedByVisibility: number;
  idleMemory: MemoryPoint[];
  /** Daily KYCs of the untimed idle steps that failed (their agents are not counted as idle). */
  untimedFailed: number;
  /** Least-squares slope of RSS over the points above the cache (null with fewer than two). */
  mibPer1000IdleBeyondCache: number | null;
  /**
   * The same over the last three points only (null with fewer than three above the cache): RSS once the heaps and
   * the allocator have settled after the timed rounds' bursts, which the first steps above the cache still show.
   */
  settledMibPer1000IdleBeyondCache: number | null;
  /** The same for the live heap of every thread (main and workflow threads, each after a full GC). */
  liveHeapMiBPer1000IdleBeyondCache: number | null;
  history: HistoryCostSummary;
}

function combine(
  rounds: RushResult[],
): Omit<
  KindResult,
  | 'authenticatedByVisibility'
  | 'idleMemory'
  | 'untimedFailed'
  | 'mibPer1000IdleBeyondCache'
  | 'settledMibPer1000IdleBeyondCache'
  | 'liveHeapMiBPer1000IdleBeyondCache'
  | 'history'
> {
  const agents = rounds.reduce((n, r) => n + r.agents, 0);
  const succeeded = rounds.reduce((n, r) => n + r.agents - r.failed, 0);
  const elapsedMs = rounds.reduce((n, r) => n + r.elapsedMs, 0);
  return {
    agents,
    failed: rounds.reduce((n, r) => n + r.failed, 0),
    errors: [...new Set(rounds.flatMap((r) => r.errors))].slice(0, 5),
    agentsPerSecond: round((succeeded * 1000) / elapsedMs, 2),
    submitDailyAuthRttMs: summarize(rounds.flatMap((r) => r.rttMs)),
    cpuMsPerAgent: meanCpu(rounds.map((r) => r.cpu)),
    workerCpuMsByThread: meanThreads(rounds.map((r) => r.threads)),
    ekoCallsPerAgent: round(rounds.reduce((n, r) => n + r.ekoCalls, 0) / Math.max(1, agents), 3),
    workerPeakRssMiB: Math.max(...rounds.map((r) => r.workerPeakRssMiB)),
  };
}

function beyondCache(
  points: MemoryPoint[],
  cache: number | 'all',
  measure: (p: MemoryPoint) => number = (p) => p.rssMiB,
  /** Only the last `last` points above the cache (all of them when absent); null with fewer. */
  last?: number,
): number | null {
  const all = cache === 'all' ? points : points.filter((p) => p.idle > cache);
  const above = last === undefined ? all : all.slice(-last);
  if (above.length < (last ?? 2)) return null;
  return round(slope(above.map((p) => ({ x: p.idle, y: measure(p) }))) * 1000, 2);
}

export interface RushReport {
  bench: 'morning-rush';
  machine: MachineInfo & { loadAverageAtEnd: number };
  options: RushOptions;
  /** The cache the workers ran with (the SDK's figure). */
  maxCachedWorkflows: number;
  targets: typeof TARGETS;
  day: string;
  kinds: Record<Kind, KindResult>;
  ratioToBaseline: number;
  sameHistoryShape: boolean;
}

async function main() {
  const opts = options();
  const machine = machineInfo();
  log(`bench:rush: ${JSON.stringify(opts)}`);
  const day = istDate(Date.now());
  log('bundling workflow code');
  const bundles = await buildBundles();
  const server = await startDevServer({ startTimeoutMs: 120_000 });
  const sim = await spawnSim(opts.latencyMs);
  const queues: Record<Kind, string> = { lifecycle: 'bench-rush-lifecycle', baseline: 'bench-rush-baseline' };
  const total = opts.agents * opts.rounds + opts.warmup;
  const maxCachedWorkflows = opts.cache === 'all' ? total + opts.agents * opts.idleSteps + 1000 : opts.cache;
  const spawn = (kind: Kind) =>
    spawnWorker({
      kind: kind === 'lifecycle' ? 'ekyc' : 'baseline',
      temporalAddress: server.address,
      taskQueue: queues[kind],
      bundlePath: kind === 'lifecycle' ? bundles.ekyc : bundles.baseline,
      sim,
      latencyMs: opts.latencyMs,
      maxCachedWorkflows,
      // As bench:memory: a bounded cache on V8's defaults; every workflow cached needs a larger heap limit.
      nodeFlags: [
        '--expose-gc',
        ...(opts.cache === 'all' ? ['--max-old-space-size=16384'] : []),
        ...(opts.profile ? ['--cpu-prof', `--cpu-prof-dir=${join(opts.outDir, 'profiles', `rush-${kind}`)}`] : []),
      ],
    });
  const workers = { lifecycle: await spawn('lifecycle'), baseline: await spawn('baseline') };
  const rig: Rig = {
    server,
    sim,
    workers,
    queues,
    ekyc: await EkycClient.connect({
      temporal: { connection: { address: server.address }, namespace: server.namespace, taskQueue: queues.lifecycle },
      codec: loadCodecConfig({ EKYC_CODEC_KEYS: BENCH_CODEC_KEYS }),
      callTimeoutMs: 120_000,
    }),
    // The baseline worker runs the product's data converter, so its driver encodes as the client library does.
    plain: new Client({
      connection: await Connection.connect({ address: server.address }),
      namespace: server.namespace,
      dataConverter: createDataConverter(loadCodecConfig({ EKYC_CODEC_KEYS: BENCH_CODEC_KEYS })),
    }),
  };
  let finished = false;
  for (const kind of KINDS) {
    void workers[kind].exited.then(({ code, signal }) => {
      if (!finished)
        rig.died = new Error(`${kind} worker exited (${code ?? signal}): ${workers[kind].stderr().slice(-1500)}`);
    });
  }
  try {
    const ready = await Promise.all([workers.lifecycle.ready, workers.baseline.ready]);
    const counted: Record<Kind, number> = { lifecycle: 0, baseline: 0 };
    const memory: Record<Kind, MemoryPoint[]> = { lifecycle: [], baseline: [] };
    const rounds: Record<Kind, RushResult[]> = { lifecycle: [], baseline: [] };
    const lastAgents: Record<Kind, EkycInput[]> = { lifecycle: [], baseline: [] };
    /** Untimed Daily KYCs that failed (idle steps: reported, not fatal; the box is shared and may starve a call). */
    const untimedFailed: Record<Kind, string[]> = { lifecycle: [], baseline: [] };
    /** Agents made ready and authenticated (untimed): the warm-up (must all succeed) and the idle steps. */
    const untimed = async (kind: Kind, count: number, mustSucceed: boolean) => {
      const agents = await prepare(rig, kind, count);
      await waitForCount(rig.ekyc.client, inState(kind, 'AUTH_REQUIRED'), count, { died: () => rig.died });
      const r = await rush(rig, kind, agents, SETUP_CONCURRENCY);
      if (r.failed && mustSucceed) {
        throw new Error(`${kind}: ${r.failed} of ${count} untimed Daily KYCs failed: ${r.errors.join(' | ')}`);
      }
      if (r.failed) log(`  ${r.failed} of ${count} untimed Daily KYCs FAILED: ${r.errors.join(' | ')}`);
      untimedFailed[kind].push(...r.errors.slice(0, r.failed));
      counted[kind] += count - r.failed;
    };
    log(`warm-up: ${opts.warmup} agents of each kind`);
    for (const kind of KINDS) {
      await untimed(kind, opts.warmup, true);
      memory[kind].push(await idleMemory(rig, kind, counted[kind], opts.threadHeaps));
    }
    for (let r = 0; r < opts.rounds; r++) {
      const order = r % 2 === 0 ? (['baseline', 'lifecycle'] as const) : (['lifecycle', 'baseline'] as const);
      for (const kind of order) {
        log(`round ${r + 1} ${LABEL[kind]}: ${opts.agents} agents made ready (eKYC done 3 days ago)`);
        const agents = await prepare(rig, kind, opts.agents);
        await waitForCount(rig.ekyc.client, inState(kind, 'AUTH_REQUIRED'), opts.agents, { died: () => rig.died });
        const result = await rush(rig, kind, agents, opts.concurrency);
        rounds[kind].push(result);
        lastAgents[kind] = agents;
        counted[kind] += agents.length - result.failed;
        log(
          `round ${r + 1} ${LABEL[kind]}: ${round((result.agents - result.failed) / (result.elapsedMs / 1000), 2)} agents/s` +
            `${result.failed ? `, ${result.failed} FAILED (${result.errors.join(' | ')})` : ''}`,
        );
        memory[kind].push(await idleMemory(rig, kind, counted[kind], opts.threadHeaps));
      }
    }
    for (let s = 0; s < opts.idleSteps; s++) {
      log(`idle step ${s + 1}: ${opts.agents} more lifecycles authenticated (not timed)`);
      await untimed('lifecycle', opts.agents, false);
      memory.lifecycle.push(await idleMemory(rig, 'lifecycle', counted.lifecycle, opts.threadHeaps));
    }
    log(`reading ${opts.historySample} histories of each kind`);
    const results = {} as Record<Kind, KindResult>;
    for (const kind of KINDS) {
      const sample = lastAgents[kind].slice(0, opts.historySample).map((a) => WORKFLOW_ID[kind](a.userCode));
      const client = kind === 'lifecycle' ? rig.ekyc.client : rig.plain;
      const today = `${inState(kind, 'AUTHENTICATED')} AND DailyAuthDate = '${day}'`;
      results[kind] = {
        ...combine(rounds[kind]),
        authenticatedByVisibility: (await rig.ekyc.client.workflow.count(today)).count,
        idleMemory: memory[kind],
        untimedFailed: untimedFailed[kind].length,
        mibPer1000IdleBeyondCache: beyondCache(memory[kind], opts.cache),
        settledMibPer1000IdleBeyondCache: beyondCache(memory[kind], opts.cache, undefined, 3),
        liveHeapMiBPer1000IdleBeyondCache: opts.threadHeaps
          ? beyondCache(memory[kind], opts.cache, (p) => p.heapUsedMiB + (p.threadsHeapMiB ?? 0))
          : null,
        history: await historyCosts(client, sample),
      };
    }
    finished = true;
    const report: RushReport = {
      bench: 'morning-rush',
      machine: { ...machine, loadAverageAtEnd: round(loadavg()[0], 2) },
      options: opts,
      maxCachedWorkflows: ready[0].maxCachedWorkflows,
      targets: TARGETS,
      day,
      kinds: results,
      ratioToBaseline: round(results.lifecycle.agentsPerSecond / results.baseline.agentsPerSecond, 3),
      sameHistoryShape: results.lifecycle.history.shapes.from === results.baseline.history.shapes.from,
    };
    const stem = await writeReport(opts.outDir, 'bench-rush', machine.date, report, markdown(report));
    log(`written: ${stem}.{json,md}`);
  } finally {
    finished = true;
    await rig.ekyc.close();
    await rig.plain.connection.close();
    await Promise.all([workers.lifecycle.stop(), workers.baseline.stop()]);
    await sim.stop();
    await server.stop();
    await Promise.all([removeBundle(bundles.ekyc), removeBundle(bundles.baseline)]);
  }
}

function markdown(r: RushReport): string {
  const { machine: m, options: o } = r;
  const cache =
    o.cache === 'all'
      ? 'every workflow cached'
      : `cache ${r.maxCachedWorkflows}${o.cache === loadWorkerCacheSize({}) ? ' (as `ekyc worker` ships)' : ''}`;
  const lines = [
    `### Morning rush — ${m.date.slice(0, 16).replace('T', ' ')} UTC`,
    '',
    `${m.cpus} × ${m.cpuModel}, ${m.memoryGiB} GiB, Node ${m.node}, ${m.temporalCli.split('\n')[0]}; load average ` +
      `${m.loadAverageAtStart} at start, ${m.loadAverageAtEnd} at the end. ${o.agents} agents × ${o.rounds} rounds per ` +
      `kind, ${o.concurrency} Daily KYCs in flight, ${o.latencyMs} ms added per Eko call, ${cache}, after ${o.warmup} ` +
      `warm-up agents each.`,
    '',
    '| kind | agents/s | ratio | submitDailyAuth round trip p50 / p95 / p99 / max (ms) | Eko calls per agent | CPU ms per agent: server / worker / driver / Eko sim | worker RSS peak (MiB) |',
    '| --- | ---: | ---: | --- | ---: | --- | ---: |',
  ];
  for (const kind of KINDS) {
    const k = r.kinds[kind];
    const t = k.submitDailyAuthRttMs;
    lines.push(
      `| ${LABEL[kind]} | ${k.agentsPerSecond}${k.failed ? ` (**${k.failed} failed**)` : ''} | ${kind === 'lifecycle' ? r.ratioToBaseline : 1} | ` +
        `${t.p50} / ${t.p95} / ${t.p99} / ${t.max} | ${k.ekoCallsPerAgent} | ${cpuCells(k.cpuMsPerAgent)} | ${k.workerPeakRssMiB} |`,
    );
  }
  lines.push(
    '',
    `Worker CPU ms per agent by thread (/proc): ${KINDS.map((kind) => `${LABEL[kind]} ${threadCells(r.kinds[kind].workerCpuMsByThread)}`).join('; ')}.`,
  );
  lines.push(
    '',
    `History per agent (${r.kinds.lifecycle.history.sampled} sampled of the last round; p50, max):`,
    '',
    '| kind | creation + eKYC learned: events, bytes (proto / JSON) | the Daily KYC day: events, bytes (proto / JSON) |',
    '| --- | --- | --- |',
  );
  for (const kind of KINDS) {
    const h = r.kinds[kind].history;
    const cell = (p: HistoryCostSummary['before']) =>
      `${p.events.p50} (max ${p.events.max}), ${kib(p.bytes.p50)} / ${kib(p.jsonBytes.p50)} KiB (max ${kib(p.bytes.max)} / ${kib(p.jsonBytes.max)})`;
    lines.push(`| ${LABEL[kind]} | ${cell(h.before)} | ${cell(h.from)} |`);
  }
  const shapes = r.kinds.lifecycle.history.shapes;
  lines.push(
    '',
    `Same event types in the same order on the Daily KYC day: ${r.sameHistoryShape ? 'yes' : '**no**'} ` +
      `(${shapes.fromCount} of ${r.kinds.lifecycle.history.sampled} lifecycles: ${shapes.from}).`,
    '',
    "| idle lifecycles (AUTHENTICATED, waiting for the next IST midnight) | fingpayAgent worker RSS after GC (MiB) | main-thread heap (MiB) | workflow threads' heap (MiB) |",
    '| ---: | ---: | ---: | ---: |',
    ...r.kinds.lifecycle.idleMemory.map(
      (p) => `| ${p.idle} | ${p.rssMiB} | ${p.heapUsedMiB} | ${p.threadsHeapMiB ?? 'not read (--thread-heaps off)'} |`,
    ),
    '',
    `No-op baseline worker at the same points: ${r.kinds.baseline.idleMemory.map((p) => `${p.idle}: ${p.rssMiB} MiB`).join(', ')}.` +
      (r.kinds.lifecycle.untimedFailed
        ? ` **${r.kinds.lifecycle.untimedFailed} untimed Daily KYCs of the idle steps failed** (not counted as idle).`
        : ''),
    '',
    '| target | measured | verdict |',
    '| --- | --- | --- |',
    `| ratio to baseline ≥ ${TARGETS.ratio} | ${r.ratioToBaseline} | ${verdict(r.ratioToBaseline >= TARGETS.ratio)} |`,
  );
  const perK = r.kinds.lifecycle.mibPer1000IdleBeyondCache;
  const liveK = r.kinds.lifecycle.liveHeapMiBPer1000IdleBeyondCache;
  const cells = (value: number | null, why = 'fewer than two points above the cache') =>
    value === null
      ? `not measured (${why}) | —`
      : `${value} MiB | ${verdict(value <= TARGETS.mibPer1000IdleBeyondCache)}`;
  lines.push(
    `| worker memory ≤ ${TARGETS.mibPer1000IdleBeyondCache} MB per 1,000 idle lifecycles beyond the cache: RSS, every point above the cache | ${cells(perK)} |`,
    `| the same: RSS, the last three points (once the heaps have settled after the timed rounds) | ${cells(r.kinds.lifecycle.settledMibPer1000IdleBeyondCache, 'fewer than three points above the cache')} |`,
    `| the same: live heap of every thread (main and workflow threads, each after a full GC) | ${cells(liveK, r.options.threadHeaps ? undefined : '--thread-heaps off')} |`,
    '',
  );
  return lines.join('\n');
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
