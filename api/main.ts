// `ekyc api`: the HTTP API and the agent web page, until SIGINT or SIGTERM. Temporal is dialled lazily, so the
// process serves /healthz at once and /readyz tells when Temporal answers.
import { collectDefaultMetrics, Registry } from 'prom-client';
import { EkycClient } from '../client/index.js';
import {
  loadApiConfig,
  loadCodecConfig,
  loadKeyStoreConfig,
  loadTemporalConfig,
  loadTracingConfig,
  type ApiConfig,
  type CodecConfig,
  type Env,
  type KeyStoreConfig,
  type TemporalConfig,
} from '../config/index.js';
import { createLogger, type Logger } from '../observability/logger.js';
import { startTracing, type Tracing } from '../observability/tracing.js';
import { buildApi, type ApiOptions } from './app.js';
import { createApiMetrics } from './metrics.js';

export interface RunningApi {
  /** e.g. http://127.0.0.1:8080 */
  url: string;
  port: number;
  close(): Promise<void>;
}

export interface StartApiOptions {
  api: ApiConfig;
  temporal: TemporalConfig;
  codec: CodecConfig;
  /** Where the Aadhaar and PidData are sealed (keystore/); absent: nothing is sealed. */
  keyStore?: KeyStoreConfig;
  logger: Logger;
  publicDir?: ApiOptions['publicDir'];
  /** OpenTelemetry, when switched on (the caller starts it and shuts it down). */
  tracing?: Tracing | null;
}

/** Starts the API on the configured host and port (port 0 picks a free one); for `ekyc api` and `ekyc dev`. */
export async function startApi(options: StartApiOptions): Promise<RunningApi> {
  const client = await EkycClient.connect({
    temporal: options.temporal,
    codec: options.codec,
    callTimeoutMs: options.api.temporalTimeoutMs,
    lazy: true,
    tracing: options.tracing,
    keyStore: options.keyStore,
  });
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'ekyc_api_' });
  const app = buildApi({
    client,
    auth: options.api.jwt,
    logger: options.logger,
    metrics: createApiMetrics(registry),
    publicDir: options.publicDir,
    rateLimits: options.api.rateLimits,
    trustProxy: options.api.trustProxy,
    dailyWadh: options.api.dailyWadh ?? '',
    ...(options.tracing ? { tracer: options.tracing.tracer } : {}),
  });
  try {
    await app.listen({ host: options.api.host, port: options.api.port });
  } catch (err) {
    await client.close();
    throw err;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : options.api.port;
  const shownHost = options.api.host === '0.0.0.0' || options.api.host === '::' ? '127.0.0.1' : options.api.host;
  return {
    url: `http://${shownHost.includes(':') ? `[${shownHost}]` : shownHost}:${port}`,
    port,
    async close() {
      // Fastify answers 503 to new requests while in-flight ones finish, then the Temporal connection closes.
      await app.close();
      await client.close();
    },
  };
}

export async function runApiCommand(env: Env = process.env): Promise<void> {
  const api = loadApiConfig(env);
  const temporal = loadTemporalConfig(env);
  const codec = loadCodecConfig(env);
  const keyStore = loadKeyStoreConfig(env);
  const logger = createLogger('api', env);
  const tracing = await startTracing(loadTracingConfig(env, 'ekyc-api'), { logger });
  const running = await startApi({ api, temporal, codec, keyStore, logger, tracing });
  logger.info(
    { url: running.url, temporal: temporal.connection.address, namespace: temporal.namespace },
    'API listening',
  );
  process.stderr.write(`ekyc api: listening on ${running.url}\n`);

  await new Promise<void>((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      logger.info({ signal }, 'shutting down');
      // The last requests' spans are exported before the process goes.
      const closed = running.close().finally(() => tracing?.shutdown());
      closed.then(resolve, (err: Error) => {
        logger.error({ errType: err.name, errMessage: err.message }, 'shutdown failed');
        process.exitCode = 1;
        resolve();
      });
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  logger.flush();
}
