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
  sendOtp(input: BaselineInput): Promise<{ otpRefId: string }>;
  verifyOtp(input: BaselineInput & { otp?: string }): Promise<{ otpRefId: string }>;
  submitBiometric(input: BaselineInput & { pidData?: string }): Promise<{ userCode: string }>;
}

export const BASELINE_WORKFLOW_TYPE = 'baselineSession';

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
