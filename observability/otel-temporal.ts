// Tracing wired into Temporal with @temporalio/interceptors-opentelemetry: the client's calls put the active trace
// context into their headers, the workflow interceptors (which must be bundled into the workflow code) continue it
// and pass it to the activities, and the workflow's spans leave the sandbox through a sink into this process's
// span processor. Each Eko call gets a span of its own with its outcome.
import { createRequire } from 'node:module';
import { SpanKind, SpanStatusCode, type Tracer } from '@opentelemetry/api';
import { ApplicationFailure } from '@temporalio/common';
import type { ClientInterceptors } from '@temporalio/client';
// The package's subpaths: its index also loads the workflow-side modules, which a client has no use for.
import { OpenTelemetryWorkflowClientInterceptor } from '@temporalio/interceptors-opentelemetry/lib/client/index.js';
import {
  makeWorkflowExporter,
  OpenTelemetryActivityInboundInterceptor,
  OpenTelemetryActivityOutboundInterceptor,
} from '@temporalio/interceptors-opentelemetry/lib/worker/index.js';
import type { WorkerOptions } from '@temporalio/worker';
import type { DailyKycActivities, EkoStep, EkycActivities } from '../common/eko-steps.js';
import type { Tracing } from './tracing.js';

/** The workflow interceptor module; a workflow bundle built with it traces, one built without it does not. */
export const WORKFLOW_TRACING_MODULE = createRequire(import.meta.url).resolve(
  '@temporalio/interceptors-opentelemetry/lib/workflow-interceptors',
);

/** The workflow tracer's name, which only a bundle holding WORKFLOW_TRACING_MODULE contains. */
const WORKFLOW_TRACER_MARK = '@temporalio/interceptor-workflow';

export function bundleHasTracing(code: string): boolean {
  return code.includes(WORKFLOW_TRACER_MARK);
}

/** The Temporal client's interceptors: start, update, signal and query carry the active trace context. */
export function clientTracingInterceptors(tracing: Tracing): ClientInterceptors {
  return { workflow: [new OpenTelemetryWorkflowClientInterceptor({ tracer: tracing.tracer })] };
}

/** The worker's side: activity spans continue the workflow's context; the workflow's spans come out via a sink. */
export function workerTracingOptions(tracing: Tracing): Required<Pick<WorkerOptions, 'interceptors' | 'sinks'>> {
  return {
    interceptors: {
      activity: [
        (ctx) => ({
          inbound: new OpenTelemetryActivityInboundInterceptor(ctx, { tracer: tracing.tracer }),
          outbound: new OpenTelemetryActivityOutboundInterceptor(ctx),
        }),
      ],
    },
    sinks: { exporter: makeWorkflowExporter(tracing.spanProcessor, tracing.resource) },
  };
}

const STEP_OF: Record<keyof EkycActivities | keyof DailyKycActivities, EkoStep> = {
  sendOtp: 'sendOtp',
  verifyOtp: 'verifyOtp',
  submitBiometric: 'biometric',
  submitDailyKyc: 'dailyKyc',
};

/**
 * Each activity's Eko call as a span `eko.<step>`, a child of the activity's span, with the step, the outcome
 * (`ok` or the classified error type) and Eko's HTTP status when a failure reports one. No request field is read.
 */
export function withEkoSpans<T extends EkycActivities & Partial<DailyKycActivities>>(activities: T, tracer: Tracer): T {
  const wrap =
    <A extends unknown[], R>(name: keyof typeof STEP_OF, fn: (...args: A) => Promise<R>) =>
    (...args: A): Promise<R> => {
      const step = STEP_OF[name];
      return tracer.startActiveSpan(
        `eko.${step}`,
        { kind: SpanKind.CLIENT, attributes: { 'eko.step': step } },
        async (span) => {
          try {
            const result = await fn(...args);
            span.setAttribute('eko.outcome', 'ok');
            return result;
          } catch (err) {
            const failure = err instanceof ApplicationFailure ? err : undefined;
            span.setAttribute('eko.outcome', failure?.type ?? 'error');
            const httpStatus = (failure?.details?.[0] as { httpStatus?: unknown } | undefined)?.httpStatus;
            if (typeof httpStatus === 'number') span.setAttribute('http.response.status_code', httpStatus);
            span.setStatus({ code: SpanStatusCode.ERROR, message: failure?.type ?? (err as Error).name });
            throw err;
          } finally {
            span.end();
          }
        },
      );
    };
  return {
    ...activities,
    sendOtp: wrap('sendOtp', activities.sendOtp.bind(activities)),
    verifyOtp: wrap('verifyOtp', activities.verifyOtp.bind(activities)),
    submitBiometric: wrap('submitBiometric', activities.submitBiometric.bind(activities)),
    ...(activities.submitDailyKyc
      ? { submitDailyKyc: wrap('submitDailyKyc', activities.submitDailyKyc.bind(activities)) }
      : {}),
  };
}
