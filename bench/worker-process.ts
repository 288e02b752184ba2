// A benchmark worker in a process of its own, so its RSS is its own. `ekyc` runs the product's worker as
// `ekyc worker` builds it (createEkycWorker, the Eko activities, the encrypting data converter, pino logging,
// Prometheus metrics); `baseline` runs the no-op workflows of bench/baseline with the same data converter and the same
// Runtime (pino logging, the Runtime's Prometheus metrics: Temporal's own, which any deployed worker exports). The parent
// (bench/workers.ts) talks to it over the IPC channel: `ready`, `otpSent` (baseline), `memory` (after a GC), and
// `threadHeaps` (the workflow threads' live heap).
import { createRequire } from 'node:module';
import type { Worker as WorkerThread } from 'node:worker_threads';
import { Worker, NativeConnection } from '@temporalio/worker';
import { createActivities } from '../activities/index.js';
import { createDataConverter } from '../codec/data-converter.js';
import {
  loadCodecConfig,
  loadDailyAuthPolicy,
  loadEkoConfig,
  loadOtpSendCaps,
  loadWorkerMetricsPort,
  loadWorkerWorkflowThreads,
} from '../config/index.js';
import { createLogger } from '../observability/logger.js';
import { installRuntime } from '../worker/runtime.js';
import { createEkycWorker, workerDataConverter } from '../worker/worker.js';
import { createBaselineActivities, createBaselineAgentActivities } from './baseline/activities.js';
import type { FromWorker, ToWorker } from './workers.js';

const env = process.env;

/**
 * Every workflow thread the SDK starts (it constructs them through `require('node:worker_threads').Worker`), so
 * `threadHeaps` can read their heaps: this thread's GC and memoryUsage() do not reach them.
 */
const workflowThreads: WorkerThread[] = [];
const threadsModule = createRequire(import.meta.url)('node:worker_threads') as { Worker: typeof WorkerThread };
threadsModule.Worker = class extends threadsModule.Worker {
  constructor(...args: ConstructorParameters<typeof WorkerThread>) {
    super(...args);
    workflowThreads.push(this);
  }
};

/** The workflow threads' live heap: a heap snapshot makes each thread collect first; the snapshot is discarded. */
async function threadHeaps(): Promise<{ usedHeap: number; threads: number }> {
  let usedHeap = 0;
  let threads = 0;
  for (const thread of workflowThreads) {
    if (thread.threadId < 0) continue; // exited
    for await (const _chunk of await thread.getHeapSnapshot());
    usedHeap += (await thread.getHeapStatistics()).used_heap_size;
    threads++;
  }
  return { usedHeap, threads };
}
const kind = env.BENCH_WORKER_KIND;
const send = (message: FromWorker) => process.send?.(message);

async function main() {
  if (kind !== 'ekyc' && kind !== 'baseline') throw new Error('BENCH_WORKER_KIND must be ekyc or baseline');
  const logger = createLogger(`bench-worker-${kind}`, env);
  // Both kinds export the Runtime's metrics as `ekyc worker` does: the SDK's and core's own (task latencies, pollers,
  // slots) are Temporal's work, not ours; what only the product records (ekyc_* metrics) stays its own cost.
  const metricsPort = loadWorkerMetricsPort(env);
  installRuntime({ logger, metricsPort, metricsHost: '127.0.0.1', shutdownSignals: ['SIGINT', 'SIGTERM'] });
  const connection = await NativeConnection.connect({ address: env.TEMPORAL_ADDRESS! });
  const maxCachedWorkflows = env.BENCH_MAX_CACHED ? Number(env.BENCH_MAX_CACHED) : undefined;
  // Both kinds run as many workflow threads as `ekyc worker` would (EKYC_WORKER_WORKFLOW_THREADS or its default).
  const workflowThreads = loadWorkerWorkflowThreads(env);
  const common = {
    connection,
    namespace: env.TEMPORAL_NAMESPACE ?? 'default',
    taskQueue: env.BENCH_TASK_QUEUE!,
    workflowBundle: { codePath: env.BENCH_BUNDLE! },
    identity: `bench-${kind}-${process.pid}`,
  };
  const worker =
    kind === 'ekyc'
      ? await createEkycWorker({
          ...common,
          activities: createActivities({
            eko: loadEkoConfig(env),
            logger,
            otpSends: loadOtpSendCaps(env),
            agentPolicy: loadDailyAuthPolicy(env),
          }),
          dataConverter: createDataConverter(loadCodecConfig(env)),
          shutdownGraceTime: '5s',
          ...(maxCachedWorkflows !== undefined ? { maxCachedWorkflows } : {}),
          workflowThreads,
        })
      : await Worker.create({
          ...common,
          // The product's data converter (AES-GCM codec, failure converter, fail-closed codec), as in createEkycWorker:
          // the baseline differs from the product in the code we wrote, not in what Temporal stores.
          dataConverter: workerDataConverter(createDataConverter(loadCodecConfig(env))),
          activities: {
            ...createBaselineActivities(Number(env.BENCH_LATENCY_MS ?? 0), (userCode) =>
              send({ type: 'otpSent', userCode }),
            ),
            ...createBaselineAgentActivities(Number(env.BENCH_LATENCY_MS ?? 0)),
          },
          shutdownGraceTime: '5s',
          ...(maxCachedWorkflows !== undefined ? { maxCachedWorkflows } : {}),
          workflowThreadPoolSize: workflowThreads,
        });

  process.on('message', (message: ToWorker) => {
    if (message.type === 'memory') {
      (globalThis as { gc?: () => void }).gc?.();
      const m = process.memoryUsage();
      send({ type: 'memory', rss: m.rss, heapUsed: m.heapUsed, external: m.external });
    } else if (message.type === 'threadHeaps') {
      void threadHeaps().then((heaps) => send({ type: 'threadHeaps', ...heaps }));
    } else if (message.type === 'stop' && worker.getState() === 'RUNNING') {
      worker.shutdown();
    }
  });
  // If the driver dies, so does its worker.
  process.on('disconnect', () => {
    if (worker.getState() === 'RUNNING') worker.shutdown();
  });
  const running = worker.run();
  send({ type: 'ready', pid: process.pid, maxCachedWorkflows: worker.options.maxCachedWorkflows });
  await running;
  await connection.close();
  logger.flush();
  process.disconnect?.();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
