// The privacy net every span passes before an exporter: attributes by allowlist, free text masked like the logs.
import {
  defaultTextMapGetter,
  defaultTextMapSetter,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
} from '@opentelemetry/api';
import { Resource } from '@opentelemetry/resources';
import type { ReadableSpan, SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { describe, expect, it } from 'vitest';
import { RedactingSpanProcessor, redactSpan, TraceparentOnlyPropagator } from '../../observability/otel-privacy.js';
import { syntheticAadhaar, syntheticMobile } from '../sim/eko-fixtures.js';

function span(patch: Partial<ReadableSpan> = {}): ReadableSpan {
  return {
    name: 'RunActivity:sendOtp',
    kind: SpanKind.INTERNAL,
    spanContext: () => ({ traceId: 'a'.repeat(32), spanId: 'b'.repeat(16), traceFlags: 1 }),
    parentSpanId: 'c'.repeat(16),
    startTime: [1, 0],
    endTime: [2, 0],
    status: { code: SpanStatusCode.UNSET },
    attributes: {},
    links: [],
    events: [],
    duration: [1, 0],
    ended: true,
    resource: Resource.empty(),
    instrumentationLibrary: { name: 'test' },
    droppedAttributesCount: 0,
    droppedEventsCount: 0,
    droppedLinksCount: 0,
    ...patch,
  };
}

describe('span redaction', () => {
  it('keeps allowed attributes and drops every other one, counting them as dropped', () => {
    const redacted = redactSpan(
      span({
        attributes: {
          'http.route': '/v1/ekyc/:userCode',
          'http.response.status_code': 200,
          temporalWorkflowId: 'fingpay-ekyc-12345678',
          'http.request.body': '{"otp":"123456"}',
          memo: 'anything',
          searchAttributes: ['x'],
        },
        droppedAttributesCount: 1,
      }),
    );
    expect(redacted.attributes).toEqual({
      'http.route': '/v1/ekyc/:userCode',
      'http.response.status_code': 200,
      temporalWorkflowId: 'fingpay-ekyc-12345678',
    });
    expect(redacted.droppedAttributesCount).toBe(4);
  });

  it('masks an Aadhaar-shaped or mobile-shaped number in allowed text, status messages and exception events', () => {
    const aadhaar = syntheticAadhaar();
    const mobile = syntheticMobile();
    const redacted = redactSpan(
      span({
        name: `eko.sendOtp ${aadhaar}`,
        attributes: { 'eko.outcome': `bad ${mobile}` },
        status: { code: SpanStatusCode.ERROR, message: `failed for ${aadhaar}` },
        events: [
          {
            name: 'exception',
            time: [1, 0],
            attributes: {
              'exception.type': 'EkoRejected',
              'exception.message': `no agent with mobile ${mobile}`,
              'exception.stacktrace': `Error: ${aadhaar}\n    at x`,
              'request.aadhaar': aadhaar,
            },
          },
        ],
      }),
    );
    const text = JSON.stringify({ ...redacted, spanContext: undefined });
    expect(text.includes(aadhaar)).toBe(false);
    expect(text.includes(mobile)).toBe(false);
    expect(redacted.events[0].attributes).toEqual({
      'exception.type': 'EkoRejected',
      'exception.message': 'no agent with mobile [MOBILE?]',
      'exception.stacktrace': 'Error: [AADHAAR?]\n    at x',
    });
    expect(redacted.status).toEqual({ code: SpanStatusCode.ERROR, message: 'failed for [AADHAAR?]' });
  });

  it('leaves run and update ids (UUIDs) whole, even where their digits look like a number', () => {
    const runId = '01a21576-1234-5678-9012-4e4ce4e6447a';
    expect(redactSpan(span({ attributes: { run_id: runId } })).attributes).toEqual({ run_id: runId });
  });

  it('drops link attributes and keeps the linked context', () => {
    const context = { traceId: 'd'.repeat(32), spanId: 'e'.repeat(16), traceFlags: 1 };
    const redacted = redactSpan(span({ links: [{ context, attributes: { otp: '123456' } }] }));
    expect(redacted.links).toEqual([{ context }]);
  });

  it('hands the next processor the redacted copy, with the same ids and timing', () => {
    const ended: ReadableSpan[] = [];
    const next: SpanProcessor = {
      onStart: () => undefined,
      onEnd: (s) => ended.push(s),
      forceFlush: async () => undefined,
      shutdown: async () => undefined,
    };
    const original = span({ attributes: { otp: '123456', 'eko.step': 'verifyOtp' } });
    new RedactingSpanProcessor(next).onEnd(original);
    expect(ended).toHaveLength(1);
    expect(ended[0].attributes).toEqual({ 'eko.step': 'verifyOtp' });
    expect(ended[0].spanContext()).toEqual(original.spanContext());
    expect([ended[0].startTime, ended[0].endTime, ended[0].parentSpanId]).toEqual([
      original.startTime,
      original.endTime,
      original.parentSpanId,
    ]);
  });
});

describe('trace context propagation', () => {
  const propagator = new TraceparentOnlyPropagator();
  const traceparent = `00-${'a1'.repeat(16)}-${'b2'.repeat(8)}-01`;

  it("continues a caller's traceparent but drops its tracestate", () => {
    const context = propagator.extract(
      ROOT_CONTEXT,
      { traceparent, tracestate: 'vendor=secret-value', baggage: 'user=someone' },
      defaultTextMapGetter,
    );
    const span = trace.getSpanContext(context)!;
    expect(span).toMatchObject({ traceId: 'a1'.repeat(16), spanId: 'b2'.repeat(8), traceFlags: 1, isRemote: true });
    expect(span.traceState).toBeUndefined();
    const carrier: Record<string, string> = {};
    propagator.inject(context, carrier, defaultTextMapSetter);
    expect(carrier).toEqual({ traceparent });
    expect(propagator.fields()).toEqual(['traceparent']);
  });

  it('writes traceparent alone even for a context that carries a trace state', () => {
    const withState = trace.setSpanContext(ROOT_CONTEXT, {
      traceId: 'c3'.repeat(16),
      spanId: 'd4'.repeat(8),
      traceFlags: 1,
      traceState: {
        get: () => 'secret',
        set: (() => undefined) as never,
        unset: (() => undefined) as never,
        serialize: () => 'vendor=secret',
      },
    });
    const carrier: Record<string, string> = {};
    propagator.inject(withState, carrier, defaultTextMapSetter);
    expect(Object.keys(carrier)).toEqual(['traceparent']);
    expect(JSON.stringify(carrier)).not.toContain('secret');
  });

  it('leaves a context without a traceparent as it was', () => {
    expect(propagator.extract(ROOT_CONTEXT, { tracestate: 'vendor=x' }, defaultTextMapGetter)).toBe(ROOT_CONTEXT);
  });
});
