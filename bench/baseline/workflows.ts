// The benchmark's baseline: a workflow that does nothing of its own but leaves the same history as a completed
// fingpayEkyc session — the same activities, updates (with validators), timers and search-attribute upserts, in
// the same order. Run on the same server, its throughput is the most our code could reach. No Node imports.
import {
  ApplicationFailure,
  allHandlersFinished,
  condition,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import { EKO_USER_CODE_SA, EKYC_STAGE_SA } from '../../workflows/messages.js';
import {
  baselineSubmitBiometric,
  baselineSubmitOtp,
  type BaselineActivities,
  type BaselineInput,
  type BaselineOutcome,
} from './shared.js';

type Stage = BaselineOutcome['stage'];

const { sendOtp, verifyOtp, submitBiometric } = proxyActivities<BaselineActivities>({
  scheduleToCloseTimeout: '3m',
  startToCloseTimeout: '150s',
});

export async function baselineSession(input: BaselineInput): Promise<{ userCode: string }> {
  const state: { stage: Stage } = { stage: 'SENDING_OTP' };
  const queue: { kind: 'otp' | 'biometric'; arg: unknown; id: number }[] = [];
  const outcomes = new Map<number, BaselineOutcome>();
  let nextId = 1;

  const transition = (next: Stage) => {
    state.stage = next;
    upsertSearchAttributes([{ key: EKYC_STAGE_SA, value: next }]);
  };
  const validator = (expected: Stage) => (_arg: unknown) => {
    if (state.stage !== expected)
      throw ApplicationFailure.create({ type: 'WrongStage', message: `not in ${expected}` });
  };
  const request = async (kind: 'otp' | 'biometric', arg: unknown) => {
    const id = nextId++;
    queue.push({ kind, arg, id });
    await condition(() => outcomes.has(id));
    return outcomes.get(id)!;
  };
  setHandler(baselineSubmitOtp, (arg) => request('otp', arg), { validator: validator('AWAITING_OTP') });
  setHandler(baselineSubmitBiometric, (arg) => request('biometric', arg), {
    validator: validator('AWAITING_BIOMETRIC'),
  });

  upsertSearchAttributes([
    { key: EKO_USER_CODE_SA, value: input.userCode },
    { key: EKYC_STAGE_SA, value: state.stage },
  ]);
  await sendOtp(input);
  transition('AWAITING_OTP');
  while (state.stage !== 'COMPLETED') {
    // Waiting with a deadline, as the session waits for the agent (a timer in history).
    if (!(await condition(() => queue.length > 0, '10m'))) throw ApplicationFailure.nonRetryable('timed out');
    const next = queue.shift()!;
    if (next.kind === 'otp') {
      transition('VERIFYING_OTP');
      await verifyOtp({ ...input, ...(next.arg as object) });
      transition('AWAITING_BIOMETRIC');
    } else {
      transition('SUBMITTING_BIOMETRIC');
      await submitBiometric({ ...input, ...(next.arg as object) });
      transition('COMPLETED');
    }
    outcomes.set(next.id, { accepted: true, stage: state.stage });
  }
  await condition(allHandlersFinished);
  return { userCode: input.userCode };
}

export { baselineAgent } from './agent.js';
