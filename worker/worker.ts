// Builds the eKYC worker: the workflow code (pre-bundled in production) and the Eko activities, kept alive by
// heartbeats so that an attempt lost with a crashed worker is retried within the workflow's heartbeat timeout.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Context } from '@temporalio/activity';
import type { DataConverter, WorkerDeploymentVersion } from '@temporalio/common';
import { Worker, type NativeConnection, type WorkflowBundleOption } from '@temporalio/worker';
import type { DailyKycActivities, EkycActivities } from '../common/eko-steps.js';
import type { WorkerActivities } from '../activities/index.js';
import { FailClosedCodec } from '../codec/fail-closed.js';
import { DEFAULT_WORKFLOW_THREADS } from '../config/index.js';
import {
  bundleHasTracing,
  WORKFLOW_TRACING_MODULE,
  withEkoSpans,
  workerTracingOptions,
} from '../observability/otel-temporal.js';
import type { Tracing } from '../observability/tracing.js';

// Same extension as this module: .ts under the tests, .js once built (as codec/data-converter.ts does).
const ext = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
export const WORKFLOWS_PATH = fileURLToPath(new URL(`../workflows/index${ext}`, import.meta.url));
/** Written by `npm run build` (worker/bundle.ts); only a built worker picks it up by itself. */
export const PREBUILT_BUNDLE_PATH = fileURLToPath(new URL('../workflow-bundle.js', import.meta.url));
/** The same workflow code with the OpenTelemetry workflow interceptors, for workers with tracing on. */
export const PREBUILT_TRACED_BUNDLE_PATH = fileURLToPath(new URL('../workflow-bundle-traced.js', import.meta.url));

/** Well inside the workflow's 20s heartbeat timeout (workflows/eko-calls.ts), even on a busy machine. */
export const HEARTBEAT_INTERVAL_MS = 5_000;

export interface EkycWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  activities: WorkerActivities;
  dataConverter: DataConverter;
  /**
   * Pre-bundled workflow code; by default the built bundle when running from dist/, else the sources. With
   * tracing on it must have been bundled with the workflow tracing interceptors (bundleWorkflows({ tracing })).
   */
  workflowBundle?: WorkflowBundleOption;
  /** OpenTelemetry (observability/tracing.ts); absent or null: no interceptor, no sink, the untraced bundle. */
  tracing?: Tracing | null;
  identity?: string;
  /** How long in-flight Eko calls may finish after shutdown is requested before they are cancelled. */
  shutdownGraceTime?: string | number;
  /** Sessions kept in the worker's cache; the SDK's default grows with the heap limit (docs/PERFORMANCE.md). */
  maxCachedWorkflows?: number;
  /** Threads running workflow tasks; DEFAULT_WORKFLOW_THREADS (config/index.ts) when absent. */
  workflowThreads?: number;
  /**
   * The Worker Deployment Version this worker runs as (worker/deployment.ts); absent or null: an unversioned worker
   * (the tests' in-process workers, EKYC_WORKER_VERSIONING=off).
   */
  deploymentVersion?: WorkerDeploymentVersion | null;
}

/**
 * What a workflow does when a newer version becomes current, unless it says otherwise (workflows/*.ts declare it
 * with setWorkflowOptions): pinned, so that a workflow type added without a declaration never meets code that was
 * not written for its history. It costs keeping the old version's workers until its runs have closed.
 */
export const DEFAULT_VERSIONING_BEHAVIOR = 'PINNED' as const;

/** Fail closed: a payload that arrives unencrypted reaches the workflow as a marker, never as its value. */
export function workerDataConverter(dataConverter: DataConverter): DataConverter {
  return { ...dataConverter, payloadCodecs: [...(dataConverter.payloadCodecs ?? []), new FailClosedCodec()] };
}

export async function createEkycWorker(opts: EkycWorkerOptions): Promise<Worker> {
  const tracing = opts.tracing ?? null;
  const workflowBundle = opts.workflowBundle ?? defaultBundle(tracing !== null);
  if (tracing && workflowBundle) assertTracedBundle(workflowBundle);
  const traced = tracing ? workerTracingOptions(tracing) : null;
  const activities = tracing ? withEkoSpans(opts.activities, tracing.tracer) : opts.activities;
  return Worker.create({
    connection: opts.connection,
    namespace: opts.namespace,
    taskQueue: opts.taskQueue,
    ...(opts.identity ? { identity: opts.identity } : {}),
    dataConverter: workerDataConverter(opts.dataConverter),
    activities: withHeartbeats(activities),
    ...(workflowBundle ? { workflowBundle } : { workflowsPath: WORKFLOWS_PATH }),
    // Bundling from the sources (no pre-built bundle) takes the workflow tracing module in here.
    ...(traced
      ? {
          interceptors: {
            ...traced.interceptors,
            ...(workflowBundle ? {} : { workflowModules: [WORKFLOW_TRACING_MODULE] }),
          },
          sinks: traced.sinks,
        }
      : {}),
    shutdownGraceTime: opts.shutdownGraceTime ?? '20s',
    ...(opts.maxCachedWorkflows !== undefined ? { maxCachedWorkflows: opts.maxCachedWorkflows } : {}),
    workflowThreadPoolSize: opts.workflowThreads ?? DEFAULT_WORKFLOW_THREADS,
    ...(opts.deploymentVersion
      ? {
          workerDeploymentOptions: {
            useWorkerVersioning: true,
            version: opts.deploymentVersion,
            defaultVersioningBehavior: DEFAULT_VERSIONING_BEHAVIOR,
          },
        }
      : {}),
  });
}

export function defaultBundle(traced: boolean): WorkflowBundleOption | undefined {
  // Under the tests (.ts) a stale dist/ bundle must never stand in for the sources.
  const path = traced ? PREBUILT_TRACED_BUNDLE_PATH : PREBUILT_BUNDLE_PATH;
  return ext === '.js' && existsSync(path) ? { codePath: path } : undefined;
}

/** Tracing with workflow code bundled without its interceptors would lose the workflow's spans silently. */
function assertTracedBundle(bundle: WorkflowBundleOption): void {
  const code = 'code' in bundle ? bundle.code : readFileSync(bundle.codePath, 'utf8');
  if (!bundleHasTracing(code)) {
    throw new Error('tracing is on, but the workflow bundle was built without the tracing interceptors');
  }
}

/** Each activity heartbeats while its Eko call is in flight (the call itself cannot report progress). */
export function withHeartbeats<T extends EkycActivities & Partial<DailyKycActivities>>(activities: T): T {
  const wrap =
    <A extends unknown[], R>(fn: (...args: A) => Promise<R>) =>
    async (...args: A): Promise<R> => {
      const context = Context.current();
      const timer = setInterval(() => context.heartbeat(), HEARTBEAT_INTERVAL_MS);
      try {
        return await fn(...args);
      } finally {
        clearInterval(timer);
      }
    };
  return {
    ...activities,
    sendOtp: wrap(activities.sendOtp.bind(activities)),
    verifyOtp: wrap(activities.verifyOtp.bind(activities)),
    submitBiometric: wrap(activities.submitBiometric.bind(activities)),
    ...(activities.submitDailyKyc ? { submitDailyKyc: wrap(activities.submitDailyKyc.bind(activities)) } : {}),
  };
}
