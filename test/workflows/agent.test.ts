// fingpayAgent on the real Temporal dev server, in real time (a short eligibility window): how it learns of a
// completed eKYC, the day's Daily KYC rules, REKYC_REQUIRED → a new eKYC, and privacy. The tests where days pass
// run on the time-skipping server (agent-days.test.ts).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import type { Payload } from '@temporalio/common';
import { agentWorkflowIdFor } from '../../common/agent.js';
import { workflowIdFor } from '../../common/domain.js';
import { istDate, nextIstMidnight } from '../../common/ist.js';
import { EkycAlreadyCompletedError, ValidationError } from '../../client/index.js';
import {
  AGENT_STATE_SA,
  DAILY_AUTH_DATE_SA,
  EKO_USER_CODE_SA,
  agentStatusQuery,
  canTransactQuery,
  invalidateDailyAuthSignal,
  submitDailyAuthUpdate,
} from '../../workflows/messages.js';
import type { EkoSimulator } from '../../sim/eko-sim.js';
import { ekycInput, newAgent, pidData, startSim, type Agent } from '../sim/eko-fixtures.js';
import { connectClient, recordHistory, testDataConverter, waitForStage } from './harness.js';
import { dailyArg, startAgentRig, startLifecycle, type AgentRig } from './agent-harness.js';

const ELIGIBLE_AFTER_MS = 3_000;
let sim: EkoSimulator;
let rig: AgentRig;

beforeAll(async () => {
  sim = await startSim({ dailyEligibleAfterMs: ELIGIBLE_AFTER_MS });
  rig = await startAgentRig(inject('temporalAddress'), inject('temporalNamespace'), sim, {
    eligibleAfter: `${ELIGIBLE_AFTER_MS / 1000}s`,
  });
});
afterAll(async () => {
  await rig?.stop();
  await sim?.stop();
});

const dailyCalls = (agent: Agent) => sim.ledger().filter((e) => e.step === 'dailyKyc' && e.userCode === agent.userCode);

/** An agent whose eKYC completed long enough ago, with its lifecycle started as that eKYC's completion does. */
async function eligibleAgent() {
  const agent = newAgent(sim);
  const completedAt = Date.now() - 10 * ELIGIBLE_AFTER_MS;
  sim.updateAgent(agent.userCode, { ekycCompletedAt: new Date(completedAt).toISOString() });
  const handle = await startLifecycle(rig.client, rig.taskQueue, agent, completedAt, { eligibleAfter: '3s' });
  await settled(handle);
  return { agent, handle };
}

/** The one-time eKYC through the client library, as an agent does it. */
async function completeEkyc(agent: Agent) {
  // No OTP cooldown carried over from the agent's previous eKYC (workflows/otp-quota.ts).
  const { runId } = await rig.ekyc.startEkyc(ekycInput(agent, { resendCooldown: '0s' }));
  const handle = rig.client.workflow.getHandle(workflowIdFor(agent.userCode), runId);
  await waitForStage(handle, 'AWAITING_OTP');
  expect((await rig.ekyc.submitOtp(agent.userCode, sim.currentOtp(agent.userCode)!)).accepted).toBe(true);
  expect((await rig.ekyc.submitBiometric(agent.userCode, pidData())).accepted).toBe(true);
  return handle.result() as Promise<{ completedAt: string }>;
}

/** Waits until the lifecycle's history stops growing: its first workflow task (signal included) is done. */
async function settled(handle: WorkflowHandle): Promise<number> {
  let last = -1;
  for (let i = 0; i < 100; i++) {
    const events = (await handle.fetchHistory()).events ?? [];
    const done = events.some((e) => e.workflowTaskCompletedEventAttributes);
    if (done && events.length === last) return last;
    last = events.length;
    await new Promise((r) => setTimeout(r, 150));
  }
  throw new Error('the lifecycle never settled');
}

async function waitForState(agent: Agent, state: string, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const status = await rig.ekyc.agentStatus(agent.userCode);
      if (status.state === state) return status;
      if (Date.now() > deadline) throw new Error(`agent stayed ${status.state}, expected ${state}`);
    } catch (err) {
      if (Date.now() > deadline) throw err;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('fingpayAgent: learning of the eKYC and eligibility', () => {
  it('a completed fingpayEkyc starts the lifecycle, which refuses Daily KYC before eligibility without calling Eko, then wakes for it', async () => {
    const agent = newAgent(sim);
    const { completedAt } = await completeEkyc(agent);
    await recordHistory(rig.client.workflow.getHandle(workflowIdFor(agent.userCode)), 'ekyc-completed-tells-agent');
    const waiting = await waitForState(agent, 'WAITING_ELIGIBILITY');
    expect(waiting.ekycCompletedAt).toBe(completedAt);
    expect(waiting.eligibleAt).toBe(new Date(Date.parse(completedAt) + ELIGIBLE_AFTER_MS).toISOString());
    expect(waiting.canTransact).toBe(false);

    const early = await rig.ekyc.submitDailyAuth(agent.userCode, dailyArg(agent));
    expect(early).toMatchObject({ accepted: false, state: 'WAITING_ELIGIBILITY', code: 'NOT_YET_ELIGIBLE' });
    expect(early.eligibleAt).toBe(waiting.eligibleAt);
    expect(dailyCalls(agent)).toEqual([]);

    // No request needed: the lifecycle's own timer moves it on when the window opens.
    await waitForState(agent, 'AUTH_REQUIRED', 15_000);
    const description = await rig.client.workflow.getHandle(agentWorkflowIdFor(agent.userCode)).describe();
    expect(description.typedSearchAttributes.get(EKO_USER_CODE_SA)).toBe(agent.userCode);
    expect(description.typedSearchAttributes.get(AGENT_STATE_SA)).toBe('AUTH_REQUIRED');
  });

  it('an agent without a lifecycle is unknown to status and gets EKYC_NOT_COMPLETED for Daily KYC', async () => {
    const agent = newAgent(sim);
    await expect(rig.ekyc.agentStatus(agent.userCode)).rejects.toMatchObject({ code: 'AGENT_NOT_FOUND' });
    expect(await rig.ekyc.submitDailyAuth(agent.userCode, dailyArg(agent))).toMatchObject({
      accepted: false,
      code: 'EKYC_NOT_COMPLETED',
    });
  });
});

describe('fingpayAgent: the day’s Daily KYC', () => {
  it('authenticates once per IST day: a second request answers ALREADY_AUTHENTICATED without calling Eko', async () => {
    const { agent, handle } = await eligibleAgent();
    const first = await rig.ekyc.submitDailyAuth(agent.userCode, dailyArg(agent));
    expect(first).toEqual({
      accepted: true,
      state: 'AUTHENTICATED',
      validUntil: new Date(nextIstMidnight(Date.now())).toISOString(),
    });
    expect(await handle.query(canTransactQuery)).toBe(true);
    const again = await rig.ekyc.submitDailyAuth(agent.userCode, dailyArg(agent));
    expect(again).toMatchObject({ accepted: true, state: 'AUTHENTICATED', code: 'ALREADY_AUTHENTICATED' });
    expect(dailyCalls(agent).map((e) => e.code)).toEqual(['0']);
    const status = await rig.ekyc.agentStatus(agent.userCode);
    expect(status.today).toMatchObject({ date: istDate(Date.now()), attemptsLeft: 3, invalidations: 0 });
    expect(status.today.authenticatedAt).not.toBeNull();
    const sa = (await handle.describe()).typedSearchAttributes;
    expect(sa.get(DAILY_AUTH_DATE_SA)).toBe(istDate(Date.now()));
    expect(sa.get(AGENT_STATE_SA)).toBe('AUTHENTICATED');
  });

  it('FP069 invalidates today’s authentication: AUTH_REQUIRED, and the second Daily KYC of the day is made', async () => {
    const { agent, handle } = await eligibleAgent();
    await rig.ekyc.submitDailyAuth(agent.userCode, dailyArg(agent));
    await rig.ekyc.invalidateDailyAuth(agent.userCode, 'FP069');
    const invalidated = await waitForState(agent, 'AUTH_REQUIRED');
    expect(invalidated.canTransact).toBe(false);
    expect(invalidated.today.invalidations).toBe(1);
    expect(await handle.query(canTransactQuery)).toBe(false);
    expect(await rig.ekyc.submitDailyAuth(agent.userCode, dailyArg(agent))).toMatchObject({
      accepted: true,
      state: 'AUTHENTICATED',
    });
    expect(dailyCalls(agent).map((e) => e.code)).toEqual(['0', '0']);
    await rig.ekyc.invalidateDailyAuth(agent.userCode, 'OPERATOR_CHANGED');
    expect((await waitForState(agent, 'AUTH_REQUIRED')).today.invalidations).toBe(2);
  });

  it('each rejected capture costs an attempt; none left → BLOCKED until the next IST midnight, Eko not called', async () => {
    const { agent } = await eligibleAgent();
    const poor = dailyArg(agent, { qScore: 10 });
    const outcomes = [];
    for (let i = 0; i < 3; i++) outcomes.push(await rig.ekyc.submitDailyAuth(agent.userCode, poor));
    expect(outcomes.map((o) => [o.accepted, o.state, o.code, o.attemptsLeft])).toEqual([
      [false, 'AUTH_REQUIRED', 'EkoBiometricRejected', 2],
      [false, 'AUTH_REQUIRED', 'EkoBiometricRejected', 1],
      [false, 'BLOCKED', 'EkoBiometricRejected', 0],
    ]);
    const midnight = new Date(nextIstMidnight(Date.now())).toISOString();
    expect(outcomes[2].retryAfter).toBe(midnight);
    const blocked = await rig.ekyc.submitDailyAuth(agent.userCode, dailyArg(agent));
    expect(blocked).toMatchObject({
      accepted: false,
      state: 'BLOCKED',
      code: 'DAILY_AUTH_BLOCKED',
      retryAfter: midnight,
    });
    expect(dailyCalls(agent).map((e) => e.code)).toEqual(['1714', '1714', '1714']);
  });

  it('a transient Eko failure is retried and uses up no attempt', async () => {
    const { agent } = await eligibleAgent();
    sim.injectFault(agent.userCode, 'dailyKyc', { kind: 'http503', times: 2 });
    expect(await rig.ekyc.submitDailyAuth(agent.userCode, dailyArg(agent))).toMatchObject({ accepted: true });
    const calls = dailyCalls(agent);
    expect(calls.map((e) => e.code)).toEqual(['http503', 'http503', '0']);
    expect(new Set(calls.map((e) => e.clientRefId)).size).toBe(1);
    expect(calls[0].clientRefId).toMatch(new RegExp(`^${agent.userCode}D[0-9A-F]{7}[0-9A-Z]{2}$`));
  });
});

describe('fingpayAgent: REKYC_REQUIRED', () => {
  it('Eko’s "Please complete bank eKYC" allows a new eKYC (refused before); its completion makes the agent eligible again', async () => {
    const agent = newAgent(sim);
    await completeEkyc(agent);
    await waitForState(agent, 'AUTH_REQUIRED', 15_000);
    await expect(rig.ekyc.startEkyc(ekycInput(agent))).rejects.toBeInstanceOf(EkycAlreadyCompletedError);

    sim.updateAgent(agent.userCode, { rekycRequired: true });
    const rekyc = await rig.ekyc.submitDailyAuth(agent.userCode, dailyArg(agent));
    expect(rekyc).toMatchObject({ accepted: false, state: 'REKYC_REQUIRED', code: 'EkoRekycRequired' });
    const status = await rig.ekyc.agentStatus(agent.userCode);
    expect([status.state, status.ekycAllowed]).toEqual(['REKYC_REQUIRED', true]);
    // While REKYC_REQUIRED, Eko is not called again.
    expect(await rig.ekyc.submitDailyAuth(agent.userCode, dailyArg(agent))).toMatchObject({ code: 'REKYC_REQUIRED' });
    expect(dailyCalls(agent)).toHaveLength(1);

    const { completedAt } = await completeEkyc(agent);
    const waiting = await waitForState(agent, 'WAITING_ELIGIBILITY');
    expect(waiting.ekycCompletedAt).toBe(completedAt);
    await waitForState(agent, 'AUTH_REQUIRED', 15_000);
    expect(await rig.ekyc.submitDailyAuth(agent.userCode, dailyArg(agent))).toMatchObject({
      accepted: true,
      state: 'AUTHENTICATED',
    });
    await recordHistory(rig.client.workflow.getHandle(agentWorkflowIdFor(agent.userCode)), 'agent-rekyc-path');
  });
});

describe('fingpayAgent: privacy and malformed messages', () => {
  it('refuses an unencrypted submitDailyAuth (UnencryptedPayload) and ignores an unencrypted invalidation', async () => {
    const { agent, handle } = await eligibleAgent();
    // Sends plain payloads, but reads the worker's encrypted answer (the rejection).
    const dc = testDataConverter();
    const aes = dc.payloadCodecs![0];
    const plain = await connectClient({
      ...dc,
      payloadCodecs: [{ encode: async (p: Payload[]) => p, decode: (p: Payload[]) => aes.decode(p) }],
    });
    try {
      const plainHandle = plain.client.workflow.getHandle(agentWorkflowIdFor(agent.userCode));
      const err = await plainHandle.executeUpdate(submitDailyAuthUpdate, { args: [dailyArg(agent)] }).catch((e) => e);
      expect(err).toBeInstanceOf(WorkflowUpdateFailedError);
      expect(err.cause?.type).toBe('UnencryptedPayload');
      await plainHandle.signal(invalidateDailyAuthSignal, { reason: 'FP069' });
    } finally {
      await plain.close();
    }
    await rig.ekyc.submitDailyAuth(agent.userCode, dailyArg(agent));
    const status = await handle.query(agentStatusQuery);
    expect(status.state).toBe('AUTHENTICATED');
    expect(status.ignoredSignals.map((s) => [s.name, s.reason])).toEqual([['invalidateDailyAuth', 'unencrypted']]);
    expect(dailyCalls(agent)).toHaveLength(1);
  });

  it('rejects a malformed argument in the client, and in the validator when sent around it', async () => {
    const { agent, handle } = await eligibleAgent();
    await expect(rig.ekyc.submitDailyAuth(agent.userCode, { aadhaar: '123', pidData: 'x' })).rejects.toBeInstanceOf(
      ValidationError,
    );
    const before = await settled(handle);
    const err = await handle
      .executeUpdate(submitDailyAuthUpdate, { args: [{ aadhaar: agent.aadhaar, pidData: '<nope/>' }] })
      .catch((e) => e);
    expect(err.cause?.type).toBe('InvalidArgument');
    expect(err.cause?.details?.[0]?.errors).toEqual([
      { field: 'pidData', rule: 'must be the PidData XML returned by the RD service' },
    ]);
    expect((await handle.fetchHistory()).events!.length).toBe(before);
  });

  it('keeps the Aadhaar number, mobile and PID out of status, search attributes and stored history in plain text', async () => {
    const { agent, handle } = await eligibleAgent();
    await rig.ekyc.submitDailyAuth(agent.userCode, { ...dailyArg(agent), customerId: agent.customerId });
    const status = JSON.stringify(await handle.query(agentStatusQuery));
    const history = JSON.stringify(await handle.fetchHistory());
    const attributes = JSON.stringify((await handle.describe()).raw.workflowExecutionInfo?.searchAttributes);
    for (const text of [status, history, attributes]) {
      expect(text).not.toContain(agent.aadhaar);
      expect(text).not.toContain(agent.customerId);
      expect(text).not.toContain('PidData');
    }
  });
});
