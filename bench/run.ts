// `npm run bench`: complete eKYC sessions against the Eko simulator, compared in the same run and on the same
// Temporal dev server with a no-op workflow of the same history shape (bench/baseline). Two modes: no added
// latency, and a realistic Eko latency per call. Prints a Markdown table and writes JSON + Markdown to
// artifacts/bench/. The closed-loop rounds (each driver starts its next session as soon as one ends) measure
// throughput; a paced run (50 agents who take a few seconds to type the OTP and to give the finger) measures the
// submitOtp round trip when the box is not saturated. Flags (or BENCH_* variables): --sessions, --concurrency,
// --latency, --rounds, --warmup, --modes (zero,latency), --paced-sessions, --think (min-max ms), --paced-mode,
// --profile (writes the workers' --cpu-prof profiles).
import { execFileSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import proto from '@temporalio/proto';
import { EkycClient } from '../client/index.js';
import { createDataConverter } from '../codec/data-converter.js';
import { loadCodecConfig } from '../config/index.js';
import { startDevServer, type DevServer } from '../dev/temporal-server.js';
import { otpBreakdown, type OtpBreakdown } from './breakdown.js';
import { OtpBoard, baselineBoard, runRound, type RoundResult, type Target } from './driver.js';
import { machineInfo, type MachineInfo } from './machine.js';
import {
  cpuPer,
  cpuSnapshot,
  meanCpu,
  meanThreads,
  threadCells,
  threadsPer,
  verdict,
  wholeNumber,
  writeReport,
  type CpuShare,
  type ThreadShare,
} from './report.js';
import { mib, pool, round, summarize, threadCpuSeconds, type Summary } from './stats.js';
import {
  BENCH_CODEC_KEYS,
  ROOT,
  buildBundles,
  removeBundle,
  spawnSim,
  spawnWorker,
  type Bundles,
  type BenchWorker,
  type SimProcess,
} from './workers.js';

// Issue 13 item 5: ratio ≥ 0.95 and worker CPU per session ≤ 1.2 × the baseline's, in both modes (was ratio ≥ 0.8).
const TARGETS = { ratio: 0.95, workerCpuRatio: 1.2, otpOverheadP99Ms: 60, signEncryptUs: 100 } as const;

interface Options {
  sessions: number;
  concurrency: number;
  latencyMs: number;
  rounds: number;
  warmup: number;
  modes: ('zero' | 'latency')[];
  pacedSessions: number;
  thinkMs: [number, number];
  pacedMode: 'zero' | 'latency';
  profile: boolean;
  outDir: string;
}

function options(): Options {
  const { values } = parseArgs({
    options: {
      sessions: { type: 'string' },
      concurrency: { type: 'string' },
      latency: { type: 'string' },
      rounds: { type: 'string' },
      warmup: { type: 'string' },
      modes: { type: 'string' },
      'paced-sessions': { type: 'string' },
      think: { type: 'string' },
      'paced-mode': { type: 'string' },
      profile: { type: 'boolean' },
      out: { type: 'string' },
    },
  });
  const env = process.env;
  const int = (flag: string | undefined, variable: string, fallback: number) =>
    wholeNumber(flag ?? env[variable], `${variable} / --${variable.slice(6).toLowerCase()}`, fallback);
  const modes = (values.modes ?? env.BENCH_MODES ?? 'zero,latency').split(',').map((m) => m.trim());
  if (!modes.every((m) => m === 'zero' || m === 'latency')) throw new Error('--modes takes zero and/or latency');
  const think = /^(\d+)-(\d+)$/.exec(values.think ?? env.BENCH_THINK_MS ?? '5000-15000');
  if (!think || Number(think[1]) > Number(think[2])) throw new Error('--think takes <min>-<max> milliseconds');
  const pacedMode = values['paced-mode'] ?? env.BENCH_PACED_MODE ?? (modes.includes('latency') ? 'latency' : 'zero');
  if (pacedMode !== 'zero' && pacedMode !== 'latency') throw new Error('--paced-mode takes zero or latency');
  return {
    sessions: int(values.sessions, 'BENCH_SESSIONS', 300),
    concurrency: int(values.concurrency, 'BENCH_CONCURRENCY', 50),
    latencyMs: int(values.latency, 'BENCH_LATENCY_MS', 300),
    rounds: Math.max(1, int(values.rounds, 'BENCH_ROUNDS', 2)),
    warmup: int(values.warmup, 'BENCH_WARMUP', 30),
    modes: modes as Options['modes'],
    pacedSessions: int(values['paced-sessions'], 'BENCH_PACED_SESSIONS', 240),
    thinkMs: [Number(think[1]), Number(think[2])],
    pacedMode,
    profile: values.profile ?? env.BENCH_PROFILE === '1',
    outDir: values.out ?? env.BENCH_OUT ?? join(ROOT, 'artifacts', 'bench'),
  };
}

interface KindResult {
  sessions: number;
  failed: number;
  errors: string[];
  elapsedSeconds: number;
  sessionsPerSecond: number;
  submitOtpRttMs: Summary;
  submitBiometricRttMs: Summary;
  wrongStageRetriesPerSession: number;
  cpuMsPerSession: CpuShare;
  /** The worker's CPU per session by group of threads (from /proc, not a profiler). */
  workerCpuMsByThread: ThreadShare;
  workerPeakRssMiB: number;
}

interface ModeResult {
  mode: 'zero' | 'latency';
  ekoLatencyMs: number;
  ekyc: KindResult;
  baseline: KindResult;
  ratioToBaseline: number;
  /** submitOtp round trip minus the simulator's added latency (one Eko call per submitOtp). */
  submitOtpOverheadMs: Summary;
  baselineSubmitOtpOverheadMs: Summary;
  /** Worker CPU per session, eKYC over baseline (the issue's goal: at most 1.2). */
  workerCpuRatio: number;
  /** The last closed-loop session of each kind: its events, and whether the event types match (in order / as a set). */
  historyShape: HistoryShape;
  paced?: PacedResult;
}

interface HistoryShape {
  ekycEvents: number;
  baselineEvents: number;
  sameInOrder: boolean;
  sameCounts: boolean;
  /**
   * Events and workflow tasks per completed session, mean over `sampled` sessions of each kind spread over the
   * measured rounds: how the two kinds' tasks were batched (the same calls can take more workflow tasks when an
   * activity result and an update arrive apart), which moves the server's and the worker's CPU per session.
   */
  sampled: number;
  meanEvents: { ekyc: number; baseline: number };
  meanWorkflowTasks: { ekyc: number; baseline: number };
}

/** How many sessions of each kind historyShape() reads. */
const SHAPE_SAMPLE = 60;

async function eventTypes(client: Client, workflowId: string): Promise<string[]> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  return (history.events ?? []).map((e) => String(e.eventType));
}

/** Up to `n` of `ids`, evenly spread. */
const spread = (ids: string[], n: number) =>
  ids.length <= n ? ids : Array.from({ length: n }, (_, i) => ids[Math.floor((i * ids.length) / n)]);

/** Mean events and workflow tasks per history of these sessions (read ten at a time). */
async function meanShape(client: Client, ids: string[]): Promise<{ events: number; workflowTasks: number }> {
  const types: string[][] = [];
  await pool(ids.length, 10, async (i) => void (types[i] = await eventTypes(client, ids[i])));
  const mean = (pick: (t: string[]) => number) => round(types.reduce((sum, t) => sum + pick(t), 0) / types.length, 2);
  const completed = String(proto.temporal.api.enums.v1.EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED);
  return { events: mean((t) => t.length), workflowTasks: mean((t) => t.filter((x) => x === completed).length) };
}

/**
 * Compares the last completed session of each kind event by event (the baseline is only fair if Temporal sees the
 * same traffic), and the two kinds' mean events and workflow tasks over a sample of every measured round.
 */
async function historyShape(
  ekyc: Client,
  baseline: Client,
  ids: { ekyc: string[]; baseline: string[] },
): Promise<HistoryShape> {
  const [a, b] = [await eventTypes(ekyc, ids.ekyc.at(-1)!), await eventTypes(baseline, ids.baseline.at(-1)!)];
  const counts = (types: string[]) => [...types].sort().join(',');
  const sample = { ekyc: spread(ids.ekyc, SHAPE_SAMPLE), baseline: spread(ids.baseline, SHAPE_SAMPLE) };
  const [e, base] = [await meanShape(ekyc, sample.ekyc), await meanShape(baseline, sample.baseline)];
  return {
    ekycEvents: a.length,
    baselineEvents: b.length,
    sameInOrder: a.join(',') === b.join(','),
    sameCounts: counts(a) === counts(b),
    sampled: Math.min(sample.ekyc.length, sample.baseline.length),
    meanEvents: { ekyc: e.events, baseline: base.events },
    meanWorkflowTasks: { ekyc: e.workflowTasks, baseline: base.workflowTasks },
  };
}

/** `agents` sessions open at once, each agent pausing `thinkMs` before the OTP and before the fingerprint. */
interface PacedResult {
  agents: number;
  thinkMs: [number, number];
  sessionsPerSecond: { ekyc: number; baseline: number };
  failed: { ekyc: number; baseline: number };
  submitOtpOverheadMs: { ekyc: Summary; baseline: Summary };
  submitBiometricOverheadMs: { ekyc: Summary; baseline: Summary };
  cpuMsPerSession: { ekyc: CpuShare; baseline: CpuShare };
  /** How long the simulator held each of the paced eKYC calls, minus its added latency: Eko's own time. */
  simServiceMs: Summary;
  /** Where the submitOtp round trip goes, from each session's history (bench/breakdown.ts). */
  submitOtpBreakdownMs: { ekyc: OtpBreakdown; baseline: OtpBreakdown };
}

interface SignEncrypt {
  keyBits: number;
  meanUs: number;
  p50Us: number;
  p99Us: number;
}

function signEncrypt(): SignEncrypt[] {
  const out = execFileSync(process.execPath, ['--import', 'tsx', 'bench/sign-encrypt.ts'], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  return (JSON.parse(out.split('\n')[0]) as { results: SignEncrypt[] }).results;
}

/** CPU so far of every process, and of the worker's threads by group. */
const snapshot = (server: DevServer, worker: BenchWorker, sim: SimProcess) => ({
  cpu: cpuSnapshot({ server: server.pid, worker: worker.pid, sim: sim.pid }),
  threads: threadCpuSeconds(worker.pid),
});

/** CPU per session between two snapshots: each process's, and the worker's by thread. */
const usage = (before: ReturnType<typeof snapshot>, after: ReturnType<typeof snapshot>, sessions: number) => ({
  cpu: cpuPer(before.cpu, after.cpu, sessions),
  threads: threadsPer(before.threads, after.threads, sessions),
});

const otpCalls = (r: RoundResult) =>
  r.timings.map((t) => ({ workflowId: t.workflowId, sentAt: t.otpSentAt, doneAt: t.otpDoneAt }));

async function runMode(
  mode: 'zero' | 'latency',
  opts: Options,
  server: DevServer,
  bundles: Bundles,
): Promise<ModeResult> {
  const latencyMs = mode === 'zero' ? 0 : opts.latencyMs;
  const ekycBoard = new OtpBoard();
  // In a process of its own, as Eko is; RSA-1024, like the keys Eko publishes.
  const sim = await spawnSim(latencyMs);
  sim.onOtpSent((userCode, otp) => ekycBoard.notify(userCode, otp));
  const queues = { ekyc: `bench-ekyc-${mode}`, baseline: `bench-baseline-${mode}` };
  // One folder per worker: V8 writes a profile per thread (the workflows run in worker threads).
  const profileFlags = (kind: string) =>
    opts.profile ? ['--cpu-prof', `--cpu-prof-dir=${join(opts.outDir, 'profiles', `${kind}-${mode}`)}`] : [];
  const workers = {
    ekyc: await spawnWorker({
      kind: 'ekyc',
      temporalAddress: server.address,
      taskQueue: queues.ekyc,
      bundlePath: bundles.ekyc,
      sim,
      nodeFlags: profileFlags('ekyc'),
    }),
    baseline: await spawnWorker({
      kind: 'baseline',
      temporalAddress: server.address,
      taskQueue: queues.baseline,
      bundlePath: bundles.baseline,
      latencyMs,
      nodeFlags: profileFlags('baseline'),
    }),
  };
  await Promise.all([workers.ekyc.ready, workers.baseline.ready]);

  const ekyc = await EkycClient.connect({
    temporal: { connection: { address: server.address }, namespace: server.namespace, taskQueue: queues.ekyc },
    codec: loadCodecConfig({ EKYC_CODEC_KEYS: BENCH_CODEC_KEYS }),
    callTimeoutMs: 120_000,
  });
  const connection = await Connection.connect({ address: server.address });
  const targets: Record<'ekyc' | 'baseline', Target> = {
    ekyc: { kind: 'ekyc', ekyc, board: ekycBoard },
    baseline: {
      kind: 'baseline',
      // The baseline worker runs the product's data converter, so its driver encodes as the client library does.
      client: new Client({
        connection,
        namespace: server.namespace,
        dataConverter: createDataConverter(loadCodecConfig({ EKYC_CODEC_KEYS: BENCH_CODEC_KEYS })),
      }),
      taskQueue: queues.baseline,
      board: baselineBoard(workers.baseline),
    },
  };

  try {
    log(`[${mode}] warm-up: ${opts.warmup} sessions each`);
    for (const kind of ['baseline', 'ekyc'] as const) {
      const warm = await runRound(targets[kind], opts.warmup, Math.min(opts.concurrency, opts.warmup || 1));
      if (warm.failed) throw new Error(`${kind} warm-up failed: ${warm.errors.join(' | ')}`);
    }
    const rounds: Record<'ekyc' | 'baseline', { result: RoundResult; cpu: CpuShare; threads: ThreadShare }[]> = {
      ekyc: [],
      baseline: [],
    };
    for (let r = 0; r < opts.rounds; r++) {
      // Alternate the order so a change in the box's background load hits both kinds alike.
      const order = r % 2 === 0 ? (['baseline', 'ekyc'] as const) : (['ekyc', 'baseline'] as const);
      for (const kind of order) {
        workers[kind].resetPeak();
        const before = snapshot(server, workers[kind], sim);
        const result = await runRound(targets[kind], opts.sessions, opts.concurrency);
        rounds[kind].push({ result, ...usage(before, snapshot(server, workers[kind], sim), result.sessions) });
        log(
          `[${mode}] round ${r + 1} ${kind}: ${round(result.sessionsPerSecond, 2)} sessions/s` +
            `${result.failed ? `, ${result.failed} FAILED (${result.errors.join(' | ')})` : ''}`,
        );
      }
    }
    let paced: PacedResult | undefined;
    if (mode === opts.pacedMode && opts.pacedSessions > 0) {
      log(
        `[${mode}] paced: ${opts.pacedSessions} sessions each, ${opts.concurrency} agents, think ${opts.thinkMs.join('-')} ms`,
      );
      // Rounds in alternating order, as above, so a change in the box's load hits both kinds alike.
      const runs = { ekyc: [], baseline: [] } as Record<
        'ekyc' | 'baseline',
        { result: RoundResult; cpu: CpuShare; threads: ThreadShare }[]
      >;
      await sim.served(); // forget the closed-loop calls
      for (let r = 0; r < opts.rounds; r++) {
        const order = r % 2 === 0 ? (['baseline', 'ekyc'] as const) : (['ekyc', 'baseline'] as const);
        const n = Math.ceil(opts.pacedSessions / opts.rounds);
        for (const kind of order) {
          const before = snapshot(server, workers[kind], sim);
          const result = await runRound(targets[kind], n, opts.concurrency, opts.thinkMs);
          runs[kind].push({ result, ...usage(before, snapshot(server, workers[kind], sim), result.sessions) });
          log(
            `[${mode}] paced round ${r + 1} ${kind}: ${result.sessions} sessions${result.failed ? `, ${result.failed} FAILED` : ''}`,
          );
        }
      }
      const simServiceMs = summarize(await sim.served());
      const kinds = { ekyc: combine(runs.ekyc, workers.ekyc), baseline: combine(runs.baseline, workers.baseline) };
      const timings = (kind: 'ekyc' | 'baseline') => runs[kind].flatMap((x) => x.result.timings);
      const overhead = (kind: 'ekyc' | 'baseline', pick: (t: RoundResult['timings'][number]) => number) =>
        summarize(timings(kind).map((t) => pick(t) - latencyMs));
      const calls = (kind: 'ekyc' | 'baseline') => runs[kind].flatMap((x) => otpCalls(x.result));
      paced = {
        agents: opts.concurrency,
        thinkMs: opts.thinkMs,
        sessionsPerSecond: { ekyc: kinds.ekyc.sessionsPerSecond, baseline: kinds.baseline.sessionsPerSecond },
        failed: { ekyc: kinds.ekyc.failed, baseline: kinds.baseline.failed },
        submitOtpOverheadMs: {
          ekyc: overhead('ekyc', (t) => t.otpRttMs),
          baseline: overhead('baseline', (t) => t.otpRttMs),
        },
        submitBiometricOverheadMs: {
          ekyc: overhead('ekyc', (t) => t.biometricRttMs),
          baseline: overhead('baseline', (t) => t.biometricRttMs),
        },
        cpuMsPerSession: { ekyc: kinds.ekyc.cpuMsPerSession, baseline: kinds.baseline.cpuMsPerSession },
        simServiceMs,
        submitOtpBreakdownMs: {
          ekyc: await otpBreakdown(ekyc.client, calls('ekyc'), latencyMs),
          baseline: await otpBreakdown((targets.baseline as { client: Client }).client, calls('baseline'), latencyMs),
        },
      };
    }
    const ekycResult = combine(rounds.ekyc, workers.ekyc);
    const baselineResult = combine(rounds.baseline, workers.baseline);
    const ids = (rs: { result: RoundResult }[]) => rs.flatMap((x) => x.result.timings.map((t) => t.workflowId));
    const shape = await historyShape(ekyc.client, (targets.baseline as { client: Client }).client, {
      ekyc: ids(rounds.ekyc),
      baseline: ids(rounds.baseline),
    });
    const overhead = (rs: { result: RoundResult }[]) =>
      summarize(rs.flatMap((x) => x.result.timings.map((t) => t.otpRttMs - latencyMs)));
    return {
      mode,
      ekoLatencyMs: latencyMs,
      ekyc: ekycResult,
      baseline: baselineResult,
      ratioToBaseline: round(ekycResult.sessionsPerSecond / baselineResult.sessionsPerSecond, 3),
      workerCpuRatio: round(ekycResult.cpuMsPerSession.worker / baselineResult.cpuMsPerSession.worker, 3),
      historyShape: shape,
      submitOtpOverheadMs: overhead(rounds.ekyc),
      baselineSubmitOtpOverheadMs: overhead(rounds.baseline),
      ...(paced ? { paced } : {}),
    };
  } finally {
    await ekyc.close();
    await connection.close();
    await Promise.all([workers.ekyc.stop(), workers.baseline.stop()]);
    await sim.stop();
  }
}

function combine(
  rounds: { result: RoundResult; cpu: CpuShare; threads: ThreadShare }[],
  worker: BenchWorker,
): KindResult {
  const sessions = rounds.reduce((n, r) => n + r.result.sessions, 0);
  const elapsedMs = rounds.reduce((n, r) => n + r.result.elapsedMs, 0);
  const timings = rounds.flatMap((r) => r.result.timings);
  return {
    sessions,
    failed: rounds.reduce((n, r) => n + r.result.failed, 0),
    errors: [...new Set(rounds.flatMap((r) => r.result.errors))].slice(0, 5),
    elapsedSeconds: round(elapsedMs / 1000, 2),
    sessionsPerSecond: round((sessions * 1000) / elapsedMs, 2),
    submitOtpRttMs: summarize(timings.map((t) => t.otpRttMs)),
    submitBiometricRttMs: summarize(timings.map((t) => t.biometricRttMs)),
    wrongStageRetriesPerSession: round(timings.reduce((n, t) => n + t.wrongStageRetries, 0) / Math.max(1, sessions), 3),
    cpuMsPerSession: meanCpu(rounds.map((r) => r.cpu)),
    workerCpuMsByThread: meanThreads(rounds.map((r) => r.threads)),
    workerPeakRssMiB: mib(worker.peakRss()),
  };
}

function markdown(report: { machine: MachineInfo; options: Options; modes: ModeResult[]; signEncrypt: SignEncrypt[] }) {
  const { machine, options: o } = report;
  const lines = [
    `### eKYC benchmark — ${machine.date.slice(0, 10)}`,
    '',
    `${machine.cpus} × ${machine.cpuModel}, ${machine.memoryGiB} GiB, Node ${machine.node}, ${machine.temporalCli.split('\n')[0]}; ` +
      `load average ${machine.loadAverageAtStart} at start. ${o.sessions} sessions × ${o.rounds} rounds per kind and ` +
      `mode at concurrency ${o.concurrency} (after ${o.warmup} warm-up sessions).`,
    '',
    'Closed loop (throughput; round trips here include queueing on a saturated box):',
    '',
    '| mode | kind | sessions/s | ratio to baseline | submitOtp − Eko latency p50 / p95 / p99 (ms) | worker RSS peak (MiB) | CPU ms per session: server / worker / driver / Eko sim |',
    '| --- | --- | ---: | ---: | --- | ---: | --- |',
  ];
  for (const m of report.modes) {
    const label = m.mode === 'zero' ? 'no added latency' : `${m.ekoLatencyMs} ms per Eko call`;
    const row = (kind: 'ekyc' | 'baseline', overhead: Summary, ratio: string) => {
      const k = m[kind];
      const c = k.cpuMsPerSession;
      return `| ${label} | ${kind === 'ekyc' ? 'eKYC' : 'baseline (no-op)'} | ${k.sessionsPerSecond}${k.failed ? ` (${k.failed} failed)` : ''} | ${ratio} | ${overhead.p50} / ${overhead.p95} / ${overhead.p99} | ${k.workerPeakRssMiB} | ${c.temporalServer} / ${c.worker} / ${c.driver} / ${c.sim} |`;
    };
    lines.push(row('ekyc', m.submitOtpOverheadMs, String(m.ratioToBaseline)));
    lines.push(row('baseline', m.baselineSubmitOtpOverheadMs, '1'));
  }
  lines.push('');
  for (const m of report.modes) {
    lines.push(
      `- ${m.mode}: worker CPU ms per session by thread (/proc): eKYC ${threadCells(m.ekyc.workerCpuMsByThread)}; ` +
        `baseline ${threadCells(m.baseline.workerCpuMsByThread)}.`,
    );
  }
  for (const m of report.modes) {
    const h = m.historyShape;
    lines.push(
      `- ${m.mode}: worker CPU per session ${m.ekyc.cpuMsPerSession.worker} against ${m.baseline.cpuMsPerSession.worker} ms (${m.workerCpuRatio}×); ` +
        `a completed session's history ${h.ekycEvents} events against the baseline's ${h.baselineEvents}, ` +
        `same event types ${h.sameInOrder ? 'in the same order' : h.sameCounts ? 'in another order' : '**no**'}; ` +
        `over ${h.sampled} sessions of each kind, ${h.meanEvents.ekyc} against ${h.meanEvents.baseline} events and ` +
        `${h.meanWorkflowTasks.ekyc} against ${h.meanWorkflowTasks.baseline} workflow tasks per session.`,
    );
  }
  for (const m of report.modes) {
    const p = m.paced;
    if (!p) continue;
    lines.push(
      '',
      `Paced (${p.agents} agents at once, each pausing ${p.thinkMs[0] / 1000}-${p.thinkMs[1] / 1000} s before the OTP and the finger; ${m.mode === 'zero' ? 'no added latency' : `${m.ekoLatencyMs} ms per Eko call`}):`,
      '',
      '| kind | sessions/s | submitOtp − Eko latency p50 / p95 / p99 (ms), n | submitBiometric − Eko latency p50 / p95 / p99 (ms) | CPU ms per session: server / worker / driver / Eko sim |',
      '| --- | ---: | --- | --- | --- |',
    );
    for (const kind of ['ekyc', 'baseline'] as const) {
      const o = p.submitOtpOverheadMs[kind];
      const b = p.submitBiometricOverheadMs[kind];
      const c = p.cpuMsPerSession[kind];
      lines.push(
        `| ${kind === 'ekyc' ? 'eKYC' : 'baseline (no-op)'} | ${p.sessionsPerSecond[kind]}${p.failed[kind] ? ` (${p.failed[kind]} failed)` : ''} | ${o.p50} / ${o.p95} / ${o.p99}, ${o.n} | ${b.p50} / ${b.p95} / ${b.p99} | ${c.temporalServer} / ${c.worker} / ${c.driver} / ${c.sim} |`,
      );
    }
    lines.push(
      '',
      "Where the paced submitOtp round trip goes (from each session's history; p50 / p95 ms):",
      '',
      '| kind | client → update accepted | activity dispatch | activity work (minus Eko latency) | activity done → update completed | outcome back to client |',
      '| --- | --- | --- | --- | --- | --- |',
    );
    const sim = p.simServiceMs;
    for (const kind of ['ekyc', 'baseline'] as const) {
      const b = p.submitOtpBreakdownMs[kind];
      const cell = (s: Summary) => `${s.p50} / ${s.p95}`;
      lines.push(
        `| ${kind === 'ekyc' ? 'eKYC' : 'baseline (no-op)'} | ${cell(b.toAccepted)} | ${cell(b.activityDispatch)} | ${cell(b.activityWork)} | ${cell(b.toCompleted)} | ${cell(b.delivery)} |`,
      );
    }
    lines.push(
      '',
      `The simulator's own time per Eko call (Eko's side of "activity work": request in → answer out, minus the added latency): p50 ${sim.p50} / p95 ${sim.p95} / p99 ${sim.p99} ms over ${sim.n} calls.`,
    );
  }
  lines.push('', '| target | measured | verdict |', '| --- | --- | --- |');
  for (const m of report.modes) {
    lines.push(
      `| ratio to baseline ≥ ${TARGETS.ratio} (${m.mode}) | ${m.ratioToBaseline} | ${verdict(m.ratioToBaseline >= TARGETS.ratio)} |`,
      `| worker CPU per session ≤ ${TARGETS.workerCpuRatio} × the baseline's (${m.mode}) | ${m.workerCpuRatio} × | ${verdict(m.workerCpuRatio <= TARGETS.workerCpuRatio)} |`,
    );
  }
  for (const m of report.modes) {
    if (!m.paced) continue;
    const p99 = m.paced.submitOtpOverheadMs.ekyc.p99;
    lines.push(
      `| submitOtp overhead p99 ≤ ${TARGETS.otpOverheadP99Ms} ms, ${m.paced.agents} concurrent agents (paced, ${m.mode}) | ${p99} ms | ${verdict(p99 <= TARGETS.otpOverheadP99Ms)} |`,
    );
  }
  for (const s of report.signEncrypt) {
    lines.push(
      `| sign+encrypt ≤ ${TARGETS.signEncryptUs} µs (RSA-${s.keyBits}) | ${s.meanUs} µs mean, p99 ${s.p99Us} µs | ${verdict(s.meanUs <= TARGETS.signEncryptUs)} |`,
    );
  }
  return `${lines.join('\n')}\n`;
}

const log = (line: string) => process.stderr.write(`${line}\n`);

async function main() {
  const opts = options();
  const machine = machineInfo();
  log(`bench: ${JSON.stringify(opts)}`);
  log('sign+encrypt micro-benchmark');
  const se = signEncrypt();
  log('bundling workflow code');
  const bundles = await buildBundles();
  const server = await startDevServer({ startTimeoutMs: 120_000 });
  const modes: ModeResult[] = [];
  try {
    for (const mode of opts.modes) modes.push(await runMode(mode, opts, server, bundles));
  } finally {
    await server.stop();
    await Promise.all([removeBundle(bundles.ekyc), removeBundle(bundles.baseline)]);
  }
  const report = {
    bench: 'ekyc-sessions',
    machine: { ...machine, loadAverageAtEnd: round(loadavg()[0], 2) },
    options: opts,
    targets: TARGETS,
    modes,
    signEncrypt: se,
  };
  const stem = await writeReport(opts.outDir, 'bench', machine.date, report, markdown(report));
  log(`written: ${stem}.{json,md}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
