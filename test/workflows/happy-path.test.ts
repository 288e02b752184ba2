import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { maskMobile } from '../../common/domain.js';
import {
  biometricSignal,
  EKYC_STAGE_SA,
  EKO_USER_CODE_SA,
  otpSignal,
  statusQuery,
  submitBiometricUpdate,
  submitOtpUpdate,
} from '../../workflows/messages.js';
import { pidData } from '../sim/eko-fixtures.js';
import { recordHistory, startHarness, testDataConverter, waitForStage, type Harness } from './harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
});

describe('fingpayEkyc happy path', () => {
  it('completes Send OTP → Verify OTP → Biometric through the updates and returns { userCode, completedAt }', async () => {
    const agent = h.newAgent();
    const handle = await h.start(agent);
    const sent = await waitForStage(handle, 'AWAITING_OTP');
    expect(sent.otpRefId).toMatch(/^\d+$/);
    expect(sent.referenceTid).toMatch(/^EKYKF/);
    expect(sent.mobileHint).toBe(maskMobile(agent.customerId));
    expect(sent.otpAttemptsLeft).toBe(3);

    const otp = h.sim.currentOtp(agent.userCode)!;
    const verified = await handle.executeUpdate(submitOtpUpdate, { args: [{ otp }] });
    expect(verified).toEqual({ accepted: true, stage: 'AWAITING_BIOMETRIC', attemptsLeft: 3 });
    const afterVerify = await handle.query(statusQuery);
    // Verify OTP returns a new pair, and the session keeps that one for the biometric step.
    expect(afterVerify.referenceTid).toMatch(/^BEKYF/);
    expect(afterVerify.otpRefId).not.toBe(sent.otpRefId);

    const done = await handle.executeUpdate(submitBiometricUpdate, { args: [{ pidData: pidData() }] });
    expect(done).toEqual({ accepted: true, stage: 'COMPLETED' });
    const result = await handle.result();
    expect(result.userCode).toBe(agent.userCode);
    expect(Number.isNaN(Date.parse(result.completedAt))).toBe(false);
    expect(h.sim.agentState(agent.userCode)?.ekycCompletedAt).not.toBeNull();
    await recordHistory(handle, 'happy-path-updates');
  });

  it('completes through the plain otp and biometric signals', async () => {
    const agent = h.newAgent();
    const handle = await h.start(agent);
    await waitForStage(handle, 'AWAITING_OTP');
    await handle.signal(otpSignal, { otp: h.sim.currentOtp(agent.userCode)! });
    await waitForStage(handle, 'AWAITING_BIOMETRIC');
    await handle.signal(biometricSignal, { pidData: pidData() });
    expect((await handle.result()).userCode).toBe(agent.userCode);
    const status = await handle.query(statusQuery);
    expect(status.stage).toBe('COMPLETED');
    expect(status.ignoredSignals).toEqual([]);
    await recordHistory(handle, 'happy-path-signals');
  });

  it('upserts EkycStage on every transition and EkoUserCode at start', async () => {
    const agent = h.newAgent();
    const handle = await h.start(agent);
    await waitForStage(handle, 'AWAITING_OTP');
    let described = await handle.describe();
    expect(described.typedSearchAttributes.get(EKYC_STAGE_SA)).toBe('AWAITING_OTP');
    expect(described.typedSearchAttributes.get(EKO_USER_CODE_SA)).toBe(agent.userCode);

    await handle.executeUpdate(submitOtpUpdate, { args: [{ otp: h.sim.currentOtp(agent.userCode)! }] });
    await handle.executeUpdate(submitBiometricUpdate, { args: [{ pidData: pidData() }] });
    await handle.result();
    described = await handle.describe();
    expect(described.typedSearchAttributes.get(EKYC_STAGE_SA)).toBe('COMPLETED');

    const history = await handle.fetchHistory();
    const upserted = history
      .events!.filter((e) => e.upsertWorkflowSearchAttributesEventAttributes)
      .map((e) => {
        const field = e.upsertWorkflowSearchAttributesEventAttributes!.searchAttributes!.indexedFields!.EkycStage;
        return field ? JSON.parse(Buffer.from(field.data!).toString()) : undefined;
      })
      .filter(Boolean);
    expect(upserted).toEqual([
      'SENDING_OTP',
      'AWAITING_OTP',
      'VERIFYING_OTP',
      'AWAITING_BIOMETRIC',
      'SUBMITTING_BIOMETRIC',
      'COMPLETED',
    ]);
  });

  it('names each Eko step in its activity summary and shows stage and attempts as current details', async () => {
    const agent = h.newAgent();
    const handle = await h.start(agent);
    await waitForStage(handle, 'AWAITING_OTP');
    const meta = await handle.query<{ currentDetails: string }>('__temporal_workflow_metadata');
    expect(meta.currentDetails).toContain('AWAITING_OTP');
    expect(meta.currentDetails).toContain('OTP attempts left: 3/3');

    const history = await handle.fetchHistory();
    // The Eko call, after the agent's OTP quota was asked (workflows/otp-quota.ts).
    const scheduled = history.events!.filter(
      (e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'sendOtp',
    );
    expect(scheduled).toHaveLength(1);
    const converter = testDataConverter();
    const [decoded] = await converter.payloadCodecs![0].decode([scheduled[0].userMetadata!.summary!]);
    expect(JSON.parse(Buffer.from(decoded.data!).toString())).toBe('Eko: send OTP');
  });

  it('keeps the Aadhaar number, mobile, OTP and PID data out of the stored history in plain text', async () => {
    const agent = h.newAgent();
    const handle = await h.start(agent);
    await waitForStage(handle, 'AWAITING_OTP');
    const otp = h.sim.currentOtp(agent.userCode)!;
    await handle.executeUpdate(submitOtpUpdate, { args: [{ otp }] });
    const pid = pidData();
    await handle.executeUpdate(submitBiometricUpdate, { args: [{ pidData: pid }] });
    await handle.result();
    // Every byte field as text, so a plain-text value inside any payload would show.
    const raw = JSON.stringify(await handle.fetchHistory(), (_k, v) =>
      ArrayBuffer.isView(v) ? Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('latin1') : v,
    );
    const leaked = [agent.aadhaar, agent.customerId, `"${otp}"`, 'PidData'].filter((secret) => raw.includes(secret));
    expect(leaked.length, 'plain-text PII found in history').toBe(0);
  });
});
