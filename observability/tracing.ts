// OpenTelemetry tracing for one process, started only when configuration switches it on (config/index.ts
// loadTracingConfig); when it is off, not even the SDK's modules are loaded. On, the API's request span is the parent
// of the Temporal client's calls, whose headers carry it into the workflow and on to the activities, and every span
// passes the privacy net (./otel-privacy.ts) before an exporter sees it.
import type { TracingConfig } from '../config/index.js';
import type { StartTracingOptions, Tracing } from './tracing-types.js';

export { SHUTDOWN_TIMEOUT_MS, TRACER_NAME, type StartTracingOptions, type Tracing } from './tracing-types.js';

/** Starts the SDK as configured, or returns null (and loads nothing) when tracing is off. */
export async function startTracing(config: TracingConfig, options: StartTracingOptions = {}): Promise<Tracing | null> {
  if (config.mode === 'off') return null;
  const { createTracing } = await import('./otel-sdk.js');
  return createTracing(config, options);
}
