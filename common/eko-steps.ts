// The activity interface between the workflow and the Eko client, and the names of Eko failure types.
// Pure types and constants: the workflow matches ApplicationFailure.type against these names.

export type EkoStep = 'sendOtp' | 'verifyOtp' | 'biometric' | 'dailyKyc';
/** The three steps of the one-time eKYC (fingpayEkyc). */
export type EkycStep = Exclude<EkoStep, 'dailyKyc'>;

export interface EkoStepBase {
  userCode: string;
  customerId: string;
  aadhaar: string;
  latlong: string;
  /** Unique per logical call, at most 20 characters, the same on every retry of that call. */
  clientRefId: string;
}

/** Eko's references for the OTP exchange. The early (eps-2026-06) contract has no reference_tid. */
export interface OtpPair {
  otpRefId: string;
  referenceTid: string | null;
}

export type SendOtpInput = EkoStepBase;
export interface SendOtpOutput extends OtpPair {
  /** Masked mobile as Eko returns it (only the early contract has it). */
  mobileHint?: string;
}
export interface VerifyOtpInput extends EkoStepBase, OtpPair {
  otp: string;
}
export type VerifyOtpOutput = OtpPair;
export interface BiometricInput extends EkoStepBase, OtpPair {
  bankCode: string;
  pidData: string;
}
export interface BiometricOutput {
  userCode: string;
}

/** The day's Daily KYC ("2FA", API.md §5): biometric only, no OTP pair. */
export interface DailyKycInput extends EkoStepBase {
  bankCode: string;
  pidData: string;
}
export interface DailyKycOutput {
  userCode: string;
}

export interface DailyKycActivities {
  submitDailyKyc(input: DailyKycInput): Promise<DailyKycOutput>;
}

export interface EkycActivities {
  sendOtp(input: SendOtpInput): Promise<SendOtpOutput>;
  verifyOtp(input: VerifyOtpInput): Promise<VerifyOtpOutput>;
  submitBiometric(input: BiometricInput): Promise<BiometricOutput>;
}

/** Failure type names (ApplicationFailure.type). Permanent ones end the call at once; transient ones retry. */
export const EKO_ERROR = {
  // permanent
  AuthRejected: 'EkoAuthRejected',
  Misconfigured: 'EkoMisconfigured',
  OtpRejected: 'EkoOtpRejected',
  DetailsRejected: 'EkoDetailsRejected',
  BiometricRejected: 'EkoBiometricRejected',
  AgentNotAllowed: 'EkoAgentNotAllowed',
  InvalidRequest: 'EkoInvalidRequest',
  UnknownAgent: 'EkoUnknownAgent',
  UnexpectedResponse: 'EkoUnexpectedResponse',
  /** Daily KYC 1714 "Please complete bank eKYC…": the agent must complete a new eKYC first. */
  RekycRequired: 'EkoRekycRequired',
  /** Daily KYC 1714 with any other reason (or none): the capture was refused; recapture. */
  DailyKycFailed: 'EkoDailyKycFailed',
  /** FP069 (acquiring-bank exception): the day's authentication must be done again with a new capture. */
  ReauthRequired: 'EkoReauthRequired',
  /** A retried Biometric eKYC was refused after an attempt whose answer was lost: Eko may have completed it. */
  OutcomeUncertain: 'EkoOutcomeUncertain',
  // transient
  Unavailable: 'EkoUnavailable',
  RateLimited: 'EkoRateLimited',
  Timeout: 'EkoTimeout',
  NetworkError: 'EkoNetworkError',
  Busy: 'EkoBusy',
  UpstreamError: 'EkoUpstreamError',
} as const;
export type EkoErrorType = (typeof EKO_ERROR)[keyof typeof EKO_ERROR];

export const PERMANENT_EKO_ERRORS: readonly EkoErrorType[] = [
  EKO_ERROR.AuthRejected,
  EKO_ERROR.Misconfigured,
  EKO_ERROR.OtpRejected,
  EKO_ERROR.DetailsRejected,
  EKO_ERROR.BiometricRejected,
  EKO_ERROR.AgentNotAllowed,
  EKO_ERROR.InvalidRequest,
  EKO_ERROR.UnknownAgent,
  EKO_ERROR.UnexpectedResponse,
  EKO_ERROR.OutcomeUncertain,
  EKO_ERROR.RekycRequired,
  EKO_ERROR.DailyKycFailed,
  EKO_ERROR.ReauthRequired,
];

/** Details attached to every Eko ApplicationFailure (no request field, ever). */
export interface EkoFailureDetails {
  step: EkoStep;
  httpStatus?: number;
  status?: number | string;
  responseTypeId?: number | string;
  responseStatusId?: number | string;
  ekoMessage?: string;
  reason?: string;
  invalidFields?: string[];
}
