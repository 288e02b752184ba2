import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WorkflowExecutionAlreadyStartedError, WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { workflowIdFor } from '../../common/domain.js';
import {
  cancelSignal,
  otpSignal,
  statusQuery,
  submitBiometricUpdate,
  submitOtpUpdate,
} from '../../workflows/messages.js';
import { fingpayEkyc } from '../../workflows/index.js';
import { badChecksumAadhaar, pidData } from '../sim/eko-fixtures.js';
import { ekycInput, recordHistory, startHarness, waitForStage, waitForStatus, type Harness } from './harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
});

const calls = (userCode: string, step: string) =>
  h.sim.ledger().filter((e) => e.userCode === userCode && e.step === step);

/** The failure a closed run ended with. */
async function endFailure(promise: Promise<unknown>): Promise<unknown> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(WorkflowFailedError);
  return (err as WorkflowFailedError).cause;
}

async function toBiometric(agent: { userCode: string }, handle: Awaited<ReturnType<Harness['start']>>) {
  await waitForStage(handle, 'AWAITING_OTP');
  await handle.executeUpdate(submitOtpUpdate, { args: [{ otp: h.sim.currentOtp(agent.userCode)! }] });
}

describe('ending a session', () => {
  it('ends EXPIRED with SESSION_TIMEOUT when the session timeout passes', async () => {
    const agent = h.newAgent();
    const handle = await h.start(agent, { sessionTimeout: '2s' });
    const failure = await endFailure(handle.result());
    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect((failure as ApplicationFailure).type).toBe('EkycExpired');
    const status = await handle.query(statusQuery);
    expect(status.stage).toBe('EXPIRED');
    expect(status.lastError?.code).toBe('SESSION_TIMEOUT');
    await recordHistory(handle, 'session-timeout-expired');
  });

  it('ends EXPIRED with BIOMETRIC_TIMEOUT when no fingerprint arrives within the biometric timeout', async () => {
    const agent = h.newAgent();
    const handle = await h.start(agent, { biometricTimeout: '2s' });
    await toBiometric(agent, handle);
    const status = await waitForStage(handle, 'EXPIRED');
    expect(status.lastError?.code).toBe('BIOMETRIC_TIMEOUT');
  });

  it('the cancel signal ends the session CANCELLED with its reason', async () => {
    const agent = h.newAgent();
    const handle = await h.start(agent);
    await waitForStage(handle, 'AWAITING_OTP');
    await handle.signal(cancelSignal, { reason: 'agent gave up' });
    const failure = await endFailure(handle.result());
    expect((failure as ApplicationFailure).type).toBe('EkycCancelled');
    const status = await handle.query(statusQuery);
    expect(status.stage).toBe('CANCELLED');
    expect(status.lastError).toEqual({ code: 'CANCELLED', message: 'agent gave up' });
    await recordHistory(handle, 'cancel-signal');
  });

  it('a cancel during an Eko call takes effect once the call has settled', async () => {
    const agent = h.newAgent();
    const handle = await h.start(agent);
    await waitForStage(handle, 'AWAITING_OTP');
    h.sim.injectFault(agent.userCode, 'verifyOtp', { kind: 'latency', ms: 5_000 });
    await handle.signal(otpSignal, { otp: h.sim.currentOtp(agent.userCode)! });
    await waitForStage(handle, 'VERIFYING_OTP');
    await handle.signal(cancelSignal, { reason: 'stop' });
    const status = await waitForStage(handle, 'CANCELLED');
    expect(status.otpRefId).not.toBeNull();
    expect(calls(agent.userCode, 'verifyOtp').map((e) => e.code)).toEqual(['0']);
  });

  it('cancelling through Temporal ends the run as Canceled with stage CANCELLED', async () => {
    const agent = h.newAgent();
    const handle = await h.start(agent);
    await waitForStage(handle, 'AWAITING_OTP');
    await handle.cancel();
    expect(await endFailure(handle.result())).toBeInstanceOf(CancelledFailure);
    expect((await handle.describe()).status.name).toBe('CANCELLED');
    expect((await handle.query(statusQuery)).stage).toBe('CANCELLED');
    await recordHistory(handle, 'temporal-cancel');
  });

  it('cancelling through Temporal during an Eko call lets the call settle and still answers the update waiting on it', async () => {
    const agent = h.newAgent();
    const handle = await h.start(agent);
    await waitForStage(handle, 'AWAITING_OTP');
    h.sim.injectFault(agent.userCode, 'verifyOtp', { kind: 'latency', ms: 2_000 });
    const update = handle.executeUpdate(submitOtpUpdate, { args: [{ otp: h.sim.currentOtp(agent.userCode)! }] });
    await waitForStage(handle, 'VERIFYING_OTP');
    await handle.cancel();
    expect(await endFailure(handle.result())).toBeInstanceOf(CancelledFailure);
    // The update was answered with Eko's verdict, the call was made once and never asked to stop.
    expect(await update).toMatchObject({ accepted: true });
    expect(calls(agent.userCode, 'verifyOtp').map((e) => e.code)).toEqual(['0']);
    const events = (await handle.fetchHistory()).events ?? [];
    expect(events.filter((e) => e.activityTaskCancelRequestedEventAttributes)).toEqual([]);
    expect(events.filter((e) => e.activityTaskCompletedEventAttributes).length).toBeGreaterThanOrEqual(3);
    expect((await handle.query(statusQuery)).stage).toBe('CANCELLED');
  });
});

describe('biometric attempts', () => {
  it('a rejected fingerprint returns to AWAITING_BIOMETRIC with one attempt fewer, and a good one then completes', async () => {
    const agent = h.newAgent();
    const handle = await h.start(agent);
    await toBiometric(agent, handle);
    const rejected = await handle.executeUpdate(submitBiometricUpdate, {
      args: [{ pidData: pidData({ qScore: 10 }) }],
    });
    expect(rejected).toMatchObject({
      accepted: false,
      stage: 'AWAITING_BIOMETRIC',
      code: 'EkoBiometricRejected',
      attemptsLeft: 2,
    });
    const done = await handle.executeUpdate(submitBiometricUpdate, { args: [{ pidData: pidData() }] });
    expect(done).toEqual({ accepted: true, stage: 'COMPLETED' });
    await recordHistory(handle, 'biometric-rejected-then-accepted');
  });

  it('ends FAILED with BIOMETRIC_ATTEMPTS_EXHAUSTED when every fingerprint is rejected', async () => {
    const agent = h.newAgent();
    const handle = await h.start(agent, { maxBiometricAttempts: 2 });
    await toBiometric(agent, handle);
    await handle.executeUpdate(submitBiometricUpdate, { args: [{ pidData: pidData({ qScore: 10 }) }] });
    const last = await handle.executeUpdate(submitBiometricUpdate, { args: [{ pidData: pidData({ qScore: 10 }) }] });
    expect(last).toMatchObject({ accepted: false, stage: 'FAILED', code: 'EkoBiometricRejected', attemptsLeft: 0 });
    const failure = (await endFailure(handle.result())) as ApplicationFailure;
    expect(failure.type).toBe('EkycFailed');
    expect(failure.details?.[0]).toMatchObject({
      stage: 'FAILED',
      lastError: { code: 'BIOMETRIC_ATTEMPTS_EXHAUSTED' },
    });
    await recordHistory(handle, 'biometric-attempts-exhausted');
  });
});

describe('permanent Eko errors', () => {
  it('a permanent error at Send OTP ends FAILED with its code after exactly one call', async () => {
    const agent = h.newAgent();
    h.sim.updateAgent(agent.userCode, { activated: false });
    const handle = await h.start(agent);
    const failure = (await endFailure(handle.result())) as ApplicationFailure;
    expect(failure.type).toBe('EkycFailed');
    const status = await handle.query(statusQuery);
    expect(status.stage).toBe('FAILED');
    expect(status.lastError?.code).toBe('EkoAgentNotAllowed');
    expect(calls(agent.userCode, 'sendOtp')).toHaveLength(1);
    await recordHistory(handle, 'permanent-error-send-otp');
  });

  it('a permanent error at Verify OTP ends FAILED with its code after exactly one call', async () => {
    const agent = h.newAgent();
    const handle = await h.start(agent);
    await waitForStage(handle, 'AWAITING_OTP');
    h.sim.injectFault(agent.userCode, 'verifyOtp', { kind: 'notAllowed' });
    const outcome = await handle.executeUpdate(submitOtpUpdate, { args: [{ otp: h.sim.currentOtp(agent.userCode)! }] });
    expect(outcome).toMatchObject({ accepted: false, stage: 'FAILED', code: 'EkoAgentNotAllowed' });
    expect(calls(agent.userCode, 'verifyOtp')).toHaveLength(1);
  });
});

describe('starting and restarting', () => {
  it('a duplicate start returns the running session', async () => {
    const agent = h.newAgent();
    const first = await h.start(agent);
    await waitForStage(first, 'AWAITING_OTP');
    const second = await h.start(agent);
    expect(second.firstExecutionRunId).toBe(first.firstExecutionRunId);
    expect(calls(agent.userCode, 'sendOtp')).toHaveLength(1);
    await first.signal(cancelSignal, { reason: 'test over' });
  });

  it('a completed session cannot be started again', async () => {
    const agent = h.newAgent();
    const handle = await h.start(agent);
    await toBiometric(agent, handle);
    await handle.executeUpdate(submitBiometricUpdate, { args: [{ pidData: pidData() }] });
    await handle.result();
    await expect(h.start(agent)).rejects.toBeInstanceOf(WorkflowExecutionAlreadyStartedError);
  });

  it('a failed session can be started again as a new run', async () => {
    const agent = h.newAgent();
    h.sim.injectFault(agent.userCode, 'sendOtp', { kind: 'notAllowed' });
    // Every Send OTP counts towards the agent's cooldown, refused or not (workflows/otp-quota.ts): keep it short.
    const failed = await h.start(agent, { resendCooldown: '1s' });
    await endFailure(failed.result());
    const again = await h.start(agent, { resendCooldown: '1s' });
    expect(again.firstExecutionRunId).not.toBe(failed.firstExecutionRunId);
    await waitForStage(again, 'AWAITING_OTP');
    await again.signal(cancelSignal, { reason: 'test over' });
  });

  it('invalid input fails the run with InvalidArgument naming the field and not the value', async () => {
    const agent = { ...h.newAgent(), aadhaar: badChecksumAadhaar() };
    const handle = await h.client.workflow.start(fingpayEkyc, {
      taskQueue: h.taskQueue,
      workflowId: workflowIdFor(agent.userCode),
      args: [ekycInput(agent)],
    });
    const failure = (await endFailure(handle.result())) as ApplicationFailure;
    expect(failure.type).toBe('InvalidArgument');
    expect(failure.message).toContain('aadhaar');
    expect(failure.message).not.toContain(agent.aadhaar);
    expect(calls(agent.userCode, 'sendOtp')).toHaveLength(0);
  });
});

describe('status', () => {
  it('reports the policy, deadline and no PII', async () => {
    const agent = h.newAgent();
    const handle = await h.start(agent, { sessionTimeout: '1h', maxResends: 2 });
    const status = await waitForStatus(handle, (s) => s.stage === 'AWAITING_OTP', 'AWAITING_OTP');
    expect(status.policy).toMatchObject({ sessionTimeout: '1h', maxResends: 2, otpTimeout: '10m' });
    expect(Date.parse(status.deadline) - Date.parse(status.startedAt)).toBe(3_600_000);
    const text = JSON.stringify(status);
    expect(text.includes(agent.aadhaar) || text.includes(agent.customerId)).toBe(false);
    await handle.signal(cancelSignal, { reason: 'test over' });
  });
});
