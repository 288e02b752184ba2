// The simulator's own reading of shared/eko/API.md: per contract and step, the method, path, fields and success
// envelope Eko documents. Written apart from activities/eko/contract.ts on purpose, so a client bug shows up as
// a rejected request instead of being mirrored.
import type { EkoStep } from '../common/eko-steps.js';

export type SimContract = 'v3' | 'eps-2026-06';

export interface SimStepShape {
  step: EkoStep;
  method: 'POST' | 'PUT';
  path: string;
  aadhaarField: 'aadhar' | 'aadhaar';
  required: readonly string[];
  optional: readonly string[];
  successTypeId: number;
  successMessage: string;
}

const V3 = '/user/collection/aeps-fingpay/kyc';

export const SIM_SHAPES: Record<SimContract, readonly SimStepShape[]> = {
  // §10: [EPS-later] + [DEV] v3.
  v3: [
    {
      step: 'sendOtp',
      method: 'POST',
      path: `${V3}/otp`,
      aadhaarField: 'aadhar',
      required: ['initiator_id', 'user_code', 'aadhar', 'customer_id', 'latlong'],
      optional: ['client_ref_id'],
      successTypeId: 1600,
      successMessage: 'OTP request has been sent',
    },
    {
      step: 'verifyOtp',
      method: 'PUT',
      path: `${V3}/otp/verify`,
      aadhaarField: 'aadhar',
      required: ['initiator_id', 'user_code', 'customer_id', 'aadhar', 'otp', 'otp_ref_id', 'reference_tid', 'latlong'],
      optional: ['client_ref_id'],
      successTypeId: 1604,
      successMessage: 'Validation successful',
    },
    {
      step: 'biometric',
      method: 'PUT',
      path: `${V3}/biometric`,
      aadhaarField: 'aadhar',
      required: [
        'initiator_id',
        'user_code',
        'customer_id',
        'aadhar',
        'latlong',
        'bank_code',
        'otp_ref_id',
        'reference_tid',
        'piddata',
      ],
      optional: ['client_ref_id'],
      successTypeId: 1605,
      successMessage: 'Congratulations! eKYC successful',
    },
    {
      // §5.2: biometric only; the two OTP-verification ids are optional per [DEV].
      step: 'dailyKyc',
      method: 'PUT',
      path: `${V3}/biometric/daily`,
      aadhaarField: 'aadhar',
      required: ['initiator_id', 'user_code', 'aadhar', 'customer_id', 'latlong', 'piddata', 'bank_code'],
      optional: ['client_ref_id', 'otp_ref_id', 'reference_tid'],
      successTypeId: 1713,
      // Eko's own typo (§5.2).
      successMessage: 'KYC sucess',
    },
  ],
  // §2.1, §3.1, §4.1: the early eps.eko.in pages. Their Send OTP returns no reference_tid while their Verify OTP
  // lists one; the simulator takes it when given and does not insist on it.
  'eps-2026-06': [
    {
      step: 'sendOtp',
      method: 'POST',
      path: '/customer/aeps/fingpay/kyc/otp',
      aadhaarField: 'aadhaar',
      required: ['initiator_id', 'user_code', 'aadhaar'],
      optional: ['client_ref_id'],
      successTypeId: 1388,
      successMessage: 'OTP sent successfully to Aadhaar-linked mobile number.',
    },
    {
      step: 'verifyOtp',
      method: 'PUT',
      path: `${V3}/otp/verify`,
      aadhaarField: 'aadhaar',
      required: ['initiator_id', 'user_code', 'customer_id', 'aadhaar', 'otp', 'otp_ref_id', 'latlong'],
      optional: ['client_ref_id', 'reference_tid'],
      successTypeId: 1604,
      successMessage: 'Validation successful',
    },
    {
      step: 'biometric',
      method: 'POST',
      path: '/customer/aeps/fingpay/kyc/biometric',
      aadhaarField: 'aadhaar',
      required: ['initiator_id', 'user_code', 'aadhaar', 'piddata', 'otp_ref_id'],
      optional: ['client_ref_id'],
      successTypeId: 1388,
      successMessage: 'eKYC completed successfully.',
    },
    {
      // §5.1: its refusals (108, 327, 17) were withdrawn as invented; the simulator answers 1714 as §5.2 does.
      step: 'dailyKyc',
      method: 'POST',
      path: '/customer/aeps/fingpay/kyc/daily',
      aadhaarField: 'aadhaar',
      required: ['initiator_id', 'user_code', 'aadhaar', 'piddata', 'latlong'],
      optional: ['client_ref_id', 'source_ip'],
      successTypeId: 1388,
      successMessage: 'Daily authentication successful.',
    },
  ],
};

/** Eko's answers, as its docs print them. `code` is what the ledger records. */
export interface SimAnswer {
  httpStatus: number;
  body: Record<string, unknown>;
  code: string;
  headers?: Record<string, string>;
}

export function success(shape: SimStepShape, data: Record<string, unknown>): SimAnswer {
  return {
    httpStatus: 200,
    code: '0',
    body: {
      response_status_id: 0,
      status: 0,
      response_type_id: shape.successTypeId,
      message: shape.successMessage,
      data,
    },
  };
}

export function failure(status: number, message: string, data?: Record<string, unknown>): SimAnswer {
  return {
    httpStatus: 200,
    code: String(status),
    body: { response_status_id: 1, status, response_type_id: status, message, ...(data ? { data } : {}) },
  };
}

export const MISSING = 'Please provide the value of the field';
export const INVALID = 'Invalid value for the field';

/** 97 / -1 with `invalid_params` keyed by field (§2.2, §8.1). */
export function invalidParams(params: Record<string, string>): SimAnswer {
  return {
    httpStatus: 200,
    code: '97',
    body: {
      response_status_id: 1,
      response_type_id: -1,
      status: 97,
      message: Object.values(params)[0] ?? MISSING,
      invalid_params: params,
    },
  };
}

export const REASON_OTP = 'The details entered are incorrect or the OTP has expired. Kindly request a new OTP.';
export const REASON_DETAILS = 'Merchant is Inactive or Invalid Details';
export const REASON_BIOMETRIC = 'Authentication Failed. Invalid Biometric data.';
export const REASON_REKYC = 'Please complete bank eKYC to process the transaction.';
/** Eko documents no answer for a Daily KYC too soon after eKYC; a [FIELD] report saw this reason (§9.4). */
export const REASON_NOT_COMPLETED = 'Transaction Not Completed';
const FAILED_461 = 'Failed!Please try after some time';

export const ANSWERS = {
  otpRejected: () => failure(461, FAILED_461, { last_used_okekey: '', reason: REASON_OTP }),
  detailsRejected: () => failure(461, FAILED_461, { reason: REASON_DETAILS }),
  biometricRejected: () => failure(461, FAILED_461, { reason: REASON_BIOMETRIC }),
  dailyKycFailed: (reason: string) => failure(1714, 'KYC Fail', { reason, comment: '' }),
  notAllowed: () => failure(346, 'Agent not allowed to this transaction'),
  notOnboarded: () => failure(1297, 'User not onboarded'),
  userNotFound: () => failure(463, 'User not found'),
  invalidInitiator: () => failure(319, 'Invalid initiator'),
  busy: (): SimAnswer => ({
    httpStatus: 200,
    code: '-2',
    body: {
      response_status_id: -2,
      status: 1,
      response_type_id: -2,
      message: 'Another transaction is in progress for this user. Please try after some time.',
    },
  }),
};
