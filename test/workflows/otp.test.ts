import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import {
  biometricSignal,
  otpSignal,
  requestOtpResendUpdate,
  statusQuery,
  submitBiometricUpdate,
  submitOtpUpdate,
} from '../../workflows/messages.js';
import { pidData } from '../sim/eko-fixtures.js';
import {
  cancelAndWait,
  historyLength,
  recordHistory,
  startHarness,
  waitForStage,
  waitForStatus,
  type Harness,
} from './harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
});

const wrong = (otp: string) => String((Number(otp) + 1) % 1_000_000).padStart(6, '0');
const calls = (userCode: string, step: string) =>
  h.sim.ledger().filter((e) => e.userCode === userCode && e.step === step);

/** The validator's rejection: the update failed with an ApplicationFailure of this type. */
async function rejection(promise: Promise<unknown>): Promise<ApplicationFailure> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(WorkflowUpdateFailedError);
  const cause = (err as WorkflowUpdateFailedError).cause;
  expect(cause).toBeInstanceOf(ApplicationFailure);
  return cause as ApplicationFailure;
}

describe('OTP handling', () => {
  it('rejects a wrong OTP with one attempt fewer, then verifies the right one', async () => {
    const agent = h.newAgent();
    const handle = await h.start(agent);
    await waitForStage(handle, 'AWAITING_OTP');
    const otp = h.sim.currentOtp(agent.userCode)!;

    const rejected = await handle.executeUpdate(submitOtpUpdate, { args: [{ otp: wrong(otp) }] });
    expect(rejected).toMatchObject({ accepted: false, stage: 'AWAITING_OTP', code: 'EkoOtpRejected', attemptsLeft: 2 });
    expect((await handle.query(statusQuery)).lastError?.code).toBe('EkoOtpRejected');

    const verified = await handle.executeUpdate(submitOtpUpdate, { args: [{ otp }] });
    expect(verified).toEqual({ accepted: true, stage: 'AWAITING_BIOMETRIC', attemptsLeft: 3 });
    expect((await handle.query(statusQuery)).lastError).toBeNull();
    await handle.executeUpdate(submitBiometricUpdate, { args: [{ pidData: pidData() }] });
    await handle.result();
    await recordHistory(handle, 'otp-wrong-then-right');
  });

  it('with every attempt used only a resend helps, and the resend brings a new pair and restores the attempts', async () => {
    const agent = h.newAgent();
    const handle = await h.start(agent, { maxOtpAttempts: 2, resendCooldown: '0s' });
    const first = await waitForStage(handle, 'AWAITING_OTP');
    const oldOtp = h.sim.currentOtp(agent.userCode)!;
    for (const left of [1, 0]) {
      const outcome = await handle.executeUpdate(submitOtpUpdate, { args: [{ otp: wrong(oldOtp) }] });
      expect(outcome).toMatchObject({ accepted: false, code: 'EkoOtpRejected', attemptsLeft: left });
    }
    const refused = await handle.executeUpdate(submitOtpUpdate, { args: [{ otp: oldOtp }] });
    expect(refused).toMatchObject({ accepted: false, stage: 'AWAITING_OTP', code: 'NO_OTP_ATTEMPTS_LEFT' });
    expect(calls(agent.userCode, 'verifyOtp')).toHaveLength(2); // the refused one never reached Eko

    const resent = await handle.executeUpdate(requestOtpResendUpdate, { args: [{}] });
    expect(resent).toEqual({ accepted: true, stage: 'AWAITING_OTP', attemptsLeft: 2 });
    const status = await handle.query(statusQuery);
    expect(status).toMatchObject({ otpAttemptsLeft: 2, resendsLeft: 2 });
    expect(status.otpRefId).not.toBe(first.otpRefId);
    expect(status.referenceTid).not.toBe(first.referenceTid);

    const verified = await handle.executeUpdate(submitOtpUpdate, {
      args: [{ otp: h.sim.currentOtp(agent.userCode)! }],
    });
    expect(verified.accepted).toBe(true);
    await cancelAndWait(handle);
    await recordHistory(handle, 'otp-attempts-exhausted-then-resend');
  });

  it('refuses a resend during the cooldown, saying when it becomes available, without calling Eko', async () => {
    const agent = h.newAgent();
    const handle = await h.start(agent, { resendCooldown: '1h' });
    const status = await waitForStage(handle, 'AWAITING_OTP');
    const outcome = await handle.executeUpdate(requestOtpResendUpdate, { args: [{}] });
    expect(outcome).toMatchObject({ accepted: false, stage: 'AWAITING_OTP', code: 'RESEND_COOLDOWN' });
    expect(outcome.retryAfter).toBe(status.resendAvailableAt);
    expect(Date.parse(outcome.retryAfter!) - Date.parse(status.startedAt)).toBeGreaterThanOrEqual(3_600_000);
    expect(calls(agent.userCode, 'sendOtp')).toHaveLength(1);
    expect((await handle.query(statusQuery)).resendsLeft).toBe(3);
    await cancelAndWait(handle);
    await recordHistory(handle, 'otp-resend-cooldown');
  });

  it('refuses a resend once the limit is reached', async () => {
    const agent = h.newAgent();
    const handle = await h.start(agent, { resendCooldown: '0s', maxResends: 1 });
    await waitForStage(handle, 'AWAITING_OTP');
    expect((await handle.executeUpdate(requestOtpResendUpdate, { args: [{}] })).accepted).toBe(true);
    const outcome = await handle.executeUpdate(requestOtpResendUpdate, { args: [{}] });
    expect(outcome).toMatchObject({ accepted: false, code: 'RESEND_LIMIT_REACHED' });
    expect(calls(agent.userCode, 'sendOtp')).toHaveLength(2);
    await cancelAndWait(handle);
  });

  it('after the OTP timeout the status says the OTP expired, an OTP is refused, and a resend brings a fresh one', async () => {
    const agent = h.newAgent();
    const handle = await h.start(agent, { otpTimeout: '2s', resendCooldown: '0s' });
    await waitForStage(handle, 'AWAITING_OTP');
    const otp = h.sim.currentOtp(agent.userCode)!;
    const expired = await waitForStatus(handle, (s) => s.otpExpired, 'otpExpired');
    expect(expired.stage).toBe('AWAITING_OTP');

    const refused = await handle.executeUpdate(submitOtpUpdate, { args: [{ otp }] });
    expect(refused).toMatchObject({ accepted: false, code: 'OTP_EXPIRED' });
    expect(calls(agent.userCode, 'verifyOtp')).toHaveLength(0);

    expect((await handle.executeUpdate(requestOtpResendUpdate, { args: [{}] })).accepted).toBe(true);
    expect((await handle.query(statusQuery)).otpExpired).toBe(false);
    const verified = await handle.executeUpdate(submitOtpUpdate, {
      args: [{ otp: h.sim.currentOtp(agent.userCode)! }],
    });
    expect(verified.accepted).toBe(true);
    await cancelAndWait(handle);
    await recordHistory(handle, 'otp-timeout-then-resend');
  });

  it('ends FAILED with OTP_EXPIRED when the OTP expires and no resends are left', async () => {
    const agent = h.newAgent();
    const handle = await h.start(agent, { otpTimeout: '1s', maxResends: 0 });
    const status = await waitForStage(handle, 'FAILED');
    expect(status.lastError?.code).toBe('OTP_EXPIRED');
    await expect(handle.result()).rejects.toThrow();
  });

  it('ends FAILED with OTP_ATTEMPTS_EXHAUSTED when every attempt is rejected and no resends are left', async () => {
    const agent = h.newAgent();
    const handle = await h.start(agent, { maxOtpAttempts: 1, maxResends: 0 });
    await waitForStage(handle, 'AWAITING_OTP');
    const outcome = await handle.executeUpdate(submitOtpUpdate, {
      args: [{ otp: wrong(h.sim.currentOtp(agent.userCode)!) }],
    });
    expect(outcome).toMatchObject({ accepted: false, stage: 'FAILED', code: 'EkoOtpRejected', attemptsLeft: 0 });
    expect((await handle.query(statusQuery)).lastError?.code).toBe('OTP_ATTEMPTS_EXHAUSTED');
  });
});

describe('bad input', () => {
  it('rejects a malformed OTP in the update validator, writing nothing to history', async () => {
    const agent = h.newAgent();
    const handle = await h.start(agent);
    await waitForStage(handle, 'AWAITING_OTP');
    const before = await historyLength(handle);
    const failure = await rejection(handle.executeUpdate(submitOtpUpdate, { args: [{ otp: '12a45' }] }));
    expect(failure.type).toBe('InvalidArgument');
    expect(failure.details?.[0]).toMatchObject({ stage: 'AWAITING_OTP', errors: [{ field: 'otp' }] });
    expect(failure.message).not.toContain('12a45');
    expect(await historyLength(handle)).toBe(before);
    await cancelAndWait(handle);
  });

  it('rejects a malformed PID in the update validator, writing nothing to history', async () => {
    const agent = h.newAgent();
    const handle = await h.start(agent);
    await waitForStage(handle, 'AWAITING_OTP');
    await handle.executeUpdate(submitOtpUpdate, { args: [{ otp: h.sim.currentOtp(agent.userCode)! }] });
    const before = await historyLength(handle);
    const failure = await rejection(
      handle.executeUpdate(submitBiometricUpdate, { args: [{ pidData: '<NotPid>secret</NotPid>' }] }),
    );
    expect(failure.type).toBe('InvalidArgument');
    expect(failure.details?.[0]).toMatchObject({ stage: 'AWAITING_BIOMETRIC', errors: [{ field: 'pidData' }] });
    expect(failure.message).not.toContain('secret');
    expect(await historyLength(handle)).toBe(before);
    await cancelAndWait(handle);
  });

  it('rejects an update in the wrong stage as WrongStage, writing nothing to history', async () => {
    const agent = h.newAgent();
    const handle = await h.start(agent);
    await waitForStage(handle, 'AWAITING_OTP');
    const before = await historyLength(handle);
    const failure = await rejection(handle.executeUpdate(submitBiometricUpdate, { args: [{ pidData: pidData() }] }));
    expect(failure.type).toBe('WrongStage');
    expect(failure.details?.[0]).toEqual({ stage: 'AWAITING_OTP' });
    expect(await historyLength(handle)).toBe(before);
    expect(calls(agent.userCode, 'biometric')).toHaveLength(0);
    await cancelAndWait(handle);
  });

  it('ignores a malformed or out-of-stage signal and lists it in status().ignoredSignals without its value', async () => {
    const agent = h.newAgent();
    const handle = await h.start(agent);
    await waitForStage(handle, 'AWAITING_OTP');
    await handle.signal(otpSignal, { otp: '98765x' });
    await handle.signal(biometricSignal, { pidData: pidData() });
    const status = await waitForStatus(handle, (s) => s.ignoredSignals.length === 2, 'two ignored signals');
    expect(status.stage).toBe('AWAITING_OTP');
    expect(status.ignoredSignals.map((s) => s.name)).toEqual(['otp', 'biometric']);
    expect(status.ignoredSignals[0].reason).toMatch(/malformed: otp/);
    expect(status.ignoredSignals[1].reason).toMatch(/AWAITING_OTP/);
    expect(JSON.stringify(status.ignoredSignals)).not.toContain('98765x');
    expect(calls(agent.userCode, 'verifyOtp')).toHaveLength(0);
    await cancelAndWait(handle);
    await recordHistory(handle, 'ignored-signals');
  });
});
