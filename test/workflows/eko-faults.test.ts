import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EkoStep } from '../../common/eko-steps.js';
import {
  requestOtpResendUpdate,
  statusQuery,
  submitBiometricUpdate,
  submitOtpUpdate,
} from '../../workflows/messages.js';
import { pidData } from '../sim/eko-fixtures.js';
import { cancelAndWait, recordHistory, startHarness, waitForStage, type Harness } from './harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
});

const wrong = (otp: string) => String((Number(otp) + 1) % 1_000_000).padStart(6, '0');
const calls = (userCode: string, step: EkoStep) =>
  h.sim.ledger().filter((e) => e.userCode === userCode && e.step === step);

describe('transient Eko failures', () => {
  it('retries transient faults at every step to success, each retry carrying its call’s client_ref_id', async () => {
    const agent = h.newAgent();
    h.sim.injectFault(agent.userCode, 'sendOtp', { kind: 'http503', times: 2 });
    h.sim.injectFault(agent.userCode, 'verifyOtp', { kind: 'reset' });
    h.sim.injectFault(agent.userCode, 'verifyOtp', { kind: 'http429', retryAfterSeconds: 1 });
    h.sim.injectFault(agent.userCode, 'biometric', { kind: 'busy' });
    h.sim.injectFault(agent.userCode, 'biometric', { kind: 'http500' });

    const handle = await h.start(agent);
    await waitForStage(handle, 'AWAITING_OTP');
    const verified = await handle.executeUpdate(submitOtpUpdate, {
      args: [{ otp: h.sim.currentOtp(agent.userCode)! }],
    });
    expect(verified.accepted).toBe(true);
    const done = await handle.executeUpdate(submitBiometricUpdate, { args: [{ pidData: pidData() }] });
    expect(done).toEqual({ accepted: true, stage: 'COMPLETED' });

    const ids = new Set<string>();
    for (const [step, faults] of [
      ['sendOtp', 2],
      ['verifyOtp', 2],
      ['biometric', 2],
    ] as const) {
      const entries = calls(agent.userCode, step);
      expect(entries.map((e) => e.code).at(-1), step).toBe('0');
      expect(entries, step).toHaveLength(faults + 1);
      const refs = new Set(entries.map((e) => e.clientRefId));
      expect(refs.size, `${step}: one client_ref_id for all attempts`).toBe(1);
      const [ref] = refs;
      expect(ref!.length).toBeLessThanOrEqual(20);
      ids.add(ref!);
    }
    expect(ids.size, 'each logical call has its own client_ref_id').toBe(3);
    await recordHistory(handle, 'transient-faults-retried');
  });

  it('gives each logical call a new client_ref_id: a resend and a second verification do not reuse one', async () => {
    const agent = h.newAgent();
    const handle = await h.start(agent, { resendCooldown: '0s' });
    await waitForStage(handle, 'AWAITING_OTP');
    const otp = h.sim.currentOtp(agent.userCode)!;
    await handle.executeUpdate(submitOtpUpdate, { args: [{ otp: wrong(otp) }] });
    await handle.executeUpdate(requestOtpResendUpdate, { args: [{}] });
    await handle.executeUpdate(submitOtpUpdate, { args: [{ otp: h.sim.currentOtp(agent.userCode)! }] });
    const entries = h.sim.ledger().filter((e) => e.userCode === agent.userCode);
    expect(entries.map((e) => e.step)).toEqual(['sendOtp', 'verifyOtp', 'sendOtp', 'verifyOtp']);
    expect(new Set(entries.map((e) => e.clientRefId)).size).toBe(4);
    await cancelAndWait(handle);
  });

  it('when Eko stays unavailable for the whole step the agent is told EKO_UNAVAILABLE, nothing is used up, and a retry works', async () => {
    const agent = h.newAgent();
    const handle = await h.start(agent, { ekoStepTimeout: '5s' });
    await waitForStage(handle, 'AWAITING_OTP');
    h.sim.injectFault(agent.userCode, 'verifyOtp', { kind: 'http503', times: 1000 });
    const otp = h.sim.currentOtp(agent.userCode)!;

    const outcome = await handle.executeUpdate(submitOtpUpdate, { args: [{ otp }] });
    expect(outcome).toMatchObject({ accepted: false, stage: 'AWAITING_OTP', code: 'EKO_UNAVAILABLE', attemptsLeft: 3 });
    const status = await handle.query(statusQuery);
    expect(status.lastError?.code).toBe('EKO_UNAVAILABLE');
    expect(status.otpAttemptsLeft).toBe(3);
    const attempts = calls(agent.userCode, 'verifyOtp');
    expect(attempts.length).toBeGreaterThan(1);
    expect(new Set(attempts.map((e) => e.clientRefId)).size).toBe(1);

    h.sim.clearFaults();
    const retried = await handle.executeUpdate(submitOtpUpdate, { args: [{ otp }] });
    expect(retried).toMatchObject({ accepted: true, stage: 'AWAITING_BIOMETRIC' });
    expect((await handle.query(statusQuery)).lastError).toBeNull();
    await cancelAndWait(handle);
    await recordHistory(handle, 'eko-unavailable-then-retry');
  });

  it('when Eko stays unavailable for the first Send OTP the session ends FAILED with EKO_UNAVAILABLE', async () => {
    const agent = h.newAgent();
    h.sim.injectFault(agent.userCode, 'sendOtp', { kind: 'http503', times: 1000 });
    const handle = await h.start(agent, { ekoStepTimeout: '5s' });
    const status = await waitForStage(handle, 'FAILED');
    expect(status.lastError?.code).toBe('EKO_UNAVAILABLE');
    expect(status.lastError?.message).toContain('EkoUnavailable');
    h.sim.clearFaults();
    await recordHistory(handle, 'eko-unavailable-send-otp-failed');
  });
});

describe('an Eko answer lost after Eko acted', () => {
  it('ends FAILED with EkoOutcomeUncertain, not a plain rejection, when a retried biometric meets the consumed pair', async () => {
    const agent = h.newAgent();
    h.sim.injectFault(agent.userCode, 'biometric', { kind: 'lostResponse' });
    const handle = await h.start(agent);
    await waitForStage(handle, 'AWAITING_OTP');
    await handle.executeUpdate(submitOtpUpdate, { args: [{ otp: h.sim.currentOtp(agent.userCode)! }] });
    const outcome = await handle.executeUpdate(submitBiometricUpdate, { args: [{ pidData: pidData() }] });

    expect(outcome).toMatchObject({ accepted: false, stage: 'FAILED', code: 'EkoOutcomeUncertain' });
    const status = await handle.query(statusQuery);
    expect(status.lastError?.code).toBe('EkoOutcomeUncertain');
    expect(status.lastError?.message).toMatch(/check with Eko/);
    // Eko completed the eKYC exactly once; the retry (same client_ref_id) was refused by Eko's new state.
    const entries = calls(agent.userCode, 'biometric');
    expect(entries.map((e) => e.code)).toEqual(['0', '461']);
    expect(entries[0].fault).toBe('lostResponse');
    expect(new Set(entries.map((e) => e.clientRefId)).size).toBe(1);
  });
});
