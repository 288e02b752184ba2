// OpenTelemetry tracing for one process, started only when configuration switches it on (config/index.ts
// loadTracingConfig); when it is off, not even the SDK's modules are loaded. On, the API's request span is the parent
// of the Temporal client's calls, whose headers carry it into the workflow and on to the activities, and every span
// passes the privacy net (./otel-privacy.ts) before an exporter sees it.
import type { Tracer } from '@opentelemetry/api';
import type { Resource } from '@opentelemetry/resources';
import type { SpanExporter, SpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { TracingConfig } from '../config/index.js';
import type { Logger } from './logger.js';

/** How long a shutdown waits for the last spans to be exported. */
export const SHUTDOWN_TIMEOUT_MS = 5_000;

/** Name of the project's own tracer (API request spans, Eko call spans). */
export const TRACER_NAME = 'fingpay-ekyc';

/** A running OpenTelemetry SDK. Nothing of it exists when tracing is off. */
export interface Tracing {
  readonly tracer: Tracer;
  /** Where finished spans go (already behind the privacy net); the worker hands it to the workflow span sink. */
  readonly spanProcessor: SpanProcessor;
  readonly resource: Resource;
  /** Exports the spans ended so far. */
  forceFlush(): Promise<void>;
  /** Exports what is left (waiting SHUTDOWN_TIMEOUT_MS at most), then unregisters the SDK from the OpenTelemetry API. */
  shutdown(): Promise<void>;
}

export interface StartTracingOptions {
  /** Replaces the exporter the configuration names (tests export to memory). */
  exporter?: SpanExporter;
  /** Where the SDK's own warnings go (a collector that cannot be reached, say). */
  logger?: Logger;
}

/** Starts the SDK as configured, or returns null (and loads nothing) when tracing is off. */
export async function startTracing(config: TracingConfig, options: StartTracingOptions = {}): Promise<Tracing | null> {
  if (config.mode === 'off') return null;
  const { createTracing } = await import('./otel-sdk.js');
  return createTracing(config, options);
}
