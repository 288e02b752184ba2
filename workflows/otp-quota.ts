// fingpayOtpQuota: one small workflow per agent that remembers when OTPs were sent to it, across every eKYC
// session (cancelled, failed or restarted ones included), so that neither the resend cooldown nor the hourly and
// daily caps can be reset by starting over. eKYC sessions ask it through an activity (update-with-start) before
// each Send OTP. It closes a day after the last send, and continues as new long before its history grows.
import {
  allHandlersFinished,
  condition,
  continueAsNew,
  setHandler,
  setWorkflowOptions,
  workflowInfo,
} from '@temporalio/workflow';
import {
  decideOtpSend,
  DAY_MS,
  pruneSends,
  type OtpQuotaActivities,
  type OtpQuotaState,
  type ReserveOtpSendArg,
} from '../common/otp-quota.js';
import { otpQuotaQuery, reserveOtpSendUpdate } from './messages.js';
import { proxyActivitiesStartedWithin } from './task-start.js';
import { versioningOptions } from './versioning.js';

// Each reservation adds three events (update accepted, completed, and a task): 300 stay far below any limit.
const RESERVATIONS_PER_RUN = 100;

const isCount = (v: unknown, max: number) => typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= max;

// AUTO_UPGRADE: moves to the current worker version at its next task, so every version must replay its histories
// (`ekyc replay` checks that before a version is made current).
setWorkflowOptions(versioningOptions('fingpayOtpQuota'), fingpayOtpQuota);
export async function fingpayOtpQuota(state: OtpQuotaState): Promise<void> {
  let sends = pruneSends(
    Array.isArray(state?.sends) ? state.sends.filter((t) => typeof t === 'number') : [],
    Date.now(),
  );
  let handled = 0;

  setHandler(
    reserveOtpSendUpdate,
    (limits: ReserveOtpSendArg) => {
      const now = Date.now();
      sends = pruneSends(sends, now);
      const decision = decideOtpSend(sends, now, limits);
      if (decision.allowed) sends.push(now);
      handled += 1;
      return decision;
    },
    {
      // Only our activity sends this; a malformed one is rejected before it reaches history.
      validator: (limits: ReserveOtpSendArg) => {
        if (
          !limits ||
          !isCount(limits.cooldownMs, DAY_MS) ||
          !isCount(limits.perHour, 1000) ||
          !isCount(limits.perDay, 10_000)
        ) {
          throw new Error('reserveOtpSend needs { cooldownMs, perHour, perDay } as bounded integers');
        }
      },
    },
  );
  setHandler(otpQuotaQuery, () => ({ userCode: state.userCode, sends: sends.map((t) => new Date(t).toISOString()) }));

  for (;;) {
    sends = pruneSends(sends, Date.now());
    if (sends.length === 0) break;
    if (handled >= RESERVATIONS_PER_RUN || workflowInfo().continueAsNewSuggested) {
      await condition(allHandlersFinished);
      await continueAsNew<typeof fingpayOtpQuota>({ userCode: state.userCode, sends });
    }
    const seen = handled;
    // Wake when the oldest send ages out, or at the next reservation.
    await condition(() => handled !== seen, Math.max(1, sends[0] + DAY_MS - Date.now()));
  }
  await condition(allHandlersFinished);
}

/**
 * How a session reserves a send: bounded retries, so a quota Temporal cannot reach ends the step clearly; a task no
 * worker started is scheduled again within the same bound (workflows/task-start.ts; the request id makes it safe).
 */
export function otpQuotaCalls(stepTimeout: string): OtpQuotaActivities {
  return proxyActivitiesStartedWithin<OtpQuotaActivities>({
    summary: 'OTP quota: reserve a send',
    scheduleToCloseTimeout: stepTimeout,
    startToCloseTimeout: '30s',
    retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '10s' },
  });
}
