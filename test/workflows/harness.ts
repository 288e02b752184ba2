// The workflow tests' harness: the real Temporal dev server (globalSetup), the real Eko simulator and activities,
// and an in-process worker built by createEkycWorker on a task queue of its own. The workflow code is bundled
// once per test file.
import { mkdir, writeFile } from 'node:fs/promises';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { inject } from 'vitest';
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import { DefaultLogger, NativeConnection, Runtime, type Worker } from '@temporalio/worker';
import { isFinalStage, workflowIdFor, type EkycPolicy, type EkycStatus, type Stage } from '../../common/domain.js';
import { createActivities, type WorkerActivities } from '../../activities/index.js';
import { createDataConverter } from '../../codec/data-converter.js';
import { loadCodecConfig } from '../../config/index.js';
import { bundleWorkflows } from '../../worker/bundle.js';
import { createEkycWorker } from '../../worker/worker.js';
import { fingpayEkyc } from '../../workflows/index.js';
import { cancelSignal, statusQuery } from '../../workflows/messages.js';
import type { EkoSimulator } from '../../sim/eko-sim.js';
import { ekoConfigFor, ekycInput, newAgent, startSim, type Agent } from '../sim/eko-fixtures.js';
import { stopWorker, trackActivities } from '../support/stop-worker.js';

export { ekycInput };

/**
 * TEST-ONLY payload encryption key, used by every test client and worker and by the committed history
 * fixtures (test/fixtures/histories), which the replay test decodes with it. It protects nothing real: the
 * fixtures hold synthetic agents only. Never use it outside the tests.
 */
export const TEST_CODEC_KEYS = 'test-only-fixtures:BxIqzC1vQ7jpCF2dRzXcxXSOv8cTe7afN64tmrhSERk=';
export const testDataConverter = () => createDataConverter(loadCodecConfig({ EKYC_CODEC_KEYS: TEST_CODEC_KEYS }));

export const HISTORIES_DIR = fileURLToPath(new URL('../fixtures/histories/', import.meta.url));

// The SDK's own logs would drown the test output (every ended session is a "Workflow failed" warning); errors show.
let runtimeInstalled = false;
function quietRuntime() {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  try {
    Runtime.install({ logger: new DefaultLogger('ERROR') });
  } catch {
    // already installed in this process
  }
}

let bundle: Promise<string> | undefined;
/** The workflow code, bundled once per test file (webpack takes seconds; Worker.create then takes none). */
export function workflowCode(): Promise<string> {
  quietRuntime();
  bundle ??= bundleWorkflows(new DefaultLogger('WARN'));
  return bundle;
}

/** A client with the test codec; `null`: a plain client without any codec (what a stranger to the keys sends). */
export async function connectClient(
  dataConverter: DataConverter | null = testDataConverter(),
): Promise<{ client: Client; close: () => Promise<void> }> {
  const connection = await Connection.connect({ address: inject('temporalAddress') });
  const client = new Client({
    connection,
    namespace: inject('temporalNamespace'),
    ...(dataConverter ? { dataConverter } : {}),
  });
  return { client, close: () => connection.close() };
}

export interface WorkerHandle {
  worker: Worker;
  taskQueue: string;
  stop(): Promise<void>;
}

/** An in-process worker on its own task queue, running until stop(). */
export async function startWorker(
  activities: WorkerActivities,
  taskQueue = `ekyc-test-${randomUUID()}`,
): Promise<WorkerHandle> {
  const code = await workflowCode();
  const connection = await NativeConnection.connect({ address: inject('temporalAddress') });
  const tracked = trackActivities(activities);
  const worker = await createEkycWorker({
    connection,
    namespace: inject('temporalNamespace'),
    taskQueue,
    activities: tracked.activities,
    dataConverter: testDataConverter(),
    workflowBundle: { code },
    shutdownGraceTime: '2s',
  });
  const running = worker.run();
  return {
    worker,
    taskQueue,
    async stop() {
      await stopWorker(worker, running, connection, undefined, tracked.inFlight);
    },
  };
}

/** Everything a workflow test needs: simulator, client, worker. One per test file. */
export interface Harness {
  sim: EkoSimulator;
  client: Client;
  taskQueue: string;
  newAgent(): Agent;
  start(agent: Agent, policy?: Partial<EkycPolicy>): ReturnType<typeof startEkyc>;
  close(): Promise<void>;
}

export async function startHarness(): Promise<Harness> {
  const sim = await startSim();
  const { client, close } = await connectClient();
  const worker = await startWorker(createActivities({ eko: ekoConfigFor(sim, { timeoutMs: 3_000 }) }));
  return {
    sim,
    client,
    taskQueue: worker.taskQueue,
    newAgent: () => newAgent(sim),
    start: (agent, policy) => startEkyc(client, worker.taskQueue, agent, policy),
    async close() {
      await worker.stop();
      await close();
      await sim.stop();
    },
  };
}

/** Starts as the contract says: USE_EXISTING while running, ALLOW_DUPLICATE_FAILED_ONLY once closed. */
export function startEkyc(client: Client, taskQueue: string, agent: Agent, policy?: Partial<EkycPolicy>) {
  return client.workflow.start(fingpayEkyc, {
    taskQueue,
    workflowId: workflowIdFor(agent.userCode),
    args: [ekycInput(agent, policy)],
    workflowIdConflictPolicy: 'USE_EXISTING',
    workflowIdReusePolicy: 'ALLOW_DUPLICATE_FAILED_ONLY',
  });
}

/** Polls `status` until `predicate` holds (queries can fail before the first workflow task: those are retried). */
export async function waitForStatus(
  handle: WorkflowHandle,
  predicate: (s: EkycStatus) => boolean,
  what = 'the expected status',
  timeoutMs = 45_000,
): Promise<EkycStatus> {
  const deadline = Date.now() + timeoutMs;
  let last: EkycStatus | undefined;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      last = await handle.query(statusQuery);
      if (predicate(last)) return last;
      if (isFinalStage(last.stage)) break;
    } catch (err) {
      lastError = err;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(
    `timed out waiting for ${what}; last stage ${last?.stage ?? 'unknown'}, lastError ${JSON.stringify(last?.lastError ?? null)}` +
      (last ? '' : ` (${(lastError as Error)?.message})`),
  );
}

export const waitForStage = (handle: WorkflowHandle, stage: Stage, timeoutMs?: number) =>
  waitForStatus(handle, (s) => s.stage === stage, `stage ${stage}`, timeoutMs);

/** Ends a session a test is done with (cancel signal) and waits until its run has closed. */
export async function cancelAndWait(handle: WorkflowHandle): Promise<void> {
  await handle.signal(cancelSignal, { reason: 'test over' });
  await handle.result().catch(() => undefined);
}

export async function historyLength(handle: WorkflowHandle): Promise<number> {
  return (await handle.fetchHistory()).events?.length ?? 0;
}

/**
 * With RECORD_HISTORIES=1, writes the run's history to test/fixtures/histories/<name>.json for the replay test.
 * The payloads in it are encrypted with TEST_CODEC_KEYS, so no synthetic PII is stored in plain text either.
 */
export async function recordHistory(handle: WorkflowHandle, name: string): Promise<void> {
  if (process.env.RECORD_HISTORIES !== '1') return;
  const history = await handle.fetchHistory();
  await mkdir(HISTORIES_DIR, { recursive: true });
  await writeFile(`${HISTORIES_DIR}${name}.json`, `${historyToJSON(history)}\n`);
}
