// Partner webhooks end to end: `ekyc worker` processes (killed with SIGKILL mid-way), the Eko simulator, and a real
// receiver on loopback that fails, times out, is down, answers 410. Every event arrives at least once, signed with
// every configured secret (checked by verifyWebhook and by the independent standardwebhooks package), and after
// de-duplication by webhook-id in `sequence` order; exhausted events are listed and redelivered with the same id.
import { spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Client, WorkflowHandle } from '@temporalio/client';
import { Webhook } from 'standardwebhooks';
import { agentWorkflowIdFor } from '../../common/agent.js';
import { freePort } from '../../dev/ports.js';
import { verifyWebhook } from '../../client/index.js';
import { failedWebhooks, redeliverWebhooks } from '../../client/webhooks.js';
import { webhooksStatusQuery, webhooksWorkflowIdFor } from '../../events/model.js';
import {
  agentStatusQuery,
  cancelSignal,
  submitBiometricUpdate,
  submitDailyAuthUpdate,
  submitOtpUpdate,
} from '../../workflows/messages.js';
import type { EkoSimulator } from '../../sim/eko-sim.js';
import { newAgent, pidData, startSim, type Agent } from '../sim/eko-fixtures.js';
import { dailyArg } from '../workflows/agent-harness.js';
import { connectClient, recordHistory, startEkyc, waitForStage } from '../workflows/harness.js';
import { crash, spawnWorker, workerEnv, type ChildWorker } from '../worker/child-worker.js';
import { processEnv } from '../client/harness.js';
import { deduplicated, Receiver, type Received } from './receiver.js';

const CLI_ENTRY = fileURLToPath(new URL('../client/cli-entry.ts', import.meta.url));

/** `ekyc …` as an operator runs it: one JSON object on stdout. */
function ekyc(args: string[], taskQueue: string): Promise<{ code: number | null; json: Record<string, unknown> }> {
  const env = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...processEnv(taskQueue) };
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CLI_ENTRY, ...args], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, json: JSON.parse(stdout || '{}') }));
  });
}

const OLD_SECRET = `whsec_${randomBytes(32).toString('base64')}`;
const NEW_SECRET = `whsec_${randomBytes(24).toString('base64')}`;

let sim: EkoSimulator;
let client: Client;
let closeClient: () => Promise<void>;
const workers: ChildWorker[] = [];
const receivers: Receiver[] = [];

beforeAll(async () => {
  sim = await startSim({ dailyEligibleAfterMs: 0 });
  ({ client, close: closeClient } = await connectClient());
});
afterEach(async () => {
  for (const w of workers.splice(0)) {
    if (w.child.exitCode === null && w.child.signalCode === null) await crash(w);
  }
  for (const r of receivers.splice(0)) await r.stop();
});
afterAll(async () => {
  await closeClient?.();
  await sim?.stop();
});

async function startReceiver(): Promise<Receiver> {
  const receiver = new Receiver();
  await receiver.start();
  receivers.push(receiver);
  return receiver;
}

function startWorker(taskQueue: string, receiver: Receiver, extra: Record<string, string> = {}): ChildWorker {
  const worker = spawnWorker(
    workerEnv(sim, taskQueue, {
      EKYC_WEBHOOK_URL: receiver.url,
      // Both sign: the rotation a receiver sees while it moves from the old secret to the new one.
      EKYC_WEBHOOK_SECRETS: `${OLD_SECRET},${NEW_SECRET}`,
      EKYC_WEBHOOK_TIMEOUT_MS: '1000',
      EKYC_WEBHOOK_MAX_INTERVAL: '2s',
      EKYC_DAILY_AUTH_ELIGIBLE_AFTER: '0s',
      ...extra,
    }),
  );
  workers.push(worker);
  return worker;
}

async function poll<T>(read: () => Promise<T>, ok: (v: T) => boolean, what: string, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      last = await read();
      if (ok(last)) return last;
    } catch (err) {
      lastError = err;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`timed out waiting for ${what}: ${JSON.stringify(last)} ${(lastError as Error)?.message ?? ''}`);
}

/** The one-time eKYC through to COMPLETED with updates, as an agent's page does it. */
async function completeEkyc(taskQueue: string, agent: Agent): Promise<WorkflowHandle> {
  const handle = await startEkyc(client, taskQueue, agent);
  await waitForStage(handle, 'AWAITING_OTP');
  await handle.executeUpdate(submitOtpUpdate, { args: [{ otp: sim.currentOtp(agent.userCode)! }] });
  expect(await handle.executeUpdate(submitBiometricUpdate, { args: [{ pidData: pidData() }] })).toMatchObject({
    accepted: true,
    stage: 'COMPLETED',
  });
  await handle.result();
  return handle;
}

/** Every request carries a valid signature for each secret, by both implementations, and no PII. */
function expectSignedWithoutPii(received: Received[], agents: Agent[]): void {
  expect(received.length).toBeGreaterThan(0);
  for (const r of received) {
    const headers = {
      'webhook-id': String(r.headers['webhook-id']),
      'webhook-timestamp': String(r.headers['webhook-timestamp']),
      'webhook-signature': String(r.headers['webhook-signature']),
    };
    for (const secret of [OLD_SECRET, NEW_SECRET]) {
      expect(verifyWebhook(r.headers, r.body, [secret], 600).id).toBe(headers['webhook-id']);
      // Its own clock tolerance (5 minutes) is ample for a test run.
      expect(new Webhook(secret).verify(r.body, headers)).toEqual(JSON.parse(r.body));
    }
    expect(() => verifyWebhook(r.headers, r.body, [`whsec_${randomBytes(32).toString('base64')}`], 600)).toThrow();
    const text = JSON.stringify(r.headers) + r.body;
    for (const a of agents) {
      expect(text).not.toContain(a.aadhaar);
      expect(text).not.toContain(a.customerId);
    }
  }
}

/** The same webhook-id always carries the same body (retries and redeliveries are the same event). */
function expectStableIds(received: Received[]): void {
  const bodies = new Map<string, string>();
  for (const r of received) {
    const id = String(r.headers['webhook-id']);
    expect(bodies.get(id) ?? r.body).toBe(r.body);
    bodies.set(id, r.body);
  }
}

describe('webhooks', () => {
  it('deliver every event at least once, signed, in sequence order, through failures, timeouts and a receiver down across a worker SIGKILL', async () => {
    const taskQueue = `ekyc-webhooks-${randomUUID()}`;
    const receiver = await startReceiver();
    // Two failures, then an answer held far past the 1s attempt timeout (received, but a failed attempt), then 204.
    receiver.answer = (_r, i) =>
      i === 0
        ? { status: 500 }
        : i === 1
          ? { status: 503 }
          : i === 2
            ? { status: 200, delayMs: 10_000 }
            : { status: 204 };
    const first = startWorker(taskQueue, receiver);
    await first.ready;

    // Agent A: eKYC completed, then a rejected Daily KYC capture and an accepted one.
    const a = newAgent(sim);
    const b = newAgent(sim);
    const sessionB = await startEkyc(client, taskQueue, b);
    const ekycA = await completeEkyc(taskQueue, a);
    const lifecycle = client.workflow.getHandle(agentWorkflowIdFor(a.userCode));
    await poll(
      () => lifecycle.query(agentStatusQuery),
      (s) => s.state === 'AUTH_REQUIRED',
      'A to need Daily KYC',
    );
    expect(await lifecycle.executeUpdate(submitDailyAuthUpdate, { args: [dailyArg(a, { qScore: 10 })] })).toMatchObject(
      {
        accepted: false,
        code: 'EkoBiometricRejected',
      },
    );
    expect(await lifecycle.executeUpdate(submitDailyAuthUpdate, { args: [dailyArg(a)] })).toMatchObject({
      accepted: true,
      state: 'AUTHENTICATED',
    });
    // Delivered: n events answered 2xx (by webhook-id; a held answer may still count if the sender was slower).
    const delivered = (r: Received[], n: number) =>
      new Set(r.filter((x) => x.status !== null && x.status < 300).map((x) => x.headers['webhook-id'])).size >= n;
    await receiver.until(() => delivered(receiver.of(a.userCode), 3), "A's three events");

    // The receiver goes down; B's session is cancelled meanwhile; its event waits, retried, while the worker dies.
    await receiver.stop();
    await sessionB.signal(cancelSignal, { reason: 'webhook test' });
    await sessionB.result().catch(() => undefined);
    const queueB = client.workflow.getHandle(webhooksWorkflowIdFor(b.userCode));
    await poll(
      async () => (await queueB.describe()).raw.pendingActivities?.[0]?.attempt ?? 0,
      (attempt) => attempt >= 2,
      "a failed delivery attempt of B's event",
    );
    await crash(first);
    await receiver.start();
    const second = startWorker(taskQueue, receiver);
    await second.ready;
    await receiver.until(() => delivered(receiver.of(b.userCode), 1), "B's event after the restart");

    const all = receiver.received;
    expectSignedWithoutPii(all, [a, b]);
    expectStableIds(all);
    // The held answer made the sender try again: the same event arrived more than once, with the same id.
    expect(all.length).toBeGreaterThan(deduplicated(all).length);

    const eventsA = deduplicated(receiver.of(a.userCode)).map((r) => r.json);
    expect(eventsA.map((e) => [e.type, e.data.sequence])).toEqual([
      ['ekyc.completed', 1],
      ['agent.daily_auth.failed', 2],
      ['agent.daily_auth.succeeded', 3],
    ]);
    expect(eventsA[0].data).toMatchObject({
      userCode: a.userCode,
      workflowId: ekycA.workflowId,
      stage: 'COMPLETED',
      code: null,
    });
    expect(eventsA[1].data).toMatchObject({ state: 'AUTH_REQUIRED', code: 'EkoBiometricRejected', attemptsLeft: 2 });
    expect(eventsA[2].data).toMatchObject({ state: 'AUTHENTICATED', workflowId: lifecycle.workflowId });
    const eventsB = deduplicated(receiver.of(b.userCode)).map((r) => r.json);
    expect(eventsB.map((e) => [e.type, e.data.sequence, e.data.stage, e.data.code])).toEqual([
      ['ekyc.cancelled', 1, 'CANCELLED', 'CANCELLED'],
    ]);
    // The cancel reason is free text: it never leaves.
    expect(JSON.stringify(eventsB)).not.toContain('webhook test');

    const status = await client.workflow.getHandle(webhooksWorkflowIdFor(a.userCode)).query(webhooksStatusQuery);
    expect(status).toMatchObject({ userCode: a.userCode, nextSequence: 4, delivered: 3, pending: [], failed: [] });
    await recordHistory(ekycA, 'webhooks-ekyc-completed');
    await recordHistory(lifecycle, 'webhooks-agent-daily-auth');
    await recordHistory(queueB, 'webhooks-delivery-across-crash');
  }, 300_000);

  it('mark an event failed once its retries run out or the receiver answers 410; failed events are listed, counted and redelivered with the same id', async () => {
    const taskQueue = `ekyc-webhooks-${randomUUID()}`;
    const receiver = await startReceiver();
    const c = newAgent(sim);
    const d = newAgent(sim);
    receiver.answer = (r) => ({ status: r.json.data.userCode === d.userCode ? 410 : 500 });
    const metricsPort = await freePort();
    const worker = startWorker(taskQueue, receiver, {
      EKYC_WEBHOOK_RETRY_FOR: '4s',
      EKYC_WEBHOOK_MAX_INTERVAL: '1s',
      EKYC_METRICS_PORT: String(metricsPort),
    });
    await worker.ready;

    for (const agent of [c, d]) {
      const session = await startEkyc(client, taskQueue, agent);
      await waitForStage(session, 'AWAITING_OTP');
      await session.signal(cancelSignal, {});
      await session.result().catch(() => undefined);
    }
    const failedOf = (userCode: string) => failedWebhooks(client, userCode).then((r) => r.failed);
    const [failedC] = await poll(
      () => failedOf(c.userCode),
      (f) => f.length === 1,
      "C's event to fail",
    );
    expect(failedC).toMatchObject({
      userCode: c.userCode,
      type: 'ekyc.cancelled',
      sequence: 1,
      reason: expect.any(String),
    });
    // Retried until the window closed (several attempts), each refused.
    expect(receiver.of(c.userCode).length).toBeGreaterThanOrEqual(2);
    const [failedD] = await poll(
      () => failedOf(d.userCode),
      (f) => f.length === 1,
      "D's event to fail",
    );
    expect(failedD.reason).toMatch(/410/);
    expect(await ekyc(['webhooks', 'failed', '--user-code', d.userCode], taskQueue)).toEqual({
      code: 0,
      json: { failed: [failedD] },
    });
    // 410 stops at once: one attempt.
    expect(receiver.of(d.userCode)).toHaveLength(1);

    // Every agent's failures, through the WebhookFailures search attribute (visibility catches up).
    await poll(
      () => failedWebhooks(client),
      (r) => [c, d].every((x) => r.failed.some((f) => f.userCode === x.userCode)),
      'the failed events in the listing of all agents',
    );
    const metrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    expect(metrics).toMatch(/^ekyc_webhooks_failed\S*\{[^}]*type="ekyc.cancelled"[^}]*\} 2$/m);
    expect(metrics).not.toContain(c.userCode);

    // The receiver is fixed; redelivery sends the same event (same id, sequence and body) once more.
    receiver.answer = () => ({ status: 204 });
    const before = receiver.of(c.userCode).length;
    expect(await redeliverWebhooks(client, c.userCode)).toEqual({
      requeued: [{ userCode: c.userCode, id: failedC.id }],
    });
    await receiver.until(() => receiver.of(c.userCode).some((r) => r.status === 204), "C's redelivered event");
    const redelivered = receiver.of(c.userCode).slice(before);
    expect(redelivered.map((r) => r.headers['webhook-id'])).toEqual([failedC.id]);
    expectStableIds(receiver.of(c.userCode));
    expectSignedWithoutPii(receiver.received, [c, d]);
    expect(await failedOf(c.userCode)).toEqual([]);
    // An id that is not a failed event of the agent is refused, naming the field.
    await expect(redeliverWebhooks(client, d.userCode, ['msg_unknown'])).rejects.toMatchObject({
      cause: { message: expect.stringMatching(/^not a failed event of this agent: msg_unknown/) },
    });
    await recordHistory(
      client.workflow.getHandle(webhooksWorkflowIdFor(c.userCode)),
      'webhooks-failed-then-redelivered',
    );
  }, 300_000);
});
