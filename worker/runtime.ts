// The Temporal Runtime of a process that runs the eKYC worker: the SDK's and the core's logs through pino, and
// Prometheus metrics (the SDK's worker metrics and the workflow's own) when a port is given. One Runtime per
// process: a process that already installed one (`ekyc dev` embedding the worker, a test) keeps it.
import { IllegalStateError } from '@temporalio/common';
import { Runtime } from '@temporalio/worker';
import { ConfigError } from '../config/index.js';
import type { Logger } from '../observability/logger.js';
import { PinoTemporalLogger } from './temporal-logger.js';

export interface RuntimeOptions {
  logger: Logger;
  /** 0: no metrics endpoint. */
  metricsPort: number;
  /** Where /metrics listens: every interface for a deployed worker, loopback for the local stack. */
  metricsHost: '0.0.0.0' | '127.0.0.1';
  /** Signals on which the Runtime shuts its workers down (a deployed worker); none when the caller handles them. */
  shutdownSignals?: NodeJS.Signals[];
}

/**
 * Installs the Runtime; false when one was installed already (that one is kept, with whatever metrics endpoint it
 * has). The Temporal core's own (Rust) log lines are forwarded to `logger` as well, so they come out as the same
 * redacted JSON on stderr as everything else: left to itself, core prints raw text on stdout, which is the command's
 * one JSON object.
 *
 * A metrics port another process holds stops the process with a ConfigError naming `EKYC_METRICS_PORT` (one line,
 * exit 2): carrying on would print a metrics URL that serves that other process, and the SDK would fall back to a
 * default Runtime whose logs bypass the redacting logger.
 */
export function installRuntime(options: RuntimeOptions): boolean {
  try {
    Runtime.install({
      logger: new PinoTemporalLogger(options.logger),
      ...(options.shutdownSignals ? { shutdownSignals: options.shutdownSignals } : {}),
      telemetryOptions: {
        // Core's warnings and errors (a lost connection, a poll that keeps failing); the SDK's own, errors only.
        logging: { forward: {}, filter: { core: 'WARN', other: 'ERROR' } },
        ...(options.metricsPort
          ? { metrics: { prometheus: { bindAddress: `${options.metricsHost}:${options.metricsPort}` } } }
          : {}),
      },
    });
    return true;
  } catch (err) {
    if (err instanceof IllegalStateError) return false;
    const message = (err as Error).message ?? String(err);
    if (options.metricsPort && /prometheus|address|bind/i.test(message)) {
      throw new ConfigError(
        'EKYC_METRICS_PORT',
        `cannot serve metrics on ${options.metricsHost}:${options.metricsPort} (${/in use/i.test(message) ? 'the port is in use by another process' : message}): free it, choose another port, or 0 to turn the endpoint off`,
      );
    }
    throw err;
  }
}
