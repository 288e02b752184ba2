// What the baseline workflow, its activities and the benchmark driver share: types and update definitions.
// No Node imports.
import { defineSignal, defineUpdate } from '@temporalio/workflow';

/** The session input, carried through as the real workflow carries it (same payload sizes). */
export interface BaselineInput {
  userCode: string;
  customerId: string;
  aadhaar: string;
  latlong: string;
  bankCode: string;
}

export interface BaselineOutcome {
  accepted: boolean;
  stage: 'SENDING_OTP' | 'AWAITING_OTP' | 'VERIFYING_OTP' | 'AWAITING_BIOMETRIC' | 'SUBMITTING_BIOMETRIC' | 'COMPLETED';
}

export interface BaselineActivities {
  /** Update-with-start of the agent's no-op quota workflow, as activities/otp-quota.ts asks fingpayOtpQuota. */
  reserveOtpSend(input: { userCode: string; requestId: string; cooldownMs: number }): Promise<{ allowed: boolean }>;
  sendOtp(input: BaselineInput): Promise<{ otpRefId: string }>;
  verifyOtp(input: BaselineInput & { otp?: string }): Promise<{ otpRefId: string }>;
  submitBiometric(input: BaselineInput & { pidData?: string }): Promise<{ userCode: string }>;
  /** Signal-with-start of the agent's no-op lifecycle, as activities/agent.ts tells fingpayAgent. */
  notifyAgentOfEkyc(input: BaselineEkycArg & { userCode: string; ekycRunId: string }): Promise<void>;
}

export const BASELINE_WORKFLOW_TYPE = 'baselineSession';
export const BASELINE_OTP_QUOTA_WORKFLOW_TYPE = 'baselineOtpQuota';
export const baselineOtpQuotaWorkflowId = (userCode: string) => `bench-baseline-otp-quota-${userCode}`;
export const baselineReserveOtpSend = defineUpdate<
  { allowed: boolean },
  [{ cooldownMs: number; perHour: number; perDay: number }]
>('reserveOtpSend');
/**
 * The patch ids of fingpayEkyc's quota check and lifecycle notice (workflows/ekyc.ts), spelled out here: importing
 * them would put the product's workflow module into the baseline's bundle.
 */
export const BASELINE_PATCH = { otpQuota: 'otp-send-quota', agentLifecycle: 'agent-lifecycle-notify' } as const;

export const baselineSubmitOtp = defineUpdate<BaselineOutcome, [{ otp: string }]>('submitOtp');
export const baselineSubmitBiometric = defineUpdate<BaselineOutcome, [{ pidData: string }]>('submitBiometric');

// ---- the morning rush (bench/rush.ts): the lifecycle-shaped no-op ------------------------------------------------

/** What the no-op lifecycle is told on creation (the real one's `ekycCompleted` signal carries the same fields). */
export interface BaselineEkycArg {
  completedAt: string;
  customerId: string;
  latlong: string;
  bankCode: string;
}

/** The Daily KYC request, as the real `submitDailyAuth` carries it (same payload sizes). */
export interface BaselineDailyAuthArg {
  aadhaar: string;
  pidData: string;
}

export interface BaselineDailyAuthOutcome {
  accepted: boolean;
  state: 'EKYC_PENDING' | 'AUTH_REQUIRED' | 'AUTHENTICATED';
  validUntil?: string;
}

export interface BaselineAgentActivities {
  submitDailyKyc(input: BaselineDailyAuthArg & BaselineEkycArg & { userCode: string }): Promise<{ userCode: string }>;
  /** The hand-over of the day's partner event (workflows/events.ts), a no-op here. */
  emitWebhookEvent(event: { type: string; userCode: string }): Promise<void>;
}

export const BASELINE_AGENT_WORKFLOW_TYPE = 'baselineAgent';
export const baselineAgentWorkflowId = (userCode: string) => `bench-baseline-agent-${userCode}`;
export const baselineEkycCompleted = defineSignal<[BaselineEkycArg]>('ekycCompleted');
export const baselineSubmitDailyAuth = defineUpdate<BaselineDailyAuthOutcome, [BaselineDailyAuthArg]>(
  'submitDailyAuth',
);
