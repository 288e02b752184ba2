// `ekyc worker`: configuration parsed once (a bad variable stops it with one line), then a worker runs until
// SIGINT or SIGTERM, letting in-flight Eko calls finish first.
import { hostname } from 'node:os';
import { NativeConnection } from '@temporalio/worker';
import { createActivities } from '../activities/index.js';
import { createDataConverter } from '../codec/data-converter.js';
import {
  loadCodecConfig,
  loadEkoConfig,
  loadTemporalConfig,
  loadTracingConfig,
  loadOtpSendCaps,
  loadDailyAuthPolicy,
  loadWorkerCacheSize,
  loadWorkerWorkflowThreads,
  loadWorkerMetricsPort,
  type Env,
} from '../config/index.js';
import { createLogger } from '../observability/logger.js';
import { startTracing } from '../observability/tracing.js';
import { printJson } from '../client/output.js';
import { installRuntime } from './runtime.js';
import { checkSearchAttributes } from './search-attributes.js';
import { createEkycWorker } from './worker.js';

export async function runWorkerCommand(env: Env = process.env): Promise<void> {
  const temporal = loadTemporalConfig(env);
  const eko = loadEkoConfig(env);
  const codec = loadCodecConfig(env);
  const metricsPort = loadWorkerMetricsPort(env);
  const maxCachedWorkflows = loadWorkerCacheSize(env);
  const otpSends = loadOtpSendCaps(env);
  const agentPolicy = loadDailyAuthPolicy(env);
  const workflowThreads = loadWorkerWorkflowThreads(env);
  const tracingConfig = loadTracingConfig(env, 'ekyc-worker');
  const logger = createLogger('ekyc-worker', env);

  installRuntime({ logger, metricsPort, metricsHost: '0.0.0.0', shutdownSignals: ['SIGINT', 'SIGTERM'] });
  const tracing = await startTracing(tracingConfig, { logger });
  const connection = await NativeConnection.connect(temporal.connection);
  try {
    await checkSearchAttributes(connection, temporal.namespace, (message) => logger.warn(message));
    const identity = `ekyc-worker-${process.pid}@${hostname()}`;
    const worker = await createEkycWorker({
      connection,
      namespace: temporal.namespace,
      taskQueue: temporal.taskQueue,
      identity,
      activities: createActivities({ eko, logger, otpSends, agentPolicy }),
      dataConverter: createDataConverter(codec),
      // An Eko call in flight at shutdown may finish (its own timeout plus a margin) rather than be retried.
      shutdownGraceTime: eko.timeoutMs + 5_000,
      maxCachedWorkflows,
      workflowThreads,
      tracing,
    });
    printJson({
      worker: {
        taskQueue: temporal.taskQueue,
        namespace: temporal.namespace,
        identity,
        metricsPort,
        tracing: tracingConfig.mode,
        // As the SDK took them, not as configured: what this process really runs with.
        cacheSize: worker.options.maxCachedWorkflows,
        workflowThreads: worker.options.workflowThreadPoolSize,
      },
    });
    // Resolves once a shutdown signal has drained the worker.
    await worker.run();
    logger.info({ identity }, 'worker stopped');
  } finally {
    await connection.close();
    // The last spans (the drained activities', the workflows' that ended) are exported before the process goes.
    await tracing?.shutdown();
    logger.flush();
  }
}
