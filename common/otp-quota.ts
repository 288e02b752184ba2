// How many OTPs may be sent to one agent, across all of its eKYC sessions: the resend cooldown, and caps per hour
// and per day. Pure (no Node imports): the fingpayOtpQuota workflow decides with it, the tests check it alone.

export const OTP_QUOTA_WORKFLOW_TYPE = 'fingpayOtpQuota';
export const OTP_QUOTA_WORKFLOW_ID_PREFIX = 'fingpay-otp-quota-';
export const otpQuotaWorkflowIdFor = (userCode: string) => `${OTP_QUOTA_WORKFLOW_ID_PREFIX}${userCode}`;

export const HOUR_MS = 3_600_000;
export const DAY_MS = 24 * HOUR_MS;

/** Operators' limits: the cooldown from the session's policy, the caps from the worker's configuration. */
export interface OtpSendLimits {
  cooldownMs: number;
  perHour: number;
  perDay: number;
}

export const DEFAULT_OTP_SENDS_PER_HOUR = 5;
export const DEFAULT_OTP_SENDS_PER_DAY = 10;

export type OtpSendDecision =
  | { allowed: true }
  | { allowed: false; code: 'RESEND_COOLDOWN' | 'OTP_SEND_LIMIT_REACHED'; retryAt: number; reason: string };

/** Sends older than a day no longer count for anything. `sends` is ascending. */
export function pruneSends(sends: number[], now: number): number[] {
  return sends.filter((at) => at > now - DAY_MS);
}

/** Whether one more OTP may be sent at `now`, given the agent's earlier sends (ascending, within a day). */
export function decideOtpSend(sends: readonly number[], now: number, limits: OtpSendLimits): OtpSendDecision {
  const last = sends.at(-1);
  if (last !== undefined && now < last + limits.cooldownMs) {
    return {
      allowed: false,
      code: 'RESEND_COOLDOWN',
      retryAt: last + limits.cooldownMs,
      reason: `a new OTP can be sent ${Math.ceil(limits.cooldownMs / 1000)}s after the last one to this agent`,
    };
  }
  for (const [windowMs, cap, per] of [
    [HOUR_MS, limits.perHour, 'hour'],
    [DAY_MS, limits.perDay, 'day'],
  ] as const) {
    const inWindow = sends.filter((at) => at > now - windowMs);
    if (inWindow.length >= cap) {
      // The send whose ageing out frees a place under the cap.
      const freesAt = inWindow[inWindow.length - cap] + windowMs;
      return {
        allowed: false,
        code: 'OTP_SEND_LIMIT_REACHED',
        retryAt: freesAt,
        reason: `at most ${cap} OTPs per ${per} are sent to one agent`,
      };
    }
  }
  return { allowed: true };
}

/** What an eKYC session asks the agent's quota workflow (update `reserveOtpSend`). */
export type ReserveOtpSendArg = OtpSendLimits;

export interface ReserveOtpSendInput {
  userCode: string;
  /** Unique per attempt to send, the same on every retry of the activity (the update id: Temporal de-duplicates). */
  requestId: string;
  cooldownMs: number;
}

export interface OtpQuotaActivities {
  reserveOtpSend(input: ReserveOtpSendInput): Promise<OtpSendDecision>;
}

export interface OtpQuotaState {
  userCode: string;
  sends: number[];
}
