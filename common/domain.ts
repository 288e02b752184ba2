// Names and types of the product contract (shared/design/CONTRACT.md). Pure: no Node imports, so the
// workflow sandbox, the clients and the agent page can all use it.

export const WORKFLOW_TYPE = 'fingpayEkyc';
export const DEFAULT_TASK_QUEUE = 'fingpay-ekyc';
export const WORKFLOW_ID_PREFIX = 'fingpay-ekyc-';

export function workflowIdFor(userCode: string): string {
  return `${WORKFLOW_ID_PREFIX}${userCode}`;
}

export const STAGES = [
  'SENDING_OTP',
  'AWAITING_OTP',
  'VERIFYING_OTP',
  'AWAITING_BIOMETRIC',
  'SUBMITTING_BIOMETRIC',
  'COMPLETED',
  'FAILED',
  'EXPIRED',
  'CANCELLED',
] as const;
export type Stage = (typeof STAGES)[number];
export const FINAL_STAGES: readonly Stage[] = ['COMPLETED', 'FAILED', 'EXPIRED', 'CANCELLED'];
export function isFinalStage(stage: Stage): boolean {
  return FINAL_STAGES.includes(stage);
}

/** Durations are Temporal duration strings ('10m', '60s', '24h'). */
export interface EkycPolicy {
  otpTimeout: string;
  maxOtpAttempts: number;
  resendCooldown: string;
  maxResends: number;
  biometricTimeout: string;
  maxBiometricAttempts: number;
  sessionTimeout: string;
  /** How long one Eko step keeps retrying transient failures before the agent is told Eko is unavailable. */
  ekoStepTimeout: string;
}

export const DEFAULT_POLICY: EkycPolicy = {
  otpTimeout: '10m',
  maxOtpAttempts: 3,
  resendCooldown: '60s',
  maxResends: 3,
  biometricTimeout: '15m',
  maxBiometricAttempts: 3,
  sessionTimeout: '24h',
  ekoStepTimeout: '3m',
};

export function resolvePolicy(policy: Partial<EkycPolicy> | undefined): EkycPolicy {
  return { ...DEFAULT_POLICY, ...(policy ?? {}) };
}

export interface EkycInput {
  userCode: string;
  /** The agent's registered mobile. PII. */
  customerId: string;
  /** 12-digit Aadhaar number. PII: plain only inside encrypted payloads. */
  aadhaar: string;
  latlong: string;
  bankCode: string;
  policy?: Partial<EkycPolicy>;
}

export interface EkycResult {
  userCode: string;
  completedAt: string;
}

export interface OtpArg {
  otp: string;
}
export interface BiometricArg {
  pidData: string;
}
export interface CancelArg {
  reason?: string;
}

/** What an update returns. `code` is machine-readable, `reason` is for people. */
export interface UpdateOutcome {
  accepted: boolean;
  stage: Stage;
  code?: string;
  reason?: string;
  attemptsLeft?: number;
  retryAfter?: string;
}

export interface LastError {
  code: string;
  message: string;
}

/** The `status` query. No PII: the mobile only as a masked hint. */
export interface EkycStatus {
  stage: Stage;
  userCode: string;
  otpRefId: string | null;
  referenceTid: string | null;
  mobileHint: string | null;
  otpAttemptsLeft: number;
  otpExpired: boolean;
  otpExpiresAt: string | null;
  resendsLeft: number;
  resendAvailableAt: string | null;
  biometricAttemptsLeft: number;
  lastError: LastError | null;
  /** Signals that were ignored because they were malformed or came in the wrong stage. */
  ignoredSignals: { name: string; reason: string; at: string }[];
  startedAt: string;
  deadline: string;
  completedAt: string | null;
  policy: EkycPolicy;
}

/** Mask all but the last 4 digits of a mobile, the way Eko's own hint looks ("******7890"). */
export function maskMobile(mobile: string): string {
  return mobile.length <= 4 ? '*'.repeat(mobile.length) : '*'.repeat(mobile.length - 4) + mobile.slice(-4);
}
