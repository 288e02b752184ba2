// The activity layer: each classified Eko failure becomes an ApplicationFailure with the table's type,
// nonRetryable and nextRetryDelay, and nothing the agent typed reaches a message, a detail or a log line.
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MockActivityEnvironment } from '@temporalio/testing';
import { ApplicationFailure } from '@temporalio/common';
import { EKO_ERROR, type EkoFailureDetails, type EkycActivities } from '../../common/eko-steps.js';
import { createActivities } from '../../activities/index.js';
import type { EkoSimulator } from '../../sim/eko-sim.js';
import {
  LATLONG,
  badChecksumAadhaar,
  clientRefId,
  ekoConfigFor,
  newAgent,
  pidData,
  startSim,
  type Agent,
} from '../sim/eko-fixtures.js';

const input = (a: Agent) => ({
  userCode: a.userCode,
  customerId: a.customerId,
  aadhaar: a.aadhaar,
  latlong: LATLONG,
  clientRefId: clientRefId('a'),
});

async function failureOf(promise: Promise<unknown>): Promise<ApplicationFailure> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof ApplicationFailure) return err;
    throw err;
  }
  throw new Error('expected an ApplicationFailure');
}

describe('eKYC activities', () => {
  let sim: EkoSimulator;
  let activities: EkycActivities;
  let env: MockActivityEnvironment;
  const logLines: string[] = [];

  beforeAll(async () => {
    sim = await startSim();
    const sink = new Writable({
      write(chunk, _enc, done) {
        logLines.push(String(chunk));
        done();
      },
    });
    activities = createActivities({
      eko: ekoConfigFor(sim, { timeoutMs: 1_500 }),
      logger: pino({ level: 'info' }, sink),
    });
  });
  afterAll(() => sim.stop());
  // MockActivityEnvironment.run does not carry the activity's return type through.
  const run = <I, O>(fn: (input: I) => Promise<O>, input: I) => env.run(fn, input) as Promise<O>;
  beforeEach(() => {
    env = new MockActivityEnvironment();
    sim.resetLedger();
  });

  it('return Eko’s references on success, through all three steps', async () => {
    const a = newAgent(sim);
    const sent = await run(activities.sendOtp, input(a));
    const verified = await run(activities.verifyOtp, { ...input(a), ...sent, otp: sim.currentOtp(a.userCode)! });
    const done = await run(activities.submitBiometric, {
      ...input(a),
      ...verified,
      bankCode: 'HDFC',
      pidData: pidData(),
    });
    expect(done).toEqual({ userCode: a.userCode });
  });

  it('turn a 503 into a retryable EkoUnavailable with the HTTP status in details', async () => {
    const a = newAgent(sim);
    sim.injectFault(a.userCode, 'sendOtp', { kind: 'http503' });
    const f = await failureOf(run(activities.sendOtp, input(a)));
    expect([f.type, f.nonRetryable]).toEqual([EKO_ERROR.Unavailable, false]);
    expect(f.message).toBe('Eko answered HTTP 503');
    expect(f.details).toEqual([{ step: 'sendOtp', httpStatus: 503 }]);
    expect(f.nextRetryDelay).toBeUndefined();
  });

  it('turn a 429 into a retryable EkoRateLimited whose nextRetryDelay is Retry-After', async () => {
    const a = newAgent(sim);
    sim.injectFault(a.userCode, 'sendOtp', { kind: 'http429', retryAfterSeconds: 4 });
    const f = await failureOf(run(activities.sendOtp, input(a)));
    expect([f.type, f.nonRetryable, f.nextRetryDelay]).toEqual([EKO_ERROR.RateLimited, false, 4000]);
  });

  it('turn a hang into a retryable EkoTimeout', async () => {
    const a = newAgent(sim);
    sim.injectFault(a.userCode, 'sendOtp', { kind: 'hang' });
    const f = await failureOf(run(activities.sendOtp, input(a)));
    expect([f.type, f.nonRetryable]).toEqual([EKO_ERROR.Timeout, false]);
  });

  it('turn a wrong OTP into a non-retryable EkoOtpRejected carrying Eko’s code and reason only', async () => {
    const a = newAgent(sim);
    const sent = await run(activities.sendOtp, input(a));
    const wrong = sim.currentOtp(a.userCode) === '000000' ? '111111' : '000000';
    const f = await failureOf(run(activities.verifyOtp, { ...input(a), ...sent, otp: wrong }));
    expect([f.type, f.nonRetryable]).toEqual([EKO_ERROR.OtpRejected, true]);
    expect(f.message).toBe(
      'Eko 461: Failed!Please try after some time (The details entered are incorrect or the OTP has expired. Kindly request a new OTP.)',
    );
    const details = f.details?.[0] as EkoFailureDetails;
    expect([details.step, details.status]).toEqual(['verifyOtp', 461]);
    const text = JSON.stringify({ message: f.message, details: f.details });
    for (const secret of [wrong, a.aadhaar, a.customerId]) expect(text.includes(secret)).toBe(false);
  });

  it('turn 346 into a non-retryable EkoAgentNotAllowed', async () => {
    const a = newAgent(sim, { activated: false });
    const f = await failureOf(run(activities.sendOtp, input(a)));
    expect([f.type, f.nonRetryable]).toEqual([EKO_ERROR.AgentNotAllowed, true]);
  });

  it('turn a poor capture into a non-retryable EkoBiometricRejected', async () => {
    const a = newAgent(sim);
    const sent = await run(activities.sendOtp, input(a));
    const verified = await run(activities.verifyOtp, { ...input(a), ...sent, otp: sim.currentOtp(a.userCode)! });
    const f = await failureOf(
      run(activities.submitBiometric, {
        ...input(a),
        ...verified,
        bankCode: 'HDFC',
        pidData: pidData({ qScore: 10 }),
      }),
    );
    expect([f.type, f.nonRetryable]).toEqual([EKO_ERROR.BiometricRejected, true]);
  });

  it('turn a bad Aadhaar check digit into a non-retryable EkoInvalidRequest without calling Eko', async () => {
    const a = newAgent(sim);
    const f = await failureOf(run(activities.sendOtp, { ...input(a), aadhaar: badChecksumAadhaar() }));
    expect([f.type, f.nonRetryable]).toEqual([EKO_ERROR.InvalidRequest, true]);
    expect(sim.ledger()).toHaveLength(0);
  });

  it('stop waiting for Eko when the activity is cancelled', async () => {
    const a = newAgent(sim);
    sim.injectFault(a.userCode, 'sendOtp', { kind: 'hang' });
    const slow = createActivities({ eko: ekoConfigFor(sim, { timeoutMs: 60_000 }) });
    const running = run(slow.sendOtp, input(a));
    const settled = running.then(
      () => 'resolved',
      (err) => err,
    );
    await expect.poll(() => sim.ledger().length, { timeout: 10_000 }).toBe(1);
    env.cancel();
    const outcome = await settled;
    expect(outcome).not.toBe('resolved');
    expect(outcome).not.toBeInstanceOf(ApplicationFailure);
  });

  it('log step, user code, client_ref_id and outcome, never the Aadhaar, mobile or OTP', async () => {
    const a = newAgent(sim);
    const sent = await run(activities.sendOtp, input(a));
    const otp = sim.currentOtp(a.userCode)!;
    await run(activities.verifyOtp, { ...input(a), ...sent, otp });
    await failureOf(run(activities.verifyOtp, { ...input(a), ...sent, otp }));
    const mine = logLines.filter((l) => l.includes(a.userCode));
    expect(mine.length).toBe(3);
    expect(mine.map((l) => JSON.parse(l).outcome)).toEqual(['ok', 'ok', EKO_ERROR.OtpRejected]);
    const all = logLines.join('');
    for (const secret of [a.aadhaar, a.customerId]) expect(all.includes(secret)).toBe(false);
    // A 6-digit OTP could turn up inside a timestamp by chance: look for it as a value instead.
    const values = logLines.flatMap((l) => Object.values(JSON.parse(l) as Record<string, unknown>)).map(String);
    expect(values.includes(otp)).toBe(false);
  });
});
