// The benchmark's baseline: a workflow that does nothing of its own but leaves the same history as a completed
// fingpayEkyc session — the same activities, updates (with validators), timers, patch markers and search-attribute
// upserts, in the same order — and makes the same calls on Temporal around it: the OTP quota's update-with-start
// (to a no-op quota workflow), the partner event's hand-over (a no-op, as the product's is with no webhook URL) and
// the agent lifecycle's signal-with-start (to the no-op lifecycle of bench/baseline/agent.ts). Run on the same server
// with the same data converter, its throughput is the most our code could reach. No Node imports.
import {
  ApplicationFailure,
  allHandlersFinished,
  condition,
  patched,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { EVENT_HANDOVER_OPTIONS, WEBHOOK_EVENTS_PATCH } from '../../workflows/events.js';
import { EKO_USER_CODE_SA, EKYC_STAGE_SA } from '../../workflows/messages.js';
import {
  BASELINE_PATCH,
  baselineReserveOtpSend,
  baselineSubmitBiometric,
  baselineSubmitOtp,
  type BaselineActivities,
  type BaselineAgentActivities,
  type BaselineInput,
  type BaselineOutcome,
} from './shared.js';

type Stage = BaselineOutcome['stage'];

const { sendOtp, verifyOtp, submitBiometric } = proxyActivities<BaselineActivities>({
  scheduleToCloseTimeout: '3m',
  startToCloseTimeout: '150s',
});
const { reserveOtpSend, notifyAgentOfEkyc } = proxyActivities<BaselineActivities>({
  scheduleToCloseTimeout: '3m',
  startToCloseTimeout: '30s',
});
const { emitWebhookEvent } = proxyActivities<BaselineAgentActivities>(EVENT_HANDOVER_OPTIONS);

export async function baselineSession(input: BaselineInput): Promise<{ userCode: string }> {
  const state: { stage: Stage } = { stage: 'SENDING_OTP' };
  const queue: { kind: 'otp' | 'biometric'; arg: unknown; id: number }[] = [];
  const outcomes = new Map<number, BaselineOutcome>();
  let nextId = 1;
  let handedOver: Promise<void> = Promise.resolve();

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
  // The agent-wide OTP quota before the Send OTP (workflows/ekyc.ts reserveSend), behind a patch as there.
  if (patched(BASELINE_PATCH.otpQuota)) {
    const requestId = `${workflowInfo().workflowId}/${input.userCode}S${workflowInfo().runId.slice(-7)}01/1`;
    await reserveOtpSend({ userCode: input.userCode, requestId, cooldownMs: 60_000 });
  }
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
      // The session's end handed over as a partner event (workflows/events.ts), not awaited by the loop.
      if (patched(WEBHOOK_EVENTS_PATCH)) {
        handedOver = emitWebhookEvent({ type: 'ekyc.completed', userCode: input.userCode });
      }
    }
    outcomes.set(next.id, { accepted: true, stage: state.stage });
  }
  // The completed eKYC told to the agent's lifecycle, then the hand-overs and handlers awaited (workflows/ekyc.ts).
  if (patched(BASELINE_PATCH.agentLifecycle)) {
    const { userCode, customerId, latlong, bankCode } = input;
    const completedAt = new Date().toISOString();
    await notifyAgentOfEkyc({ userCode, completedAt, customerId, latlong, bankCode, ekycRunId: workflowInfo().runId });
  }
  await handedOver;
  await condition(allHandlersFinished);
  return { userCode: input.userCode };
}

export { baselineAgent } from './agent.js';

/**
 * The no-op of fingpayOtpQuota (workflows/otp-quota.ts): one per agent, started by the session's update-with-start,
 * answers each reservation and waits a day after the last, as the real one does.
 */
export async function baselineOtpQuota(_state: { userCode: string }): Promise<void> {
  let handled = 0;
  setHandler(
    baselineReserveOtpSend,
    () => {
      handled += 1;
      return { allowed: true };
    },
    {
      validator: (arg) => {
        if (!arg || typeof arg.cooldownMs !== 'number') throw new Error('reserveOtpSend needs { cooldownMs }');
      },
    },
  );
  for (let seen = -1; seen !== handled;) {
    seen = handled;
    await condition(() => handled !== seen, '1 day');
  }
  await condition(allHandlersFinished);
}
