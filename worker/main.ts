// `ekyc worker`: configuration parsed once (a bad variable stops it with one line), then a worker runs until
// SIGINT or SIGTERM, letting in-flight Eko calls finish first.
import { hostname } from 'node:os';
import { NativeConnection } from '@temporalio/worker';
import { createActivities } from '../activities/index.js';
import { createDataConverter } from '../codec/data-converter.js';
import {
  loadCodecConfig,
  loadEkoConfig,
  loadKeyStoreConfig,
  loadTemporalConfig,
  loadTracingConfig,
  loadOtpSendCaps,
  loadDailyAuthPolicy,
  loadWorkerCacheSize,
  loadWorkerWorkflowThreads,
  loadWorkerMetricsPort,
  loadWorkerVersioning,
  loadWebhookConfig,
  type Env,
} from '../config/index.js';
import { createLogger } from '../observability/logger.js';
import { startTracing } from '../observability/tracing.js';
import { printJson } from '../client/output.js';
import { installRuntime } from './runtime.js';
import { makeCurrent, resolveDeploymentVersion } from './deployment.js';
import { checkSearchAttributes } from './search-attributes.js';
import { createEkycWorker } from './worker.js';
import { openWorkerKeys } from './seal-keys.js';

export async function runWorkerCommand(env: Env = process.env): Promise<void> {
  const temporal = loadTemporalConfig(env);
  const eko = loadEkoConfig(env);
  const codec = loadCodecConfig(env);
  const metricsPort = loadWorkerMetricsPort(env);
  const maxCachedWorkflows = loadWorkerCacheSize(env);
  const otpSends = loadOtpSendCaps(env);
  const agentPolicy = loadDailyAuthPolicy(env);
  const webhooks = loadWebhookConfig(env);
  const workflowThreads = loadWorkerWorkflowThreads(env);
  const tracingConfig = loadTracingConfig(env, 'ekyc-worker');
  const deploymentVersion = resolveDeploymentVersion(loadWorkerVersioning(env));
  const keyStore = loadKeyStoreConfig(env);
  const logger = createLogger('ekyc-worker', env);

  installRuntime({ logger, metricsPort, metricsHost: '0.0.0.0', shutdownSignals: ['SIGINT', 'SIGTERM'] });
  const tracing = await startTracing(tracingConfig, { logger });
  // Opened (and its schema migrated) before any task is taken: a worker that cannot open sealed values takes none.
  const keys = await openWorkerKeys(keyStore, logger);
  const connection = await NativeConnection.connect(temporal.connection).catch(async (err: Error) => {
    await keys.close();
    throw err;
  });
  try {
    await checkSearchAttributes(connection, temporal.namespace, (message) => logger.warn(message));
    const identity = `ekyc-worker-${process.pid}@${hostname()}`;
    const worker = await createEkycWorker({
      connection,
      namespace: temporal.namespace,
      taskQueue: temporal.taskQueue,
      identity,
      activities: createActivities({ eko, logger, otpSends, agentPolicy, sealer: keys.sealer, webhooks }),
      dataConverter: createDataConverter(codec),
      // An Eko call in flight at shutdown may finish (its own timeout plus a margin) rather than be retried.
      shutdownGraceTime: eko.timeoutMs + 5_000,
      maxCachedWorkflows,
      workflowThreads,
      tracing,
      deploymentVersion,
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
        deployment: deploymentVersion,
        keyStore: keys.sealer.store.backend,
        webhooks: webhooks ? new URL(webhooks.url).origin : null,
      },
    });
    // Resolves once a shutdown signal has drained the worker.
    const stopped = new AbortController();
    const running = worker.run().finally(() => stopped.abort());
    if (deploymentVersion) {
      // The very first release of a deployment routes to itself; later ones wait for the operator (docs/OPS.md).
      makeCurrent(connection, temporal.namespace, deploymentVersion, {
        onlyIfNeverRouted: true,
        identity,
        signal: stopped.signal,
      })
        .then((outcome) =>
          outcome === 'left-alone'
            ? logger.warn(
                { ...deploymentVersion, outcome },
                `worker deployment version not current: it takes no new sessions until an operator runs \`temporal worker deployment set-current-version --deployment-name ${deploymentVersion.deploymentName} --build-id ${deploymentVersion.buildId}\` (or set-ramping-version; docs/OPS.md "Shipping workflow changes")`,
              )
            : logger.info({ ...deploymentVersion, outcome }, 'worker deployment version'),
        )
        .catch((err: Error) =>
          logger.warn({ ...deploymentVersion, errMessage: err.message }, 'could not check the deployment routing'),
        );
    }
    await running;
    logger.info({ identity }, 'worker stopped');
  } finally {
    await connection.close();
    await keys.close();
    // The last spans (the drained activities', the workflows' that ended) are exported before the process goes.
    await tracing?.shutdown();
    logger.flush();
  }
}
