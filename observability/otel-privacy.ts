// The privacy net of tracing: every finished span passes through here before any exporter sees it. Attributes are
// kept by name only (an allowlist, so nothing new leaks by default), and free text (names, status messages,
// exception messages and stacks) gets the logs' PII masking. The workflow span sink merges the whole WorkflowInfo
// into its spans' attributes; this is where that is cut back to ids. And what a caller sends along with its trace
// context (W3C `tracestate`, baggage) never travels on: Temporal keeps the propagated context in plain headers.
import {
  trace,
  type Context,
  type TextMapGetter,
  type TextMapPropagator,
  type TextMapSetter,
} from '@opentelemetry/api';
import type { Attributes, AttributeValue } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import type { ReadableSpan, Span, SpanProcessor, TimedEvent } from '@opentelemetry/sdk-trace-base';
import { scrubText } from './logger.js';

/** Span attributes that may leave the process: routes, status codes, Eko outcomes and Temporal ids, never inputs. */
export const SPAN_ATTRIBUTES = new Set([
  // the API's server spans
  'http.request.method',
  'http.route',
  'http.response.status_code',
  // the Eko call spans
  'eko.step',
  'eko.outcome',
  // @temporalio/interceptors-opentelemetry
  'temporalWorkflowId',
  'run_id',
  'temporalActivityId',
  'temporalUpdateId',
  // the WorkflowInfo fields the workflow span sink adds that are ids, not data
  'workflowId',
  'runId',
  'workflowType',
  'taskQueue',
  'namespace',
  'attempt',
]);

/** Attributes of exception events (a failure's type and message, both without PII by contract, masked again). */
export const EVENT_ATTRIBUTES = new Set(['exception.type', 'exception.message', 'exception.stacktrace']);

// Run and update ids are UUIDs, whose digit runs can look like an Aadhaar number to the text masking.
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function safeValue(value: AttributeValue | undefined): AttributeValue | undefined {
  if (typeof value === 'number' || typeof value === 'boolean') return value;
  if (typeof value === 'string') return UUID.test(value) ? value : scrubText(value);
  return undefined; // arrays and objects carry nothing the allowlist needs
}

function keep(attributes: Attributes | undefined, allowed: Set<string>): { kept: Attributes; dropped: number } {
  const kept: Attributes = {};
  let dropped = 0;
  for (const [key, value] of Object.entries(attributes ?? {})) {
    const safe = allowed.has(key) ? safeValue(value) : undefined;
    if (safe === undefined) dropped++;
    else kept[key] = safe;
  }
  return { kept, dropped };
}

/** A copy of the span with only allowed attributes and masked text. */
export function redactSpan(span: ReadableSpan): ReadableSpan {
  const attributes = keep(span.attributes, SPAN_ATTRIBUTES);
  const events: TimedEvent[] = span.events.map((event) => ({
    ...event,
    name: scrubText(event.name),
    attributes: keep(event.attributes, EVENT_ATTRIBUTES).kept,
  }));
  return {
    name: scrubText(span.name),
    kind: span.kind,
    spanContext: () => span.spanContext(),
    parentSpanId: span.parentSpanId,
    startTime: span.startTime,
    endTime: span.endTime,
    status: span.status.message ? { ...span.status, message: scrubText(span.status.message) } : span.status,
    attributes: attributes.kept,
    links: span.links.map((link) => ({ context: link.context })),
    events,
    duration: span.duration,
    ended: span.ended,
    resource: span.resource,
    instrumentationLibrary: span.instrumentationLibrary,
    droppedAttributesCount: span.droppedAttributesCount + attributes.dropped,
    droppedEventsCount: span.droppedEventsCount,
    droppedLinksCount: span.droppedLinksCount,
  };
}

/** Hands `next` redacted copies of finished spans. */
export class RedactingSpanProcessor implements SpanProcessor {
  constructor(private readonly next: SpanProcessor) {}

  onStart(span: Span, parentContext: Context): void {
    this.next.onStart(span, parentContext);
  }

  onEnd(span: ReadableSpan): void {
    this.next.onEnd(redactSpan(span));
  }

  forceFlush(): Promise<void> {
    return this.next.forceFlush();
  }

  shutdown(): Promise<void> {
    return this.next.shutdown();
  }
}

const TRACEPARENT = 'traceparent';

/**
 * W3C trace context, `traceparent` only. The OpenTelemetry interceptors store the propagated context in a Temporal
 * header (`_tracer-data`), which the payload codec does not encrypt, so it rests in plain text in history; a caller's
 * `tracestate` is free text of the caller's choosing (vendor data, even secrets) and must not get there. Extracting
 * drops it, so the API's request span (and every span and header after it) carries none; injecting writes
 * `traceparent` alone, should a state come from anywhere else. Baggage is not propagated at all.
 */
export class TraceparentOnlyPropagator implements TextMapPropagator {
  private readonly w3c = new W3CTraceContextPropagator();

  inject(context: Context, carrier: unknown, setter: TextMapSetter): void {
    const fields: Record<string, string> = {};
    this.w3c.inject(context, fields, {
      set: (c, key, value) => {
        (c as Record<string, string>)[key] = value;
      },
    });
    if (fields[TRACEPARENT] !== undefined) setter.set(carrier, TRACEPARENT, fields[TRACEPARENT]);
  }

  extract(context: Context, carrier: unknown, getter: TextMapGetter): Context {
    const extracted = this.w3c.extract(context, carrier, getter);
    const spanContext = trace.getSpanContext(extracted);
    if (!spanContext || spanContext === trace.getSpanContext(context) || !spanContext.traceState) return extracted;
    return trace.setSpanContext(extracted, { ...spanContext, traceState: undefined });
  }

  fields(): string[] {
    return [TRACEPARENT];
  }
}
