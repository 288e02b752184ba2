// Fuzzing the workflow's update validators on real running sessions: malformed submitOtp and submitBiometric
// arguments, sent with the plain SDK client (no client-side checks), are rejected as InvalidArgument by the
// validator, and the session's history does not grow by a single event.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { biometricArgSchema, otpArgSchema } from '../../common/validation.js';
import { statusQuery, submitBiometricUpdate, submitOtpUpdate, VALIDATOR_REJECTION } from '../../workflows/messages.js';
import { pidData } from '../sim/eko-fixtures.js';
import { historyLength, startHarness, waitForStage, type Harness } from '../workflows/harness.js';
import { FUZZ_RUNS, fuzzParams } from './support.js';

let h: Harness;
let awaitingOtp: WorkflowHandle;
let awaitingBiometric: WorkflowHandle;

beforeAll(async () => {
  h = await startHarness();
  awaitingOtp = await h.start(h.newAgent());
  const second = h.newAgent();
  awaitingBiometric = await h.start(second);
  await waitForStage(awaitingOtp, 'AWAITING_OTP');
  await waitForStage(awaitingBiometric, 'AWAITING_OTP');
  const outcome = await awaitingBiometric.executeUpdate(submitOtpUpdate, {
    args: [{ otp: h.sim.currentOtp(second.userCode)! }],
  });
  expect(outcome).toMatchObject({ accepted: true, stage: 'AWAITING_BIOMETRIC' });
});
afterAll(async () => {
  await h?.close();
});

/** JSON values (what a client can send as an update argument), plus a missing argument. */
const anyArg = fc.oneof({ weight: 3, arbitrary: fc.jsonValue() }, { weight: 1, arbitrary: fc.constant(undefined) });
const otpLike = fc.oneof(
  fc.string({ maxLength: 10 }),
  fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 5, maxLength: 7 }).map((d) => d.join('')),
  fc.integer(),
  fc.constant(null),
);
const malformedOtpArg = fc
  .oneof(
    anyArg,
    otpLike.map((otp) => ({ otp })),
    otpLike.map((otp) => ({ code: otp })),
  )
  .filter((arg) => !otpArgSchema.safeParse(arg).success);

const pidLike = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.constantFrom('', '<PidData></PidData>', '<PidData><Data>x</Data>', pidData({ errCode: '720' })),
  fc.string({ maxLength: 20 }).map((s) => `<PidData>${s}</PidData>`),
  fc.integer(),
);
const malformedBiometricArg = fc
  .oneof(
    anyArg,
    pidLike.map((pid) => ({ pidData: pid })),
    pidLike.map((pid) => ({ pid })),
  )
  .filter((arg) => !biometricArgSchema.safeParse(arg).success);

/** Sends the update and returns the validator's rejection type, or a description of whatever else happened. */
async function rejection(send: () => Promise<unknown>): Promise<string> {
  try {
    await send();
    return 'accepted';
  } catch (err) {
    if (!(err instanceof WorkflowUpdateFailedError)) return `not an update failure: ${(err as Error).name}`;
    return err.cause instanceof ApplicationFailure ? String(err.cause.type) : `cause ${err.cause?.name}`;
  }
}

describe('update validators with generated malformed arguments', () => {
  it(`reject every malformed submitOtp argument as InvalidArgument and write nothing to history (${FUZZ_RUNS} inputs)`, async () => {
    const before = await historyLength(awaitingOtp);
    await fc.assert(
      fc.asyncProperty(malformedOtpArg, async (arg) => {
        const type = await rejection(() =>
          awaitingOtp.executeUpdate(submitOtpUpdate, { args: arg === undefined ? ([] as never) : [arg as never] }),
        );
        if (type !== VALIDATOR_REJECTION.invalidArgument) throw new Error(`expected InvalidArgument, got ${type}`);
      }),
      fuzzParams(),
    );
    expect(await historyLength(awaitingOtp)).toBe(before);
    expect((await awaitingOtp.query(statusQuery)).stage).toBe('AWAITING_OTP');
  }, 240_000);

  it(`reject every malformed submitBiometric argument as InvalidArgument and write nothing to history (${FUZZ_RUNS} inputs)`, async () => {
    const before = await historyLength(awaitingBiometric);
    await fc.assert(
      fc.asyncProperty(malformedBiometricArg, async (arg) => {
        const type = await rejection(() =>
          awaitingBiometric.executeUpdate(submitBiometricUpdate, {
            args: arg === undefined ? ([] as never) : [arg as never],
          }),
        );
        if (type !== VALIDATOR_REJECTION.invalidArgument) throw new Error(`expected InvalidArgument, got ${type}`);
      }),
      fuzzParams(),
    );
    expect(await historyLength(awaitingBiometric)).toBe(before);
    expect((await awaitingBiometric.query(statusQuery)).stage).toBe('AWAITING_BIOMETRIC');
  }, 240_000);
});
