// Activity tasks that no worker starts (workflows/task-start.ts): Temporal can lose a task that matching handed to a
// poller when matching dies before the start is recorded (docs/PERFORMANCE.md, "Failover on the cluster"). Here a
// task is left unstarted the simple way: for a while only a workflow worker (no activities) polls the task queue.
// The schedule-to-start bound (a third of ekoStepTimeout, 2s–60s) ends that scheduling and the workflow schedules
// the activity again with what is left of the step: the agent gets the OTP or today's authentication, Eko is
// called once.
import { randomUUID } from 'node:crypto';
import { inject } from 'vitest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client, WorkflowHandle } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { decodeArrayFromPayloads, loadDataConverter } from '@temporalio/common/lib/internal-non-workflow/index.js';
import { createActivities } from '../../activities/index.js';
import { workerDataConverter } from '../../worker/worker.js';
import { LOST_TASK_PATCH, taskStartTimeoutMs } from '../../workflows/task-start.js';
import type { EkoSimulator } from '../../sim/eko-sim.js';
import { ekoConfigFor, newAgent, startSim } from '../sim/eko-fixtures.js';
import { EkycClient } from '../../client/index.js';
import { agentStatusQuery } from '../../workflows/messages.js';
import { dailyArg, startLifecycle } from './agent-harness.js';
import {
  connectClient,
  recordHistory,
  startEkyc,
  startWorker,
  testDataConverter,
  waitForStage,
  workflowCode,
  type WorkerHandle,
} from './harness.js';
import { stopWorker } from '../support/stop-worker.js';

let sim: EkoSimulator;
let client: Client;
let closeClient: () => Promise<void>;
const stops: (() => Promise<void>)[] = [];

beforeAll(async () => {
  sim = await startSim();
  ({ client, close: closeClient } = await connectClient());
});
afterAll(async () => {
  for (const stop of stops.reverse()) await stop();
  await closeClient?.();
  await sim?.stop();
});

/** A worker that runs the workflows of `taskQueue` and polls no activity task. */
async function workflowOnlyWorker(taskQueue: string): Promise<() => Promise<void>> {
  const connection = await NativeConnection.connect({ address: inject('temporalAddress') });
  const worker = await Worker.create({
    connection,
    namespace: inject('temporalNamespace'),
    taskQueue,
    workflowBundle: { code: await workflowCode() },
    dataConverter: workerDataConverter(testDataConverter()),
    shutdownGraceTime: '1s',
  });
  const running = worker.run();
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await stopWorker(worker, running, connection);
  };
  stops.push(stop);
  return stop;
}

async function activityWorker(taskQueue: string): Promise<WorkerHandle> {
  const handle = await startWorker(createActivities({ eko: ekoConfigFor(sim, { timeoutMs: 3_000 }) }), taskQueue);
  stops.push(() => handle.stop());
  return handle;
}

/** The activity worker comes; the workflow-only one goes (so the rest of the run is the real worker's). */
async function workerArrives(taskQueue: string, stopWorkflowWorker: () => Promise<void>): Promise<void> {
  await activityWorker(taskQueue);
  await stopWorkflowWorker();
}

/** The agent's Eko calls in the simulator's ledger: [step, Eko's code]. */
const callsOf = (userCode: string) =>
  sim
    .ledger()
    .filter((e) => e.userCode === userCode)
    .map((e) => [e.step, e.code]);

type Event = NonNullable<Awaited<ReturnType<WorkflowHandle['fetchHistory']>>['events']>[number];
const events = async (handle: WorkflowHandle): Promise<Event[]> => (await handle.fetchHistory()).events ?? [];
const unstarted = (history: Event[]) =>
  history.filter(
    (e) => e.activityTaskTimedOutEventAttributes?.failure?.timeoutFailureInfo?.timeoutType === 2, // SCHEDULE_TO_START
  );
const scheduled = (history: Event[], type: string) =>
  history
    .map((e) => e.activityTaskScheduledEventAttributes)
    .filter((a): a is NonNullable<typeof a> => a?.activityType?.name === type);
const patchMarkers = (history: Event[]) =>
  history.filter((e) => e.markerRecordedEventAttributes?.markerName === 'core_patch');
const seconds = (d: { seconds?: unknown } | null | undefined) => Number(d?.seconds ?? 0);

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The activity of `type` was scheduled again, same input, each time with less of the budget left and the bound. */
async function expectRescheduled(history: Event[], type: string, budgetS: number, taskStartS: number) {
  const attempts = scheduled(history, type);
  expect(attempts.length, type).toBeGreaterThanOrEqual(2);
  const budgets = attempts.map((a) => seconds(a.scheduleToCloseTimeout));
  expect(budgets[0]).toBe(budgetS);
  for (let i = 1; i < budgets.length; i++) expect(budgets[i]).toBeLessThan(budgets[i - 1]);
  for (const a of attempts) expect(seconds(a.scheduleToStartTimeout)).toBeLessThanOrEqual(taskStartS);
  // The payloads are encrypted with a fresh nonce each time: compare what they decode to.
  const converter = loadDataConverter(testDataConverter());
  const inputs = await Promise.all(attempts.map((a) => decodeArrayFromPayloads(converter, a.input!.payloads)));
  expect(new Set(inputs.map((i) => JSON.stringify(i))).size, 'one input: the same idempotency key').toBe(1);
  const markers = patchMarkers(history).map((e) => {
    const data = e.markerRecordedEventAttributes?.details?.['patch-data']?.payloads?.[0]?.data;
    return data ? Buffer.from(data).toString() : '';
  });
  expect(
    markers.filter((m) => m.includes(LOST_TASK_PATCH)),
    markers.join(' | '),
  ).toHaveLength(1);
}

describe('an activity task no worker starts', () => {
  it('waits for a worker a third of the budget, within 2s and 60s', () => {
    expect(taskStartTimeoutMs(180_000)).toBe(60_000); // the default 3m Eko step
    expect(taskStartTimeoutMs(15_000)).toBe(5_000);
    expect(taskStartTimeoutMs(5_000)).toBe(2_000);
    expect(taskStartTimeoutMs(3_600_000)).toBe(60_000);
  });

  it('eKYC: the OTP quota reservation is scheduled again with the rest of the step, then the OTP is sent once', async () => {
    const taskQueue = `lost-task-${randomUUID()}`;
    const stopWorkflowWorker = await workflowOnlyWorker(taskQueue);
    const agent = newAgent(sim);
    const started = Date.now();
    const handle = await startEkyc(client, taskQueue, agent, { ekoStepTimeout: '15s' });

    // The first task (the quota's reservation) waits 5s (15s / 3) for a worker that never comes.
    await until('a schedule-to-start timeout', async () => (unstarted(await events(handle)).length ? true : undefined));
    expect(Date.now() - started).toBeGreaterThanOrEqual(4_500);
    await workerArrives(taskQueue, stopWorkflowWorker);

    const status = await waitForStage(handle, 'AWAITING_OTP');
    expect(status.lastError).toBeNull();
    expect(callsOf(agent.userCode)).toEqual([['sendOtp', '0']]);
    await expectRescheduled(await events(handle), 'reserveOtpSend', 15, 5);
    await recordHistory(handle, 'activity-task-unstarted-rescheduled');
  });

  it('Daily KYC: the Eko call is scheduled again with the rest of the step, made once, and the agent authenticated', async () => {
    const taskQueue = `lost-task-${randomUUID()}`;
    const stopWorkflowWorker = await workflowOnlyWorker(taskQueue);
    const agent = newAgent(sim);
    sim.updateAgent(agent.userCode, { ekycCompletedAt: new Date(Date.now() - 4 * 86_400_000).toISOString() });
    const handle = await startLifecycle(client, taskQueue, agent, Date.now() - 4 * 86_400_000, {
      ekoStepTimeout: '15s',
    });
    await until('AUTH_REQUIRED', async () =>
      (await handle.query(agentStatusQuery).catch(() => null))?.state === 'AUTH_REQUIRED' ? true : undefined,
    );
    const ekyc = new EkycClient({ client, taskQueue });
    const outcome = ekyc.submitDailyAuth(agent.userCode, dailyArg(agent));
    await until('the Daily KYC task unstarted', async () => {
      const history = await events(handle);
      return unstarted(history).length && scheduled(history, 'submitDailyKyc').length ? true : undefined;
    });
    await workerArrives(taskQueue, stopWorkflowWorker);

    expect(await outcome).toMatchObject({ accepted: true, state: 'AUTHENTICATED' });
    expect(callsOf(agent.userCode)).toEqual([['dailyKyc', '0']]);
    await expectRescheduled(await events(handle), 'submitDailyKyc', 15, 5);
    await recordHistory(handle, 'daily-kyc-task-unstarted-rescheduled');
  });

  it('ends the step as EKO_UNAVAILABLE at its own deadline when no worker ever starts it, Eko never called', async () => {
    const taskQueue = `lost-task-${randomUUID()}`;
    await workflowOnlyWorker(taskQueue);
    const agent = newAgent(sim);
    const started = Date.now();
    const handle = await startEkyc(client, taskQueue, agent, { ekoStepTimeout: '6s' });
    const status = await waitForStage(handle, 'FAILED', 30_000);
    expect(status.lastError?.code).toBe('EKO_UNAVAILABLE');
    expect(Date.now() - started).toBeGreaterThanOrEqual(5_500);
    expect(callsOf(agent.userCode)).toEqual([]);
    // A 6s step, 2s per scheduling: three, or a fourth when the third timed out with a second or more left.
    const attempts = scheduled(await events(handle), 'reserveOtpSend');
    expect(attempts.length).toBeGreaterThanOrEqual(2);
    expect(attempts.length).toBeLessThanOrEqual(4);
  });
});
