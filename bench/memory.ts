// `npm run bench:memory`: the worker's memory while many sessions wait for their OTP, and how long an evicted
// session takes to resume. One worker (own process, --expose-gc) with the sticky cache `ekyc worker` ships with
// (EKYC_WORKER_CACHE_SIZE's default), or with every session cached (--cache all); RSS after a full GC is read at
// each step of 1,000 waiting sessions. Then a second worker with a small cache takes over, and submitOtp on
// sessions it has not cached (full history replay) is timed against sessions it has just loaded.
// Flags (or BENCH_* variables): --sessions (5000), --step (1000), --cache (shipped default, or all),
// --resume-samples (100), --small-cache (50), --kind (ekyc, or baseline: the no-op workflow of bench/baseline,
// for the SDK's own cost per cached workflow).
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { Client } from '@temporalio/client';
import { EkycClient } from '../client/index.js';
import { createDataConverter } from '../codec/data-converter.js';
import { loadCodecConfig, loadWorkerCacheSize } from '../config/index.js';
import { startDevServer } from '../dev/temporal-server.js';
import { EkoSimulator } from '../sim/eko-sim.js';
import { CREDENTIALS } from '../test/sim/eko-fixtures.js';
import { OtpBoard, baselineBoard, syntheticAgent } from './driver.js';
import { machineInfo } from './machine.js';
import { cacheOf, verdict, waitForCount, wholeNumber, writeReport } from './report.js';
import { mib, pool, round, sleep, slope, summarize, type Summary } from './stats.js';
import { BASELINE_WORKFLOW_TYPE } from './baseline/shared.js';
import {
  BENCH_CODEC_KEYS,
  ROOT,
  buildBundle,
  removeBundle,
  spawnWorker,
  type BenchWorker,
  type WorkerKind,
} from './workers.js';

const TARGET_MIB_PER_1000 = 25;
const TASK_QUEUE = 'bench-memory';

function options() {
  const { values } = parseArgs({
    options: {
      sessions: { type: 'string' },
      step: { type: 'string' },
      'resume-samples': { type: 'string' },
      'small-cache': { type: 'string' },
      cache: { type: 'string' },
      kind: { type: 'string' },
      out: { type: 'string' },
    },
  });
  const env = process.env;
  const int = (v: string | undefined, name: string, fallback: number) => wholeNumber(v, name, fallback, 1);
  return {
    sessions: int(values.sessions ?? env.BENCH_MEMORY_SESSIONS, '--sessions', 5000),
    step: int(values.step ?? env.BENCH_MEMORY_STEP, '--step', 1000),
    resumeSamples: int(values['resume-samples'] ?? env.BENCH_RESUME_SAMPLES, '--resume-samples', 100),
    smallCache: int(values['small-cache'] ?? env.BENCH_SMALL_CACHE, '--small-cache', 50),
    /** The measured worker's cache: what `ekyc worker` ships with unless told otherwise; 'all' caches every session. */
    cache: cacheOf(values.cache ?? env.BENCH_MEMORY_CACHE),
    kind: kindOf(values.kind ?? env.BENCH_MEMORY_KIND ?? 'ekyc'),
    outDir: values.out ?? env.BENCH_OUT ?? join(ROOT, 'artifacts', 'bench'),
  };
}

function kindOf(kind: string): WorkerKind {
  if (kind !== 'ekyc' && kind !== 'baseline') throw new Error('--kind takes ekyc or baseline');
  return kind;
}

const log = (line: string) => process.stderr.write(`${line}\n`);

async function main() {
  const opts = options();
  const machine = machineInfo();
  log(`bench:memory: ${JSON.stringify(opts)}`);
  const bundle = await buildBundle(opts.kind);
  const server = await startDevServer({ startTimeoutMs: 120_000 });
  let board = new OtpBoard();
  const sim = await EkoSimulator.start({ ...CREDENTIALS, modulusLength: 1024, logger: board.simLogger() });
  const workers: BenchWorker[] = [];
  let current: BenchWorker | undefined;
  let died: Error | undefined;
  let finished = false;
  const spawn = async (maxCachedWorkflows: number) => {
    const w = await spawnWorker({
      kind: opts.kind,
      temporalAddress: server.address,
      taskQueue: TASK_QUEUE,
      bundlePath: bundle,
      sim,
      maxCachedWorkflows,
      // V8's default heap limit (about 4 GiB here) also caps each workflow thread; thousands of cached sessions
      // need more, as the SDK's own start-up warning suggests. A bounded cache runs on the defaults, as shipped: a
      // larger limit only lets V8 put off collecting the workflow threads' garbage (gc() reaches the main thread only).
      nodeFlags: ['--expose-gc', ...(maxCachedWorkflows > opts.sessions ? ['--max-old-space-size=16384'] : [])],
    });
    workers.push(w);
    void w.exited.then(({ code, signal }) => {
      if (!finished && w === current) died = new Error(`worker exited (${code ?? signal}): ${w.stderr().slice(-1500)}`);
    });
    current = w;
    await w.ready;
    if (opts.kind === 'baseline') board = baselineBoard(w);
    return w;
  };
  const ekyc = await EkycClient.connect({
    temporal: { connection: { address: server.address }, namespace: server.namespace, taskQueue: TASK_QUEUE },
    codec: loadCodecConfig({ EKYC_CODEC_KEYS: BENCH_CODEC_KEYS }),
    callTimeoutMs: 120_000,
  });
  const plain = new Client({
    connection: ekyc.client.connection,
    namespace: server.namespace,
    dataConverter: createDataConverter(loadCodecConfig({ EKYC_CODEC_KEYS: BENCH_CODEC_KEYS })),
  });
  const waiting: string[] = [];
  const startWaiting = async (count: number) => {
    await pool(count, 50, async () => {
      if (died) throw died;
      const input = syntheticAgent();
      sim.addAgent({ userCode: input.userCode, aadhaar: input.aadhaar, mobile: input.customerId });
      const otpOut = board.wait(input.userCode);
      if (opts.kind === 'ekyc') await ekyc.startEkyc(input);
      else {
        // The baseline worker runs the product's data converter: started through the same codec, without the library.
        await plain.workflow.start(BASELINE_WORKFLOW_TYPE, {
          taskQueue: TASK_QUEUE,
          workflowId: `bench-baseline-${input.userCode}`,
          args: [input],
        });
      }
      await otpOut;
      waiting.push(input.userCode);
    });
    // The OTP is out once Eko answered; the session waits once the workflow has taken that answer.
    const type = opts.kind === 'ekyc' ? 'fingpayEkyc' : BASELINE_WORKFLOW_TYPE;
    const query = `WorkflowType = '${type}' AND EkycStage = 'AWAITING_OTP' AND ExecutionStatus = 'Running'`;
    await waitForCount(ekyc.client, query, waiting.length, { died: () => died });
  };

  try {
    const big = await spawn(opts.cache === 'all' ? opts.sessions + 1000 : opts.cache);
    // The first sessions load the workflow bundle into the worker's V8 contexts: a one-time cost, not per session.
    await startWaiting(50);
    const steps: { sessions: number; rssMiB: number; heapUsedMiB: number }[] = [];
    const measure = async () => {
      await sleep(2000); // let in-flight completions and logs settle
      const m = await big.memory();
      steps.push({ sessions: waiting.length, rssMiB: mib(m.rss), heapUsedMiB: mib(m.heapUsed) });
      log(`  ${waiting.length} waiting: RSS ${mib(m.rss)} MiB, heap used ${mib(m.heapUsed)} MiB`);
    };
    await measure();
    while (waiting.length < opts.sessions + 50) {
      const started = performance.now();
      await startWaiting(Math.min(opts.step, opts.sessions + 50 - waiting.length));
      log(`started ${waiting.length - 50} sessions (${round((performance.now() - started) / 1000)} s for this step)`);
      await measure();
    }
    const rss = steps.map((s) => ({ x: s.sessions, y: s.rssMiB }));
    const heap = steps.map((s) => ({ x: s.sessions, y: s.heapUsedMiB }));
    // Beyond the cache, a waiting session lives only in Temporal: what each further 1,000 cost the worker.
    const beyond = opts.cache === 'all' ? [] : rss.filter((p) => p.x > (opts.cache as number));
    const perThousand = {
      rssMiB: round(slope(rss) * 1000, 2),
      rssBeyondCacheMiB: beyond.length >= 2 ? round(slope(beyond) * 1000, 2) : null,
      heapUsedMiB: round(slope(heap) * 1000, 2),
      rssEndToEndMiB: round(
        ((steps.at(-1)!.rssMiB - steps[0].rssMiB) * 1000) / (steps.at(-1)!.sessions - steps[0].sessions),
        2,
      ),
    };

    const report = {
      bench: 'ekyc-memory',
      kind: opts.kind,
      machine: { ...machine, loadAverageAtEnd: round(loadavg()[0], 2) },
      options: opts,
      target: { mibPer1000WaitingSessions: TARGET_MIB_PER_1000 },
      steps,
      perThousandWaitingSessions: perThousand,
      ...(opts.kind === 'ekyc' ? { resume: await resume(big) } : {}),
    };
    await writeReport(opts.outDir, `bench-memory-${opts.kind}`, machine.date, report, markdown(report));
  } finally {
    finished = true;
    await ekyc.close();
    await Promise.all(workers.map((w) => w.stop()));
    await sim.stop();
    await server.stop();
    await removeBundle(bundle);
  }

  /** Sessions still cached by `big` first (the latest ones), then a fresh worker with a small cache. */
  async function resume(big: BenchWorker) {
    const pick = (n: number) => waiting.splice(0, n);
    const latest = (n: number) => waiting.splice(-n, n);
    const submit = async (userCode: string) => {
      const otp = sim.currentOtp(userCode)!;
      const t = performance.now();
      const outcome = await ekyc.submitOtp(userCode, otp);
      if (!outcome.accepted) throw new Error(`submitOtp not accepted: ${outcome.code}`);
      return performance.now() - t;
    };
    const cachedMs: number[] = [];
    const inCache = Math.min(opts.resumeSamples, opts.cache === 'all' ? Infinity : opts.cache);
    for (const userCode of latest(inCache)) cachedMs.push(await submit(userCode));
    log(`cached submitOtp: p50 ${summarize(cachedMs).p50} ms`);
    current = undefined;
    await big.stop();

    const small = await spawn(opts.smallCache);
    for (const userCode of pick(5)) await submit(userCode); // loads the bundle into the new worker's contexts
    const evictedMs: number[] = [];
    for (const userCode of pick(opts.resumeSamples)) evictedMs.push(await submit(userCode));
    log(`evicted submitOtp: p50 ${summarize(evictedMs).p50} ms`);
    // The same worker, for sessions it has just loaded (a status query brings a session into the cache).
    const warmMs: number[] = [];
    for (const userCode of pick(Math.min(opts.resumeSamples, opts.smallCache - 1))) {
      await ekyc.status(userCode);
      warmMs.push(await submit(userCode));
    }
    const smallMemory = await small.memory();
    return {
      cachedSubmitOtpMs: summarize(cachedMs),
      evictedSubmitOtpMs: summarize(evictedMs),
      justLoadedSubmitOtpMs: summarize(warmMs),
      smallCacheWorker: {
        maxCachedWorkflows: opts.smallCache,
        openSessions: opts.sessions + 50,
        rssMiB: mib(smallMemory.rss),
      },
    };
  }
}

interface Resume {
  cachedSubmitOtpMs: Summary;
  evictedSubmitOtpMs: Summary;
  justLoadedSubmitOtpMs: Summary;
  smallCacheWorker: { maxCachedWorkflows: number; openSessions: number; rssMiB: number };
}

const meets = (mibPer1000: number) => verdict(mibPer1000 <= TARGET_MIB_PER_1000);

function markdown(r: {
  kind: WorkerKind;
  options: { cache: number | 'all' };
  machine: ReturnType<typeof machineInfo>;
  steps: { sessions: number; rssMiB: number; heapUsedMiB: number }[];
  perThousandWaitingSessions: {
    rssMiB: number;
    rssBeyondCacheMiB: number | null;
    heapUsedMiB: number;
    rssEndToEndMiB: number;
  };
  resume?: Resume;
}) {
  const p = r.perThousandWaitingSessions;
  const cell = (s: Summary) => `${s.p50} / ${s.p95} / ${s.max}`;
  const what = r.kind === 'ekyc' ? 'eKYC' : 'baseline (no-op workflow)';
  const lines = [
    `### Worker memory, ${what} — ${r.machine.date.slice(0, 10)}`,
    '',
    `${r.machine.cpus} × ${r.machine.cpuModel}; load average ${r.machine.loadAverageAtStart} at start. ${r.options.cache === 'all' ? 'Every session cached.' : `Sticky cache of ${r.options.cache} sessions${r.options.cache === loadWorkerCacheSize({}) ? ' (the default of `ekyc worker`)' : ''}.`}`,
    '',
    '| sessions waiting for the OTP | worker RSS after GC (MiB) | main-thread V8 heap used (MiB) |',
    '| ---: | ---: | ---: |',
    ...r.steps.map((s) => `| ${s.sessions} | ${s.rssMiB} | ${s.heapUsedMiB} |`),
    '',
    `Per 1,000 waiting sessions (least-squares slope over all steps): ${p.rssMiB} MiB RSS (main-thread heap ${p.heapUsedMiB} MiB; ` +
      `the workflows live in the SDK's worker threads); first to last step: ${p.rssEndToEndMiB} MiB.`,
    p.rssBeyondCacheMiB === null
      ? `Every session cached: **${p.rssMiB} MiB per 1,000**. Target ≤ ${TARGET_MIB_PER_1000} MB: ${meets(p.rssMiB)}.`
      : `Beyond the cache of ${r.options.cache} (steps above it): **${p.rssBeyondCacheMiB} MiB per 1,000 waiting sessions**. ` +
        `Target ≤ ${TARGET_MIB_PER_1000} MB: ${meets(p.rssBeyondCacheMiB)}.`,
    '',
  ];
  if (r.resume) {
    const z = r.resume;
    lines.push(
      '| submitOtp round trip, one at a time | p50 / p95 / max (ms) |',
      '| --- | --- |',
      `| session in the worker's cache | ${cell(z.cachedSubmitOtpMs)} |`,
      `| evicted session (new worker, cache of ${z.smallCacheWorker.maxCachedWorkflows}: full replay first) | ${cell(z.evictedSubmitOtpMs)} |`,
      `| same worker, session just loaded by a status query | ${cell(z.justLoadedSubmitOtpMs)} |`,
      '',
      `With a cache of ${z.smallCacheWorker.maxCachedWorkflows}, the worker serving ${z.smallCacheWorker.openSessions} open sessions used ${z.smallCacheWorker.rssMiB} MiB RSS.`,
      '',
    );
  }
  return lines.join('\n');
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
