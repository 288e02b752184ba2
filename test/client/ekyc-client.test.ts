// The client library against the real Temporal dev server, a real worker and the Eko simulator.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  EkycAlreadyCompletedError,
  EkycClient,
  EkycNotFoundError,
  EkycStepPendingError,
  EkycWrongStageError,
  TemporalUnavailableError,
  ValidationError,
} from '../../client/index.js';
import { randomUUID } from 'node:crypto';
import { workflowIdFor } from '../../common/domain.js';
import { EKO_USER_CODE_SA, EKYC_STAGE_SA } from '../../workflows/messages.js';
import { pidData, syntheticUserCode } from '../sim/eko-fixtures.js';
import { startClientHarness, temporalConfig, testCodecConfig, type ClientHarness } from './harness.js';

let h: ClientHarness;
beforeAll(async () => {
  h = await startClientHarness();
});
afterAll(async () => {
  await h?.close();
});

async function thrown(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (e: unknown) => e,
  );
}

/** A session driven to COMPLETED through the client library. */
async function completedAgent() {
  const agent = h.newAgent();
  await h.ekyc.startEkyc(h.input(agent));
  await h.waitForStage(agent.userCode, 'AWAITING_OTP');
  await h.ekyc.submitOtp(agent.userCode, h.sim.currentOtp(agent.userCode)!);
  const done = await h.ekyc.submitBiometric(agent.userCode, pidData());
  expect(done).toMatchObject({ accepted: true, stage: 'COMPLETED' });
  return agent;
}

describe('EkycClient on a real Temporal server', () => {
  it('starts a session under fingpay-ekyc-<userCode> with the contract search attributes', async () => {
    const agent = h.newAgent();
    const started = await h.ekyc.startEkyc(h.input(agent));
    expect(started).toMatchObject({ workflowId: workflowIdFor(agent.userCode), stage: 'SENDING_OTP', resumed: false });
    const description = await h.ekyc.client.workflow.getHandle(started.workflowId).describe();
    expect(description.runId).toBe(started.runId);
    expect(description.typedSearchAttributes.get(EKO_USER_CODE_SA)).toBe(agent.userCode);
    expect(description.typedSearchAttributes.get(EKYC_STAGE_SA)).toBeDefined();
  });

  it('a duplicate start returns the same run, resumed, at its current stage', async () => {
    const agent = h.newAgent();
    const first = await h.ekyc.startEkyc(h.input(agent));
    await h.waitForStage(agent.userCode, 'AWAITING_OTP');
    const second = await h.ekyc.startEkyc(h.input(agent));
    expect(second).toEqual({ workflowId: first.workflowId, runId: first.runId, stage: 'AWAITING_OTP', resumed: true });
  });

  it('runs the whole flow: start, OTP, biometric, COMPLETED', async () => {
    const agent = await completedAgent();
    const status = await h.ekyc.status(agent.userCode);
    expect(status.stage).toBe('COMPLETED');
    expect(status.completedAt).not.toBeNull();
  });

  it('a completed session cannot be started again: EkycAlreadyCompletedError', async () => {
    const agent = await completedAgent();
    // The run closes right after the last outcome; wait until Temporal says so.
    const handle = h.ekyc.client.workflow.getHandle(workflowIdFor(agent.userCode));
    await handle.result();
    const err = await thrown(h.ekyc.startEkyc(h.input(agent)));
    expect(err).toBeInstanceOf(EkycAlreadyCompletedError);
  });

  it('a message to a completed session throws EkycAlreadyCompletedError', async () => {
    const agent = await completedAgent();
    await h.ekyc.client.workflow.getHandle(workflowIdFor(agent.userCode)).result();
    expect(await thrown(h.ekyc.submitOtp(agent.userCode, '123456'))).toBeInstanceOf(EkycAlreadyCompletedError);
  });

  it('a cancelled session can be started again, as a new run', async () => {
    const agent = h.newAgent();
    const first = await h.ekyc.startEkyc(h.input(agent));
    await h.waitForStage(agent.userCode, 'AWAITING_OTP');
    expect(await h.ekyc.cancel(agent.userCode, 'test')).toEqual({
      workflowId: first.workflowId,
      cancelRequested: true,
    });
    await h.ekyc.client.workflow
      .getHandle(first.workflowId)
      .result()
      .catch(() => undefined);
    const again = await h.ekyc.startEkyc(h.input(agent));
    expect(again.resumed).toBe(false);
    expect(again.runId).not.toBe(first.runId);
  });

  it('a message to a cancelled session throws EkycWrongStageError naming CANCELLED', async () => {
    const agent = h.newAgent();
    const { workflowId } = await h.ekyc.startEkyc(h.input(agent));
    await h.waitForStage(agent.userCode, 'AWAITING_OTP');
    await h.ekyc.cancel(agent.userCode);
    await h.ekyc.client.workflow
      .getHandle(workflowId)
      .result()
      .catch(() => undefined);
    const err = await thrown(h.ekyc.submitOtp(agent.userCode, '123456'));
    expect(err).toBeInstanceOf(EkycWrongStageError);
    expect((err as EkycWrongStageError).stage).toBe('CANCELLED');
  });

  it.each(['status', 'cancel', 'requestOtpResend'] as const)(
    '%s for an agent without a session throws EkycNotFoundError',
    async (method) => {
      expect(await thrown(h.ekyc[method](syntheticUserCode()))).toBeInstanceOf(EkycNotFoundError);
    },
  );

  it('submitOtp for an agent without a session throws EkycNotFoundError', async () => {
    expect(await thrown(h.ekyc.submitOtp(syntheticUserCode(), '123456'))).toBeInstanceOf(EkycNotFoundError);
  });

  it('a biometric while the session awaits the OTP throws EkycWrongStageError with the stage', async () => {
    const agent = h.newAgent();
    await h.ekyc.startEkyc(h.input(agent));
    await h.waitForStage(agent.userCode, 'AWAITING_OTP');
    const err = await thrown(h.ekyc.submitBiometric(agent.userCode, pidData()));
    expect(err).toBeInstanceOf(EkycWrongStageError);
    expect((err as EkycWrongStageError).stage).toBe('AWAITING_OTP');
  });

  it('a wrong OTP is an outcome with the attempts left, not an error', async () => {
    const agent = h.newAgent();
    await h.ekyc.startEkyc(h.input(agent));
    await h.waitForStage(agent.userCode, 'AWAITING_OTP');
    const right = h.sim.currentOtp(agent.userCode)!;
    const wrong = right === '000000' ? '111111' : '000000';
    const outcome = await h.ekyc.submitOtp(agent.userCode, wrong);
    expect(outcome).toMatchObject({ accepted: false, stage: 'AWAITING_OTP', attemptsLeft: 2 });
  });

  it('a resend during the cooldown is refused with RESEND_COOLDOWN and the instant it is allowed', async () => {
    const agent = h.newAgent();
    await h.ekyc.startEkyc(h.input(agent, { resendCooldown: '10m' }));
    await h.waitForStage(agent.userCode, 'AWAITING_OTP');
    const outcome = await h.ekyc.requestOtpResend(agent.userCode);
    expect(outcome).toMatchObject({ accepted: false, code: 'RESEND_COOLDOWN' });
    expect(Date.parse(outcome.retryAfter!)).toBeGreaterThan(Date.now());
  });

  it('a policy the rules refuse is a ValidationError and starts nothing', async () => {
    const agent = h.newAgent();
    const err = await thrown(h.ekyc.startEkyc(h.input(agent, { maxOtpAttempts: 0 })));
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as ValidationError).errors.map((e) => e.field)).toEqual(['policy.maxOtpAttempts']);
    expect(await thrown(h.ekyc.status(agent.userCode))).toBeInstanceOf(EkycNotFoundError);
  });

  it('keeps the Aadhaar number and the mobile out of the history in plain text', async () => {
    const agent = h.newAgent();
    const { workflowId } = await h.ekyc.startEkyc(h.input(agent));
    await h.waitForStage(agent.userCode, 'AWAITING_OTP');
    const history = JSON.stringify(await h.ekyc.client.workflow.getHandle(workflowId).fetchHistory());
    expect(history.includes(agent.aadhaar)).toBe(false);
    expect(history.includes(agent.customerId)).toBe(false);
  });

  it('repeating a step with the same update id returns the first outcome instead of asking Eko again', async () => {
    const agent = h.newAgent();
    await h.ekyc.startEkyc(h.input(agent));
    await h.waitForStage(agent.userCode, 'AWAITING_OTP');
    const wrong = h.sim.currentOtp(agent.userCode) === '000000' ? '111111' : '000000';
    const verifyCalls = () =>
      h.sim.ledger().filter((e) => e.userCode === agent.userCode && e.step === 'verifyOtp').length;
    const first = await h.ekyc.submitOtp(agent.userCode, wrong, { updateId: 'otp-try-1' });
    const again = await h.ekyc.submitOtp(agent.userCode, wrong, { updateId: 'otp-try-1' });
    expect(again).toEqual(first);
    expect(first.attemptsLeft).toBe(2);
    expect(verifyCalls()).toBe(1);
  });

  it('an outcome slower than the call timeout is EkycStepPendingError, and the step goes on', async () => {
    const agent = h.newAgent();
    await h.ekyc.startEkyc(h.input(agent));
    await h.waitForStage(agent.userCode, 'AWAITING_OTP');
    // Eko answers only after 2.9 s: the outcome cannot arrive within the impatient client's 2 s.
    h.sim.injectFault(agent.userCode, 'verifyOtp', { kind: 'latency', ms: 2_900 });
    const impatient = await EkycClient.connect({
      temporal: temporalConfig(h.ekyc.taskQueue),
      codec: testCodecConfig(),
      callTimeoutMs: 2_000,
    });
    const otp = h.sim.currentOtp(agent.userCode)!;
    try {
      const err = await thrown(impatient.submitOtp(agent.userCode, otp, { updateId: 'slow-otp' }));
      expect(err).toBeInstanceOf(EkycStepPendingError);
    } finally {
      await impatient.close();
    }
    // Joining the same update gives its outcome once Eko answers.
    const outcome = await h.ekyc.submitOtp(agent.userCode, otp, { updateId: 'slow-otp' });
    expect(outcome).toMatchObject({ accepted: true, stage: 'AWAITING_BIOMETRIC' });
  });

  it('an update no worker takes in time is TemporalUnavailableError, not a pending step', async () => {
    // A task queue nobody polls: the session exists but can never accept the update.
    const stranded = new EkycClient({
      client: h.ekyc.client,
      taskQueue: `nobody-${randomUUID()}`,
      callTimeoutMs: 1_500,
    });
    const agent = h.newAgent();
    const { workflowId } = await stranded.startEkyc(h.input(agent));
    try {
      const err = await thrown(stranded.submitOtp(agent.userCode, '123456', { updateId: 'never-taken' }));
      expect(err).toBeInstanceOf(TemporalUnavailableError);
    } finally {
      await h.ekyc.client.workflow.getHandle(workflowId).terminate('test cleanup');
    }
  });

  it('concurrent starts for one agent make one run: one new, the others resumed', async () => {
    const agent = h.newAgent();
    const results = await Promise.all([1, 2, 3].map(() => h.ekyc.startEkyc(h.input(agent))));
    expect(new Set(results.map((r) => r.runId)).size).toBe(1);
    expect(results.filter((r) => !r.resumed)).toHaveLength(1);
  });

  it('rejects an update id outside the allowed characters', async () => {
    const err = await thrown(h.ekyc.requestOtpResend(syntheticUserCode(), { updateId: 'has spaces' }));
    expect(err).toBeInstanceOf(ValidationError);
    expect((err as ValidationError).errors[0].field).toBe('updateId');
  });
});
