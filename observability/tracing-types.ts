// What a running tracing SDK offers, and its constants: shared by the switch (./tracing.ts) and the SDK it loads
// on demand (./otel-sdk.ts), which therefore do not import each other both ways.
import type { Tracer } from '@opentelemetry/api';
import type { Resource } from '@opentelemetry/resources';
import type { SpanExporter, SpanProcessor } from '@opentelemetry/sdk-trace-base';
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
