// The fingpayEkyc workflow's messages, search attributes and failure names: the one definition shared by the
// workflow and every client (library, CLI, HTTP API), so they agree by construction. No Node imports.
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { BiometricArg, CancelArg, EkycStatus, OtpArg, UpdateOutcome } from '../common/domain.js';
import type { OtpSendDecision, ReserveOtpSendArg } from '../common/otp-quota.js';
import type { AgentStatus, DailyAuthArg, DailyAuthOutcome, EkycCompletedArg, InvalidateArg } from '../common/agent.js';

/** The resend messages carry an empty object (`{}`): nothing to say but "send a new OTP". */
export type ResendArg = Record<string, never>;

// Signals: fire-and-forget. A malformed one, or one in the wrong stage, is ignored and listed in
// `status().ignoredSignals`.
export const otpSignal = defineSignal<[OtpArg]>('otp');
export const resendOtpSignal = defineSignal<[ResendArg?]>('resendOtp');
export const biometricSignal = defineSignal<[BiometricArg]>('biometric');
export const cancelSignal = defineSignal<[CancelArg?]>('cancel');

// Updates: the same requests, answered with the outcome. Their validators reject a malformed argument or a
// message in the wrong stage before anything is written to history (see VALIDATOR_REJECTION).
export const submitOtpUpdate = defineUpdate<UpdateOutcome, [OtpArg]>('submitOtp');
export const requestOtpResendUpdate = defineUpdate<UpdateOutcome, [ResendArg]>('requestOtpResend');
export const submitBiometricUpdate = defineUpdate<UpdateOutcome, [BiometricArg]>('submitBiometric');

/**
 * Returns once the session's first Send OTP has settled (OTP sent, or Eko's refusal): the update of an
 * update-with-start, so that one call starts a session and learns how its first step went.
 */
export const firstStepUpdate = defineUpdate<UpdateOutcome, [Record<string, never>]>('firstStep');
export const statusQuery = defineQuery<EkycStatus>('status');

// fingpayOtpQuota (workflows/otp-quota.ts): one per agent, asked before every Send OTP of any of its sessions.
export const reserveOtpSendUpdate = defineUpdate<OtpSendDecision, [ReserveOtpSendArg]>('reserveOtpSend');
export const otpQuotaQuery = defineQuery<{ userCode: string; sends: string[] }>('quota');

// fingpayAgent (workflows/agent.ts): one per agent, for ever; the day's Daily KYC and the eKYC it remembers.
export const submitDailyAuthUpdate = defineUpdate<DailyAuthOutcome, [DailyAuthArg]>('submitDailyAuth');
export const invalidateDailyAuthSignal = defineSignal<[InvalidateArg]>('invalidateDailyAuth');
/** Sent by fingpayEkyc, through an activity with signal-with-start, when an eKYC completes (however started). */
export const ekycCompletedSignal = defineSignal<[EkycCompletedArg]>('ekycCompleted');
export const agentStatusQuery = defineQuery<AgentStatus>('status');
/** The transaction system's question: may this agent withdraw cash now? */
export const canTransactQuery = defineQuery<boolean>('canTransact');

export const AGENT_STATE_SA = defineSearchAttributeKey('AgentState', SearchAttributeType.KEYWORD);
/** IST date (YYYY-MM-DD) of the agent's last successful Daily KYC. */
export const DAILY_AUTH_DATE_SA = defineSearchAttributeKey('DailyAuthDate', SearchAttributeType.KEYWORD);

export const EKYC_STAGE_SA = defineSearchAttributeKey('EkycStage', SearchAttributeType.KEYWORD);
export const EKO_USER_CODE_SA = defineSearchAttributeKey('EkoUserCode', SearchAttributeType.KEYWORD);

/**
 * ApplicationFailure types an update validator throws. `details[0]` is `{ stage, errors? }` where `errors` are
 * `{ field, rule }` (never the value).
 */
export const VALIDATOR_REJECTION = {
  wrongStage: 'WrongStage',
  invalidArgument: 'InvalidArgument',
  /** The argument (or a session's input) reached the worker without the payload codec (codec/fail-closed.ts). */
  unencrypted: 'UnencryptedPayload',
  /** submitDailyAuth refused without calling Eko; `details[0]` is the DailyAuthOutcome. */
  dailyAuthRefused: 'DailyAuthRefused',
} as const;

/**
 * `UpdateOutcome.code` values the workflow decides itself. Eko's own verdicts keep their failure type names
 * (`EkoOtpRejected`, `EkoBiometricRejected`, and for a FAILED session any permanent type of common/eko-steps.ts).
 */
export const OUTCOME_CODE = {
  /** The request no longer fits the stage (the session moved on, or ended, while it waited in line). */
  wrongStage: 'WRONG_STAGE',
  /** The OTP's `otpTimeout` passed: only a resend helps. */
  otpExpired: 'OTP_EXPIRED',
  /** Every attempt for this OTP was used: only a resend helps. */
  noOtpAttemptsLeft: 'NO_OTP_ATTEMPTS_LEFT',
  /** Too soon after the last OTP was sent; `retryAfter` is the ISO instant a resend is allowed. */
  resendCooldown: 'RESEND_COOLDOWN',
  resendLimitReached: 'RESEND_LIMIT_REACHED',
  /** The agent's OTP sends, across all its sessions, reached the hourly or daily cap; `retryAfter` says when. */
  otpSendLimitReached: 'OTP_SEND_LIMIT_REACHED',
  /** Eko kept failing transiently for the whole `ekoStepTimeout`; nothing was used up, the agent may retry. */
  ekoUnavailable: 'EKO_UNAVAILABLE',
} as const;

/** `lastError.code` values of sessions that ended without a single Eko verdict to name. */
export const END_CODE = {
  otpAttemptsExhausted: 'OTP_ATTEMPTS_EXHAUSTED',
  otpExpired: 'OTP_EXPIRED',
  biometricAttemptsExhausted: 'BIOMETRIC_ATTEMPTS_EXHAUSTED',
  biometricTimeout: 'BIOMETRIC_TIMEOUT',
  sessionTimeout: 'SESSION_TIMEOUT',
  cancelled: 'CANCELLED',
  ekoUnavailable: OUTCOME_CODE.ekoUnavailable,
  otpSendLimitReached: OUTCOME_CODE.otpSendLimitReached,
} as const;

/**
 * How a session that did not complete ends its workflow: a failure of one of these types, with
 * `details[0] = { stage, lastError }`. Failing the run is what lets ALLOW_DUPLICATE_FAILED_ONLY start the agent
 * again. A cancellation through Temporal itself (the UI's Cancel) ends the run as Canceled instead.
 */
export const END_FAILURE = {
  FAILED: 'EkycFailed',
  EXPIRED: 'EkycExpired',
  CANCELLED: 'EkycCancelled',
} as const;
