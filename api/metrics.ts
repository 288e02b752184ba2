// Prometheus metrics of the HTTP API. Labels are route templates, methods, status codes and outcome codes:
// never a user code, a body or anything else a request carries.
import { Counter, Histogram, Registry } from 'prom-client';

export interface ApiMetrics {
  registry: Registry;
  requests: Counter<'method' | 'route' | 'status_code'>;
  duration: Histogram<'method' | 'route' | 'status_code'>;
  /** One per session step served: `result` is `accepted` or the outcome/error code. */
  steps: Counter<'step' | 'result'>;
}

export function createApiMetrics(registry = new Registry()): ApiMetrics {
  return {
    registry,
    requests: new Counter({
      name: 'ekyc_api_http_requests_total',
      help: 'HTTP requests served, by route template, method and status code',
      labelNames: ['method', 'route', 'status_code'],
      registers: [registry],
    }),
    duration: new Histogram({
      name: 'ekyc_api_http_request_duration_seconds',
      help: 'HTTP request duration, by route template, method and status code',
      labelNames: ['method', 'route', 'status_code'],
      // Updates wait for Eko: seconds, not milliseconds, matter here.
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers: [registry],
    }),
    steps: new Counter({
      name: 'ekyc_api_steps_total',
      help: 'Session steps requested through the API, by step and result (accepted, or the outcome or error code)',
      labelNames: ['step', 'result'],
      registers: [registry],
    }),
  };
}

/** Outcome and error codes are the workflow's and the client's own constants; anything else is folded. */
export function resultLabel(code: string | undefined): string {
  return code && /^[A-Za-z_]{1,40}$/.test(code) ? code : 'OTHER';
}
