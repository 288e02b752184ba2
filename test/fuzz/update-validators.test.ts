// Fuzzing the workflow's message handlers on real running sessions, with the plain SDK client (no client-side
// checks): malformed submitOtp and submitBiometric arguments, classic and adversarial (test/fuzz/adversarial.ts), are
// rejected as InvalidArgument by the update validator and the session's history does not grow by a single event;
// requestOtpResend with any argument in the wrong stage is rejected as WrongStage; and the signals (`otp`,
// `biometric`, `resendOtp`, `cancel`) with arbitrary arguments never wedge a session: no workflow task fails, `status`
// answers promptly, and a valid step still works afterwards. Messages go in small concurrent batches (the SDK client
// would send them so too), which keeps 1,000 inputs per surface within the file's time budget.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WorkflowNotFoundError, WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { biometricArgSchema, otpArgSchema } from '../../common/validation.js';
import {
  biometricSignal,
  cancelSignal,
  otpSignal,
  requestOtpResendUpdate,
  resendOtpSignal,
  statusQuery,
  submitBiometricUpdate,
  submitOtpUpdate,
  VALIDATOR_REJECTION,
} from '../../workflows/messages.js';
import { pidData } from '../sim/eko-fixtures.js';
import { historyLength, startHarness, waitForStage, waitForStatus, type Harness } from '../workflows/harness.js';
import type { Agent } from '../sim/eko-fixtures.js';
import {
  adversarialArg,
  adversarialField,
  adversarialPid,
  oddJson,
  OTP_BOUND,
  runsOf,
  shaped,
  TAG_FRAGMENTS,
} from './adversarial.js';
import { FUZZ_RUNS, fuzzParams } from './support.js';

/**
 * Messages sent at once per property run: FUZZ_RUNS inputs in FUZZ_RUNS / BATCH runs. Under the server's limit of
 * in-flight updates per workflow (10), beyond which it refuses them and the client backs off.
 */
const BATCH = 8;
const batchedRuns = Math.ceil(FUZZ_RUNS / BATCH);
/** How long `status` may take to answer after the barrage: a wedged session does not answer at all. */
const PROMPT_MS = 3_000;

let h: Harness;
let awaitingOtp: WorkflowHandle;
let otpAgent: Agent;
let awaitingBiometric: WorkflowHandle;

/** A session in AWAITING_BIOMETRIC (the OTP verified through the update). */
async function sessionAwaitingBiometric(): Promise<WorkflowHandle> {
  const agent = h.newAgent();
  const handle = await h.start(agent);
  await waitForStage(handle, 'AWAITING_OTP');
  const outcome = await handle.executeUpdate(submitOtpUpdate, { args: [{ otp: h.sim.currentOtp(agent.userCode)! }] });
  expect(outcome).toMatchObject({ accepted: true, stage: 'AWAITING_BIOMETRIC' });
  return handle;
}

beforeAll(async () => {
  h = await startHarness();
  otpAgent = h.newAgent();
  // A cooldown longer than the file: a resend signal among the generated ones is refused, never sent.
  awaitingOtp = await h.start(otpAgent, { resendCooldown: '1h' });
  await waitForStage(awaitingOtp, 'AWAITING_OTP');
  awaitingBiometric = await sessionAwaitingBiometric();
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
    { weight: 1, arbitrary: anyArg },
    { weight: 1, arbitrary: otpLike.map((otp) => ({ otp })) },
    { weight: 1, arbitrary: otpLike.map((otp) => ({ code: otp })) },
    { weight: 4, arbitrary: adversarialArg('otp', adversarialField(OTP_BOUND)) },
  )
  .filter((arg) => !otpArgSchema.safeParse(arg).success);

const pidLike = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.constantFrom('', '<PidData></PidData>', '<PidData><Data>x</Data>', pidData({ errCode: '720' })),
  fc.string({ maxLength: 20 }).map((s) => `<PidData>${s}</PidData>`),
  fc.integer(),
);
/** Tag-fragment runs of a few thousand characters: what most generated signals carry (history stays small). */
const smallAdversarialPid = fc.oneof(runsOf(TAG_FRAGMENTS, 4_000), runsOf(TAG_FRAGMENTS, 4_000).map(shaped));
const malformedBiometricArg = fc
  .oneof(
    { weight: 1, arbitrary: anyArg },
    { weight: 1, arbitrary: pidLike.map((pid) => ({ pidData: pid })) },
    { weight: 1, arbitrary: pidLike.map((pid) => ({ pid })) },
    {
      weight: 4,
      arbitrary: adversarialArg(
        'pidData',
        fc.oneof({ weight: 3, arbitrary: smallAdversarialPid }, { weight: 1, arbitrary: adversarialPid }),
      ),
    },
  )
  .filter((arg) => !biometricArgSchema.safeParse(arg).success);

const argsOf = (arg: unknown) => (arg === undefined ? ([] as never) : ([arg] as never));

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

async function expectAllRejectedAs(type: string, sends: (() => Promise<unknown>)[]): Promise<void> {
  const types = await Promise.all(sends.map(rejection));
  const other = types.find((t) => t !== type);
  if (other !== undefined) throw new Error(`expected ${type}, got ${other}`);
}

const EventType = temporal.api.enums.v1.EventType;
const Cause = temporal.api.enums.v1.WorkflowTaskFailedCause;
/**
 * Workflow task failures the server makes for its own flow control, whatever the workflow code does: a run that
 * tried to close while signals arrived is handed them first (UnhandledCommand), and a task during which more than
 * the server's buffer of signals (100) arrived is closed so the next one takes them all (ForceCloseCommand). The
 * workflow carries on in both; a failure of ours (a handler that threw, or ran past the sandbox's deadline) is
 * WorkflowWorkerUnhandledFailure, or a task timeout.
 */
const SERVER_FLOW_CONTROL = new Set<number>([
  Cause.WORKFLOW_TASK_FAILED_CAUSE_UNHANDLED_COMMAND,
  Cause.WORKFLOW_TASK_FAILED_CAUSE_FORCE_CLOSE_COMMAND,
]);
/**
 * Workflow tasks of the session that failed or timed out (a handler that threw, or ran past the deadline), with
 * their failure messages; not the server's flow control (SERVER_FLOW_CONTROL), which is no failure of ours. Paged by hand in small pages: a page of a history full of large signals can pass gRPC's
 * 4 MB message limit.
 */
async function failedWorkflowTasks(handle: WorkflowHandle): Promise<string[]> {
  const failed: string[] = [];
  let nextPageToken: Uint8Array | undefined;
  do {
    const page = await h.client.workflowService.getWorkflowExecutionHistory({
      namespace: h.client.options.namespace,
      execution: { workflowId: handle.workflowId },
      maximumPageSize: 20,
      nextPageToken,
    });
    for (const e of page.history?.events ?? []) {
      if (e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED) {
        const a = e.workflowTaskFailedEventAttributes;
        if (a?.cause !== undefined && a.cause !== null && SERVER_FLOW_CONTROL.has(a.cause)) continue;
        failed.push(`failed (${String(a?.cause)}): ${a?.failure?.message ?? ''}`.slice(0, 300));
      } else if (e.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT) {
        // A task no worker picked up from its sticky queue in time goes to the normal queue: load, not our code.
        const type = e.workflowTaskTimedOutEventAttributes?.timeoutType;
        if (type !== temporal.api.enums.v1.TimeoutType.TIMEOUT_TYPE_SCHEDULE_TO_START)
          failed.push(`timed out (${type})`);
      }
    }
    nextPageToken = page.nextPageToken?.length ? page.nextPageToken : undefined;
  } while (nextPageToken);
  return failed;
}

/** `status` answers within PROMPT_MS, in `stage`. */
async function expectPromptStatus(handle: WorkflowHandle, stage: string): Promise<void> {
  const start = Date.now();
  const status = await handle.query(statusQuery);
  expect(Date.now() - start).toBeLessThan(PROMPT_MS);
  expect(status.stage).toBe(stage);
}

describe('update validators with generated malformed arguments', () => {
  it(`reject every malformed submitOtp argument as InvalidArgument and write nothing to history (${FUZZ_RUNS} inputs)`, async () => {
    const before = await historyLength(awaitingOtp);
    await fc.assert(
      fc.asyncProperty(fc.array(malformedOtpArg, { minLength: BATCH, maxLength: BATCH }), (args) =>
        expectAllRejectedAs(
          VALIDATOR_REJECTION.invalidArgument,
          args.map((arg) => () => awaitingOtp.executeUpdate(submitOtpUpdate, { args: argsOf(arg) })),
        ),
      ),
      fuzzParams(batchedRuns),
    );
    expect(await historyLength(awaitingOtp)).toBe(before);
    await expectPromptStatus(awaitingOtp, 'AWAITING_OTP');
  }, 240_000);

  it(`reject every malformed submitBiometric argument as InvalidArgument and write nothing to history (${FUZZ_RUNS} inputs)`, async () => {
    const before = await historyLength(awaitingBiometric);
    await fc.assert(
      fc.asyncProperty(fc.array(malformedBiometricArg, { minLength: BATCH, maxLength: BATCH }), (args) =>
        expectAllRejectedAs(
          VALIDATOR_REJECTION.invalidArgument,
          args.map((arg) => () => awaitingBiometric.executeUpdate(submitBiometricUpdate, { args: argsOf(arg) })),
        ),
      ),
      fuzzParams(batchedRuns),
    );
    expect(await historyLength(awaitingBiometric)).toBe(before);
    await expectPromptStatus(awaitingBiometric, 'AWAITING_BIOMETRIC');
  }, 240_000);

  it(`reject requestOtpResend with any argument in the wrong stage as WrongStage, writing nothing (${FUZZ_RUNS} inputs)`, async () => {
    const before = await historyLength(awaitingBiometric);
    const arg = fc.oneof(anyArg, oddJson, adversarialArg('x', smallAdversarialPid));
    await fc.assert(
      fc.asyncProperty(fc.array(arg, { minLength: BATCH, maxLength: BATCH }), (args) =>
        expectAllRejectedAs(
          VALIDATOR_REJECTION.wrongStage,
          args.map((a) => () => awaitingBiometric.executeUpdate(requestOtpResendUpdate, { args: argsOf(a) })),
        ),
      ),
      fuzzParams(batchedRuns),
    );
    expect(await historyLength(awaitingBiometric)).toBe(before);
  }, 240_000);
});

describe('signals with generated adversarial arguments never wedge a session', () => {
  /** A signal the session must ignore or refuse: malformed, or in the wrong stage, or a resend in its cooldown. */
  const signal = fc.oneof(
    adversarialArg('otp', adversarialField(OTP_BOUND))
      .filter((arg) => !otpArgSchema.safeParse(arg).success)
      .map((arg) => ({ to: 'otp' as const, name: otpSignal.name, arg })),
    fc
      .oneof(
        { weight: 60, arbitrary: adversarialArg('pidData', smallAdversarialPid) },
        { weight: 1, arbitrary: adversarialArg('pidData', adversarialPid) },
      )
      .filter((arg) => !biometricArgSchema.safeParse(arg).success)
      .map((arg) => ({ to: 'biometric' as const, name: biometricSignal.name, arg })),
    // Any argument, to the session in the other stage: refused as out of stage, whatever it holds.
    fc
      .tuple(fc.constantFrom(otpSignal.name, biometricSignal.name, resendOtpSignal.name), fc.oneof(anyArg, oddJson))
      .map(([name, arg]) => ({ to: name === otpSignal.name ? ('biometric' as const) : ('otp' as const), name, arg })),
    fc.oneof(anyArg, oddJson).map((arg) => ({ to: 'otp' as const, name: resendOtpSignal.name, arg })),
  );

  it(`otp, biometric and resendOtp signals (${FUZZ_RUNS} inputs)`, async () => {
    const target = () => ({ otp: awaitingOtp, biometric: awaitingBiometric });
    await fc.assert(
      fc.asyncProperty(fc.array(signal, { minLength: BATCH, maxLength: BATCH }), async (signals) => {
        await Promise.all(signals.map((s) => target()[s.to].signal(s.name, ...(argsOf(s.arg) as unknown[]))));
      }),
      fuzzParams(batchedRuns),
    );
    for (const [handle, stage] of [
      [awaitingOtp, 'AWAITING_OTP'],
      [awaitingBiometric, 'AWAITING_BIOMETRIC'],
    ] as const) {
      // Every signal has been handled once the session reports the last of them as ignored.
      await waitForStatus(handle, (s) => (s.ignoredSignals?.length ?? 0) > 0, 'the signals handled');
      await expectPromptStatus(handle, stage);
      expect(await failedWorkflowTasks(handle)).toEqual([]);
    }
  }, 240_000);

  // A cancel ends the session at once, so only the first cancel a session gets has its argument read; the rest
  // are ignored (already cancelling) or refused by the server (the run has closed). So: bursts of 40 at once, one
  // burst per session.
  it(`cancel signals with any argument end each session as CANCELLED, and nothing else (${FUZZ_RUNS} inputs)`, async () => {
    const BURST = 40;
    // Signalled at once: a cancel during the first Send OTP takes effect when the call settles.
    const sessions = await Promise.all(
      Array.from({ length: Math.ceil(FUZZ_RUNS / BURST) }, () => h.start(h.newAgent())),
    );
    const reason = fc.oneof(runsOf(TAG_FRAGMENTS, 20_000), adversarialField(200), oddJson);
    const arg = fc.oneof(anyArg, oddJson, adversarialArg('reason', reason));
    let next = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(arg, { minLength: BURST, maxLength: BURST }), async (args) => {
        const handle = sessions[next++ % sessions.length];
        await Promise.all(
          args.map((a) =>
            handle.signal(cancelSignal, ...(argsOf(a) as [])).catch((err: unknown) => {
              if (!(err instanceof WorkflowNotFoundError)) throw err; // the run closed: the server refuses
            }),
          ),
        );
      }),
      fuzzParams(sessions.length),
    );
    for (const handle of sessions) {
      const status = await waitForStage(handle, 'CANCELLED');
      expect(status.lastError?.code).toBe('CANCELLED');
      expect(status.lastError!.message.length).toBeLessThanOrEqual(200);
      expect(await failedWorkflowTasks(handle)).toEqual([]);
    }
  }, 240_000);
});

describe('the issue\'s PidData (a 200,000-character run of "<Resp " inside a capture)', () => {
  // It passes every check (the run sits in Data, the Resp says errCode="0"): before the fix the check itself took
  // seconds inside the workflow sandbox, every workflow task of the session failed ("Script execution timed out")
  // and the session was wedged past its own deadline. Now the capture goes to Eko and the session completes.
  const worst = (() => {
    const good = pidData();
    const at = good.indexOf('ZGF0YQ==');
    const run = '<Resp '.repeat(Math.floor((200_000 - good.length) / 6));
    return good.slice(0, at) + run + good.slice(at);
  })();

  it('is a valid capture of about 200,000 characters', () => {
    expect(worst.length).toBeGreaterThan(199_990);
    expect(worst.length).toBeLessThanOrEqual(200_000);
    expect(biometricArgSchema.safeParse({ pidData: worst }).success).toBe(true);
  });

  it.each([
    ['as the biometric signal', (handle: WorkflowHandle) => handle.signal(biometricSignal, { pidData: worst })],
    [
      'as the submitBiometric update',
      (handle: WorkflowHandle) => handle.executeUpdate(submitBiometricUpdate, { args: [{ pidData: worst }] }),
    ],
  ])(
    '%s: the session completes and no workflow task fails',
    async (_how, send) => {
      const handle = await sessionAwaitingBiometric();
      const start = Date.now();
      await send(handle);
      await waitForStage(handle, 'COMPLETED', 30_000);
      expect(Date.now() - start).toBeLessThan(30_000);
      expect(await failedWorkflowTasks(handle)).toEqual([]);
    },
    60_000,
  );
});

describe('after the barrage', () => {
  it('a valid OTP and then a valid capture still work on the sessions that took it', async () => {
    const otp = await awaitingOtp.executeUpdate(submitOtpUpdate, {
      args: [{ otp: h.sim.currentOtp(otpAgent.userCode)! }],
    });
    expect(otp).toMatchObject({ accepted: true, stage: 'AWAITING_BIOMETRIC' });
    for (const handle of [awaitingOtp, awaitingBiometric]) {
      const outcome = await handle.executeUpdate(submitBiometricUpdate, { args: [{ pidData: pidData() }] });
      expect(outcome).toMatchObject({ accepted: true, stage: 'COMPLETED' });
      expect(await failedWorkflowTasks(handle)).toEqual([]);
    }
  });
});
