// What the baseline workflow, its activities and the benchmark driver share: types and update definitions.
// No Node imports.
import { defineUpdate } from '@temporalio/workflow';

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
