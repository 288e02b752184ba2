// EXPERIMENT, not product code: the exports of common/validation.ts that the workflow uses, written without zod,
// so `BENCH_EXPERIMENT=zod-free-workflow` can bundle the workflow against it and measure what zod costs per
// workflow instance (each cached workflow evaluates its own copy of every bundled module). The checks are close
// to the real rules but not a replacement for them: rule texts and policy bounds are not reproduced.
import {
  DEFAULT_POLICY,
  type BiometricArg,
  type EkycInput,
  type EkycPolicy,
  type OtpArg,
} from '../../common/domain.js';
import { verhoeffValid } from '../../common/verhoeff.js';

export interface FieldError {
  field: string;
  rule: string;
}

export class ValidationError extends Error {
  readonly errors: FieldError[];
  constructor(errors: FieldError[]) {
    super(`invalid input: ${errors.map((e) => `${e.field}: ${e.rule}`).join('; ')}`);
    this.name = 'ValidationError';
    this.errors = errors;
  }
}

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

export function durationToMs(value: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)$/.exec(value.trim());
  if (!m) throw new ValidationError([{ field: 'duration', rule: 'must be a duration' }]);
  return Math.round(Number(m[1]) * UNIT_MS[m[2]]);
}

const matches = (value: unknown, re: RegExp) => typeof value === 'string' && re.test(value);

export function validateEkycInput(value: unknown): EkycInput {
  const v = (value ?? {}) as Record<string, unknown>;
  const errors: FieldError[] = [];
  if (!matches(v.userCode, /^\d{8}$/)) errors.push({ field: 'userCode', rule: 'must be 8 digits' });
  if (!matches(v.customerId, /^[6-9]\d{9}$/)) errors.push({ field: 'customerId', rule: 'must be a mobile' });
  if (!matches(v.aadhaar, /^[2-9]\d{11}$/) || !verhoeffValid(v.aadhaar as string)) {
    errors.push({ field: 'aadhaar', rule: 'must be a valid Aadhaar number' });
  }
  if (!matches(v.latlong, /^-?\d{1,3}(\.\d+)?,\s?-?\d{1,3}(\.\d+)?$/))
    errors.push({ field: 'latlong', rule: 'lat,long' });
  if (!matches(v.bankCode, /^[A-Za-z0-9]{2,12}$/)) errors.push({ field: 'bankCode', rule: 'must be a bank code' });
  if (errors.length) throw new ValidationError(errors);
  return v as unknown as EkycInput;
}

export function validateOtpArg(value: unknown): OtpArg {
  const otp = (value as { otp?: unknown } | null)?.otp;
  if (!matches(otp, /^\d{6}$/)) throw new ValidationError([{ field: 'otp', rule: 'must be exactly 6 digits' }]);
  return { otp: otp as string };
}

export function validateBiometricArg(value: unknown): BiometricArg {
  const pidData = (value as { pidData?: unknown } | null)?.pidData;
  if (typeof pidData !== 'string' || !/<PidData[\s>]/.test(pidData) || pidData.length > 200_000) {
    throw new ValidationError([{ field: 'pidData', rule: 'must be the PidData XML' }]);
  }
  return { pidData };
}

export function resolvePolicy(policy: Partial<EkycPolicy> | undefined): EkycPolicy {
  return { ...DEFAULT_POLICY, ...(policy ?? {}) };
}
