// The privacy suites' stack: the real Temporal dev server (globalSetup), the Eko simulator, real activities and
// an in-process worker whose logs (activities and the Temporal Runtime) are captured; plus readers of the raw
// history WITHOUT the codec (Temporal CLI and a codec-less client) and scanners for plaintext PII.
import { execFile } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { inject } from 'vitest';
import { Client, Connection } from '@temporalio/client';
import type { DataConverter, Payload } from '@temporalio/common';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import type { temporal } from '@temporalio/proto';
import { DefaultLogger, NativeConnection, Runtime, type Worker } from '@temporalio/worker';
import { createActivities, type ActivityDeps } from '../../activities/index.js';
import { EkycClient } from '../../client/index.js';
import { findTemporalCli } from '../../dev/temporal-server.js';
import { isFinalStage, type EkycStatus, type Stage } from '../../common/domain.js';
import type { EkoSimulator } from '../../sim/eko-sim.js';
import { bundleWorkflows } from '../../worker/bundle.js';
import { PinoTemporalLogger } from '../../worker/temporal-logger.js';
import { createEkycWorker } from '../../worker/worker.js';
import { ekoConfigFor, pidData, startSim } from '../sim/eko-fixtures.js';
import { captureLogs, type LogCapture } from '../codec/helpers.js';
import { stopWorker } from '../support/stop-worker.js';

const run = promisify(execFile);
export type History = temporal.api.history.v1.IHistory;

let logs: LogCapture | undefined;
/**
 * One log capture per test file: the activities' logger and the Temporal Runtime's (SDK, worker and workflow
 * logs) both write through the project's redacting logger into it. Must run before any worker is created.
 */
export function captureRuntimeLogs(): LogCapture {
  if (logs) return logs;
  logs = captureLogs('ekyc-worker', 'debug');
  Runtime.install({ logger: new PinoTemporalLogger(logs.logger) });
  return logs;
}

/** Which Temporal server: the run's shared one (globalSetup) unless a test starts its own. */
export interface TemporalServer {
  address: string;
  namespace: string;
}
const defaultServer = (): TemporalServer => ({
  address: inject('temporalAddress'),
  namespace: inject('temporalNamespace'),
});

let bundle: Promise<string> | undefined;
const workflowCode = () => (bundle ??= bundleWorkflows(new DefaultLogger('WARN')));

export interface WorkerRun {
  worker: Worker;
  stop(): Promise<void>;
}

export async function startWorker(
  sim: EkoSimulator,
  taskQueue: string,
  dataConverter: DataConverter,
  log: LogCapture,
  server: TemporalServer = defaultServer(),
  deps: Partial<ActivityDeps> = {},
): Promise<WorkerRun> {
  const connection = await NativeConnection.connect({ address: server.address });
  const worker = await createEkycWorker({
    connection,
    namespace: server.namespace,
    taskQueue,
    activities: createActivities({ eko: ekoConfigFor(sim, { timeoutMs: 5_000 }), logger: log.logger, ...deps }),
    dataConverter,
    workflowBundle: { code: await workflowCode() },
    shutdownGraceTime: '2s',
  });
  const running = worker.run();
  return {
    worker,
    async stop() {
      await stopWorker(worker, running, connection);
    },
  };
}

export async function connectClient(
  dataConverter?: DataConverter,
  server: TemporalServer = defaultServer(),
): Promise<{ client: Client; close(): Promise<void> }> {
  const connection = await Connection.connect({ address: server.address });
  const client = new Client({ connection, namespace: server.namespace, dataConverter });
  return { client, close: () => connection.close() };
}

export const newTaskQueue = () => `ekyc-privacy-${randomUUID()}`;
export { startSim, pidData };

/** A PidData block with a unique marker in it, so a search for it can only find this one. */
export function markedPidData(): { pid: string; marker: string } {
  const marker = randomBytes(24).toString('base64');
  return { pid: pidData({ mc: marker }), marker };
}

export async function waitForStage(
  ekyc: EkycClient,
  userCode: string,
  stage: Stage,
  timeoutMs = 60_000,
): Promise<EkycStatus> {
  const deadline = Date.now() + timeoutMs;
  let last: EkycStatus | undefined;
  let lastError: Error | undefined;
  while (Date.now() < deadline) {
    last = await ekyc.status(userCode).catch((err: Error) => {
      lastError = err;
      return undefined;
    });
    if (last?.stage === stage) return last;
    if (last && isFinalStage(last.stage)) break;
    await new Promise((r) => setTimeout(r, 150));
  }
  throw new Error(
    `timed out waiting for stage ${stage}; last stage ${last?.stage ?? 'unknown'}` +
      (last ? '' : ` (${lastError?.name}: ${lastError?.message})`),
  );
}

/** `temporal workflow show --output json`, as an operator without the codec would read the history. */
export async function historyViaCli(workflowId: string, extraArgs: string[] = []): Promise<string> {
  const cli = findTemporalCli();
  if (!cli) throw new Error('the Temporal CLI is not on PATH (nor TEMPORAL_CLI_PATH)');
  const { stdout } = await run(
    cli.path,
    [
      'workflow',
      'show',
      '--workflow-id',
      workflowId,
      '--namespace',
      inject('temporalNamespace'),
      '--address',
      inject('temporalAddress'),
      '--output',
      'json',
      ...extraArgs,
    ],
    { maxBuffer: 64 * 1024 * 1024, timeout: 60_000 },
  );
  return stdout;
}

/** The history through a client that has no codec at all. */
export async function historyViaPlainClient(workflowId: string): Promise<History> {
  const { client, close } = await connectClient();
  try {
    return await client.workflow.getHandle(workflowId).fetchHistory();
  } finally {
    await close();
  }
}

export const historyJson = (history: History) => historyToJSON(history as never);

/**
 * Every payload-shaped object in a history (proto objects or parsed JSON), with the path it was found at.
 * Search attributes are reported too; callers decide what may be plain there.
 */
export function payloadsIn(node: unknown, path = ''): { path: string; payload: Payload }[] {
  const found: { path: string; payload: Payload }[] = [];
  const walk = (value: unknown, at: string) => {
    if (!value || typeof value !== 'object' || ArrayBuffer.isView(value)) return;
    const v = value as Record<string, unknown>;
    if ('metadata' in v && v.metadata && typeof v.metadata === 'object' && 'data' in v) {
      found.push({ path: at, payload: toPayload(v) });
      return;
    }
    for (const [k, child] of Object.entries(v)) walk(child, at ? `${at}.${k}` : k);
  };
  walk(node, path);
  return found;
}

function bytes(value: unknown): Uint8Array {
  if (value instanceof Uint8Array) return value;
  if (typeof value === 'string') return new Uint8Array(Buffer.from(value, 'base64'));
  return new Uint8Array();
}

function toPayload(v: Record<string, unknown>): Payload {
  const metadata: Record<string, Uint8Array> = {};
  for (const [k, m] of Object.entries(v.metadata as Record<string, unknown>)) metadata[k] = bytes(m);
  return { metadata, data: bytes(v.data) };
}

export const encodingOf = (p: Payload) => Buffer.from(p.metadata?.encoding ?? []).toString('utf8');

/** Whether `needle` occurs in `text` as a whole token (not inside a longer run of digits). */
export function containsToken(text: string, needle: string): boolean {
  const escaped = needle.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`(?<![0-9])${escaped}(?![0-9])`).test(text);
}

/** Which of the named secrets appear in `text` or in any payload's bytes; names only, never values. */
export function leakedSecrets(text: string, payloads: Payload[], secrets: Record<string, string>): string[] {
  const leaked = new Set<string>();
  const blobs = [
    text,
    ...payloads.flatMap((p) =>
      [p.data ?? [], ...Object.values(p.metadata ?? {})].map((b) => Buffer.from(b).toString('latin1')),
    ),
  ];
  for (const blob of blobs)
    for (const [name, secret] of Object.entries(secrets)) if (containsToken(blob, secret)) leaked.add(name);
  return [...leaked].sort();
}

export { EkycClient };
