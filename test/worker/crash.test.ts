// Worker processes that die: SIGKILL while a session waits for the OTP, and while an Eko call is in flight.
// A new worker process picks the session up and finishes it; Eko sees exactly one successful biometric.
import { randomUUID } from 'node:crypto';
import { freePort } from '../../dev/ports.js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from '@temporalio/client';
import type { EkoSimulator } from '../../sim/eko-sim.js';
import { agentStatusQuery, biometricSignal, submitDailyAuthUpdate, submitOtpUpdate } from '../../workflows/messages.js';
import { istDate } from '../../common/ist.js';
import { dailyArg, startLifecycle } from '../workflows/agent-harness.js';
import { newAgent, pidData, startSim } from '../sim/eko-fixtures.js';
import { connectClient, recordHistory, startEkyc, waitForStage, waitForStatus } from '../workflows/harness.js';
import { crash, spawnWorker, workerEnv, type ChildWorker } from './child-worker.js';

let sim: EkoSimulator;
let client: Client;
let closeClient: () => Promise<void>;
const workers: ChildWorker[] = [];

beforeAll(async () => {
  sim = await startSim();
  ({ client, close: closeClient } = await connectClient());
});
afterEach(async () => {
  for (const w of workers.splice(0)) {
    if (w.child.exitCode === null && w.child.signalCode === null) await crash(w);
  }
});
afterAll(async () => {
  await closeClient?.();
  await sim?.stop();
});

function startWorkerProcess(taskQueue: string, extra: Record<string, string> = {}): ChildWorker {
  const worker = spawnWorker(workerEnv(sim, taskQueue, extra));
  workers.push(worker);
  return worker;
}

const biometricCalls = (userCode: string) =>
  sim.ledger().filter((e) => e.userCode === userCode && e.step === 'biometric');

describe('worker crashes', () => {
  it('a worker killed while the session awaits the OTP is replaced by a new one that finishes the session', async () => {
    const taskQueue = `ekyc-crash-${randomUUID()}`;
    const agent = newAgent(sim);
    const first = startWorkerProcess(taskQueue);
    await first.ready;
    const handle = await startEkyc(client, taskQueue, agent);
    await waitForStage(handle, 'AWAITING_OTP');
    await crash(first);

    const second = startWorkerProcess(taskQueue);
    await second.ready;
    const verified = await handle.executeUpdate(submitOtpUpdate, { args: [{ otp: sim.currentOtp(agent.userCode)! }] });
    expect(verified).toMatchObject({ accepted: true, stage: 'AWAITING_BIOMETRIC' });
    await handle.signal(biometricSignal, { pidData: pidData() });
    expect((await handle.result()).userCode).toBe(agent.userCode);
    expect(biometricCalls(agent.userCode).map((e) => e.code)).toEqual(['0']);
    await recordHistory(handle, 'crash-while-awaiting-otp');
  }, 120_000);

  it('a worker killed in the middle of the biometric call is replaced; the retry finishes with one successful biometric', async () => {
    const taskQueue = `ekyc-crash-${randomUUID()}`;
    const agent = newAgent(sim);
    const first = startWorkerProcess(taskQueue);
    await first.ready;
    const handle = await startEkyc(client, taskQueue, agent);
    await waitForStage(handle, 'AWAITING_OTP');
    await handle.executeUpdate(submitOtpUpdate, { args: [{ otp: sim.currentOtp(agent.userCode)! }] });

    // The simulator holds the first biometric request open without processing it, so the kill lands mid-call.
    sim.injectFault(agent.userCode, 'biometric', { kind: 'hang' });
    await handle.signal(biometricSignal, { pidData: pidData() });
    await waitForStatus(handle, () => biometricCalls(agent.userCode).length === 1, 'the biometric call to hang');
    await crash(first);

    const second = startWorkerProcess(taskQueue);
    await second.ready;
    expect((await handle.result()).userCode).toBe(agent.userCode);
    const calls = biometricCalls(agent.userCode);
    expect(calls.map((e) => e.code)).toEqual(['hang', '0']);
    expect(new Set(calls.map((e) => e.clientRefId)).size).toBe(1);
    expect(sim.agentState(agent.userCode)?.ekycCompletedAt).not.toBeNull();
    await recordHistory(handle, 'crash-mid-biometric');
  }, 180_000);

  it('a worker killed in the middle of a Daily KYC call is replaced; the retry makes the one successful call of the day', async () => {
    const taskQueue = `ekyc-crash-${randomUUID()}`;
    const agent = newAgent(sim);
    const completedAt = Date.now() - 4 * 86_400_000;
    sim.updateAgent(agent.userCode, { ekycCompletedAt: new Date(completedAt).toISOString() });
    const first = startWorkerProcess(taskQueue);
    await first.ready;
    const handle = await startLifecycle(client, taskQueue, agent, completedAt);
    // The lifecycle has taken the eKYC it was started with before the day's request is made.
    for (let i = 0; i < 300; i++) {
      const state = await handle
        .query(agentStatusQuery)
        .then((s) => s.state)
        .catch(() => 'EKYC_PENDING');
      if (state !== 'EKYC_PENDING') break;
      await new Promise((r) => setTimeout(r, 100));
    }

    // The simulator holds the first Daily KYC open without processing it, so the kill lands mid-call.
    sim.injectFault(agent.userCode, 'dailyKyc', { kind: 'hang' });
    const outcome = handle.executeUpdate(submitDailyAuthUpdate, { args: [dailyArg(agent)] });
    const dailyCalls = () => sim.ledger().filter((e) => e.userCode === agent.userCode && e.step === 'dailyKyc');
    for (let i = 0; i < 300 && dailyCalls().length === 0; i++) await new Promise((r) => setTimeout(r, 100));
    expect(dailyCalls()).toHaveLength(1);
    await crash(first);

    const metricsPort = await freePort();
    const second = startWorkerProcess(taskQueue, { EKYC_METRICS_PORT: String(metricsPort) });
    await second.ready;
    expect(await outcome).toMatchObject({ accepted: true, state: 'AUTHENTICATED' });
    const calls = dailyCalls();
    expect(calls.map((e) => e.code)).toEqual(['hang', '0']);
    expect(new Set(calls.map((e) => e.clientRefId)).size).toBe(1);
    expect(sim.agentState(agent.userCode)?.dailyAuthDay).toBe(istDate(Date.now()));
    // Asked again the same day: no second call.
    expect(
      await handle.executeUpdate(submitDailyAuthUpdate, { args: [dailyArg(agent)] }).catch((e) => e.cause?.type),
    ).toBe('DailyAuthRefused');
    expect(dailyCalls().filter((e) => e.code === '0')).toHaveLength(1);
    // The worker's metrics count the outcome and the day's first success (never a user code).
    const metrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    expect(metrics).toMatch(/^ekyc_daily_auth_outcomes\S*\{[^}]*code="OK"[^}]*\} 1$/m);
    expect(metrics).toMatch(/^ekyc_daily_auth_first_success\S*\{[^}]*before_10_ist="(true|false)"[^}]*\} 1$/m);
    expect(metrics).not.toContain(agent.userCode);
  }, 180_000);
});
