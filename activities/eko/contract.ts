// The two shapes of Eko's eKYC API (shared/eko/API.md §10 for v3, §2.1/§3.1/§4.1 for eps-2026-06): method,
// path and field names per step, and tolerant parsing of the success `data`. Nothing here does I/O.
import type { EkoContractName } from '../../config/index.js';
import type {
  BiometricInput,
  BiometricOutput,
  DailyKycInput,
  DailyKycOutput,
  EkoStep,
  SendOtpInput,
  SendOtpOutput,
  VerifyOtpInput,
  VerifyOtpOutput,
} from '../../common/eko-steps.js';

export interface StepRequest {
  method: 'POST' | 'PUT';
  path: string;
  body: Record<string, string>;
}

/** What every request carries besides the step's own fields. The Aadhaar is already encrypted. */
export interface RequestCommon {
  initiatorId: string;
  encryptedAadhaar: string;
}

export interface EkoContract {
  name: EkoContractName;
  /** The `response_type_id` of a successful answer, per step. */
  successTypeId: Record<EkoStep, number>;
  sendOtp(input: SendOtpInput, common: RequestCommon): StepRequest;
  verifyOtp(input: VerifyOtpInput, common: RequestCommon): StepRequest;
  biometric(input: BiometricInput, common: RequestCommon): StepRequest;
  dailyKyc(input: DailyKycInput, common: RequestCommon): StepRequest;
  /** Parse a success `data`; `undefined` when its shape is not the documented one. */
  parseSendOtp(data: unknown): SendOtpOutput | undefined;
  parseVerifyOtp(data: unknown): VerifyOtpOutput | undefined;
  parseBiometric(data: unknown, input: BiometricInput): BiometricOutput | undefined;
  parseDailyKyc(data: unknown, input: DailyKycInput): DailyKycOutput | undefined;
}

/** Eko ids arrive as strings or numbers; either way we carry them as strings. */
export function idString(value: unknown): string | undefined {
  if (typeof value === 'string' && value.trim() !== '') return value.trim();
  if (typeof value === 'number' && Number.isSafeInteger(value)) return String(value);
  return undefined;
}

/**
 * Quote bare numeric ids before JSON.parse, so an otp_ref_id longer than 2^53 keeps every digit.
 * Only the id keys are touched; the rest of the body parses as sent.
 */
export function quoteNumericIds(text: string): string {
  return text.replace(/("(?:otp_ref_id|reference_tid|user_code|tid)"\s*:\s*)(-?\d+)(?=\s*[,}])/g, '$1"$2"');
}

function record(data: unknown): Record<string, unknown> | undefined {
  return data !== null && typeof data === 'object' && !Array.isArray(data)
    ? (data as Record<string, unknown>)
    : undefined;
}

function optionalString(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

function withClientRef(body: Record<string, string>, clientRefId: string): Record<string, string> {
  return { ...body, client_ref_id: clientRefId };
}

const V3_BASE = '/user/collection/aeps-fingpay/kyc';

/** Daily KYC's success names no reference (API.md §5.2): any object, or none, will do; a non-object will not. */
function parseUserCodeData(data: unknown, userCode: string): { userCode: string } | undefined {
  const d = record(data);
  if (data !== undefined && data !== null && !d) return undefined;
  return { userCode: idString(d?.user_code) ?? userCode };
}

/** Eko's current shape ([EPS-later] + [DEV] v3): the default. */
export const v3Contract: EkoContract = {
  name: 'v3',
  successTypeId: { sendOtp: 1600, verifyOtp: 1604, biometric: 1605, dailyKyc: 1713 },
  sendOtp: (input, common) => ({
    method: 'POST',
    path: `${V3_BASE}/otp`,
    body: withClientRef(
      {
        initiator_id: common.initiatorId,
        user_code: input.userCode,
        aadhar: common.encryptedAadhaar,
        customer_id: input.customerId,
        latlong: input.latlong,
      },
      input.clientRefId,
    ),
  }),
  verifyOtp: (input, common) => ({
    method: 'PUT',
    path: `${V3_BASE}/otp/verify`,
    body: withClientRef(
      {
        initiator_id: common.initiatorId,
        user_code: input.userCode,
        customer_id: input.customerId,
        aadhar: common.encryptedAadhaar,
        otp: input.otp,
        otp_ref_id: input.otpRefId,
        reference_tid: input.referenceTid ?? '',
        latlong: input.latlong,
      },
      input.clientRefId,
    ),
  }),
  biometric: (input, common) => ({
    method: 'PUT',
    path: `${V3_BASE}/biometric`,
    body: withClientRef(
      {
        initiator_id: common.initiatorId,
        user_code: input.userCode,
        customer_id: input.customerId,
        aadhar: common.encryptedAadhaar,
        latlong: input.latlong,
        bank_code: input.bankCode,
        otp_ref_id: input.otpRefId,
        reference_tid: input.referenceTid ?? '',
        piddata: input.pidData,
      },
      input.clientRefId,
    ),
  }),
  // §5.2: PUT, biometric only (no OTP pair), the agent's own finger.
  dailyKyc: (input, common) => ({
    method: 'PUT',
    path: `${V3_BASE}/biometric/daily`,
    body: withClientRef(
      {
        initiator_id: common.initiatorId,
        user_code: input.userCode,
        customer_id: input.customerId,
        aadhar: common.encryptedAadhaar,
        latlong: input.latlong,
        bank_code: input.bankCode,
        piddata: input.pidData,
      },
      input.clientRefId,
    ),
  }),
  parseSendOtp: (data) => {
    const d = record(data);
    const otpRefId = idString(d?.otp_ref_id);
    const referenceTid = idString(d?.reference_tid);
    if (!otpRefId || !referenceTid) return undefined;
    const mobileHint = optionalString(d?.mobile_hint);
    return { otpRefId, referenceTid, ...(mobileHint ? { mobileHint } : {}) };
  },
  parseVerifyOtp: (data) => {
    const d = record(data);
    const otpRefId = idString(d?.otp_ref_id);
    const referenceTid = idString(d?.reference_tid);
    return otpRefId && referenceTid ? { otpRefId, referenceTid } : undefined;
  },
  parseBiometric: (data, input) => {
    const d = record(data);
    if (data !== undefined && data !== null && !d) return undefined;
    return { userCode: idString(d?.user_code) ?? input.userCode };
  },
  parseDailyKyc: (data, input) => parseUserCodeData(data, input.userCode),
};

/**
 * The early eps.eko.in pages (withdrawn by Eko, kept for the deployments built against them). Send OTP and
 * Biometric live under /customer/aeps/fingpay, Verify OTP already under /user/collection; the Aadhaar field
 * is `aadhaar`; Send OTP returns no reference_tid, so the pair carries `null` until Verify OTP names one.
 */
export const eps202606Contract: EkoContract = {
  name: 'eps-2026-06',
  successTypeId: { sendOtp: 1388, verifyOtp: 1604, biometric: 1388, dailyKyc: 1388 },
  sendOtp: (input, common) => ({
    method: 'POST',
    path: '/customer/aeps/fingpay/kyc/otp',
    body: withClientRef(
      { initiator_id: common.initiatorId, user_code: input.userCode, aadhaar: common.encryptedAadhaar },
      input.clientRefId,
    ),
  }),
  verifyOtp: (input, common) => ({
    method: 'PUT',
    path: `${V3_BASE}/otp/verify`,
    body: withClientRef(
      {
        initiator_id: common.initiatorId,
        user_code: input.userCode,
        customer_id: input.customerId,
        aadhaar: common.encryptedAadhaar,
        otp: input.otp,
        otp_ref_id: input.otpRefId,
        // The early Send OTP page returns no reference_tid; the early Verify page still lists it.
        ...(input.referenceTid ? { reference_tid: input.referenceTid } : {}),
        latlong: input.latlong,
      },
      input.clientRefId,
    ),
  }),
  biometric: (input, common) => ({
    method: 'POST',
    path: '/customer/aeps/fingpay/kyc/biometric',
    body: withClientRef(
      {
        initiator_id: common.initiatorId,
        user_code: input.userCode,
        aadhaar: common.encryptedAadhaar,
        piddata: input.pidData,
        otp_ref_id: input.otpRefId,
      },
      input.clientRefId,
    ),
  }),
  // §5.1: POST under /customer; its `source_ip` was declared unsourced by Eko, so it is not sent.
  dailyKyc: (input, common) => ({
    method: 'POST',
    path: '/customer/aeps/fingpay/kyc/daily',
    body: withClientRef(
      {
        initiator_id: common.initiatorId,
        user_code: input.userCode,
        aadhaar: common.encryptedAadhaar,
        piddata: input.pidData,
        latlong: input.latlong,
      },
      input.clientRefId,
    ),
  }),
  parseSendOtp: (data) => {
    const d = record(data);
    const otpRefId = idString(d?.otp_ref_id);
    if (!otpRefId) return undefined;
    const mobileHint = optionalString(d?.mobile_hint);
    return { otpRefId, referenceTid: idString(d?.reference_tid) ?? null, ...(mobileHint ? { mobileHint } : {}) };
  },
  parseVerifyOtp: (data) => {
    const d = record(data);
    const otpRefId = idString(d?.otp_ref_id);
    return otpRefId ? { otpRefId, referenceTid: idString(d?.reference_tid) ?? null } : undefined;
  },
  parseBiometric: (data, input) => {
    const d = record(data);
    if (data !== undefined && data !== null && !d) return undefined;
    return { userCode: idString(d?.user_code) ?? input.userCode };
  },
  parseDailyKyc: (data, input) => parseUserCodeData(data, input.userCode),
};

export const CONTRACTS: Record<EkoContractName, EkoContract> = {
  v3: v3Contract,
  'eps-2026-06': eps202606Contract,
};
