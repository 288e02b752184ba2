// The OpenTelemetry SDK of one process (./tracing.ts loads this module only when tracing is on): a tracer provider
// with the W3C trace-context propagator (`traceparent` only) and an AsyncLocalStorage context manager, the privacy
// net in front of a batching processor, and an OTLP/HTTP or stderr exporter.
import { context, diag, DiagLogLevel, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { Resource } from '@opentelemetry/resources';
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  BasicTracerProvider,
  BatchSpanProcessor,
  ParentBasedSampler,
  TraceIdRatioBasedSampler,
  type ReadableSpan,
  type Sampler,
  type SpanExporter,
} from '@opentelemetry/sdk-trace-base';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import type { TracingConfig } from '../config/index.js';
import { RedactingSpanProcessor, TraceparentOnlyPropagator } from './otel-privacy.js';
import { SHUTDOWN_TIMEOUT_MS, TRACER_NAME, type StartTracingOptions, type Tracing } from './tracing-types.js';

const delay = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());

/** Starts the SDK as configured (mode `otlp` or `console`). */
export function createTracing(config: TracingConfig, options: StartTracingOptions = {}): Tracing {
  const exporter = options.exporter ?? exporterFor(config);
  const resource = Resource.default().merge(new Resource({ [ATTR_SERVICE_NAME]: config.serviceName }));
  const spanProcessor = new RedactingSpanProcessor(new BatchSpanProcessor(exporter));
  const provider = new BasicTracerProvider({ resource, sampler: samplerFor(config), spanProcessors: [spanProcessor] });
  if (options.logger) {
    const log = options.logger.child({ component: 'otel' });
    diag.setLogger(
      {
        error: (message) => log.error(message),
        warn: (message) => log.warn(message),
        info: () => undefined,
        debug: () => undefined,
        verbose: () => undefined,
      },
      { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true },
    );
  }
  // `traceparent` only: a caller's `tracestate` and baggage are not carried into Temporal headers (plain in history).
  provider.register({
    contextManager: new AsyncLocalStorageContextManager(),
    propagator: new TraceparentOnlyPropagator(),
  });
  return {
    tracer: provider.getTracer(TRACER_NAME),
    spanProcessor,
    resource,
    forceFlush: () => provider.forceFlush().then(() => undefined),
    async shutdown() {
      try {
        // A collector out of reach must not hold up a graceful stop for the exporter's own timeouts.
        await Promise.race([provider.shutdown(), delay(SHUTDOWN_TIMEOUT_MS)]);
      } finally {
        trace.disable();
        context.disable();
        propagation.disable();
        diag.disable();
      }
    },
  };
}

function exporterFor(config: TracingConfig): SpanExporter {
  if (config.mode === 'console') return new StderrSpanExporter();
  return new OTLPTraceExporter({ url: config.tracesUrl ?? undefined, headers: config.headers });
}

function samplerFor(config: TracingConfig): Sampler {
  const ratio = new TraceIdRatioBasedSampler(config.samplerRatio);
  switch (config.sampler) {
    case 'always_on':
      return new AlwaysOnSampler();
    case 'always_off':
      return new AlwaysOffSampler();
    case 'traceidratio':
      return ratio;
    case 'parentbased_always_off':
      return new ParentBasedSampler({ root: new AlwaysOffSampler() });
    case 'parentbased_traceidratio':
      return new ParentBasedSampler({ root: ratio });
    case 'parentbased_always_on':
      return new ParentBasedSampler({ root: new AlwaysOnSampler() });
  }
}

/** `EKYC_TRACING=console`: one JSON line per span on stderr, next to the logs (stdout is the commands' output). */
export class StderrSpanExporter implements SpanExporter {
  export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    for (const span of spans) {
      const { traceId, spanId } = span.spanContext();
      const line = {
        span: span.name,
        traceId,
        spanId,
        parentSpanId: span.parentSpanId,
        kind: span.kind,
        durationMs: span.duration[0] * 1e3 + span.duration[1] / 1e6,
        status: span.status,
        attributes: span.attributes,
        events: span.events.map((e) => ({ name: e.name, attributes: e.attributes })),
        service: span.resource.attributes[ATTR_SERVICE_NAME],
      };
      process.stderr.write(`${JSON.stringify(line)}\n`);
    }
    done({ code: ExportResultCode.SUCCESS });
  }

  async shutdown(): Promise<void> {}
}
