// Input rules, shared by the client library, the HTTP API, the update validators and the agent page.
// Error messages name the field and the rule, never the value (the values are PII).
import { z } from 'zod';
import { verhoeffValid } from './verhoeff.js';
import {
  COUNT_BOUNDS,
  DURATION_BOUNDS,
  PATTERNS,
  PID_MAX_LENGTH,
  RULES,
  ValidationError,
  countRule,
  durationBoundsRule,
  durationToMs,
  latlongInRange,
  pidCaptureOk,
  pidDataShaped,
  type FieldError,
} from './checks.js';
import type { BiometricArg, EkycInput, OtpArg } from './domain.js';

export { RULES, ValidationError, durationToMs, type FieldError } from './checks.js';

function boundedDuration(minMs: number, maxMs: number) {
  return (
    z
      .string({ error: RULES.duration })
      // abort: zod runs later checks after a failed one, and durationToMs would throw on a non-duration.
      .regex(PATTERNS.duration, { error: RULES.duration, abort: true })
      .refine((v) => durationToMs(v) >= minMs && durationToMs(v) <= maxMs, {
        error: durationBoundsRule([minMs, maxMs]),
      })
  );
}

export const userCodeSchema = z.string({ error: RULES.userCode }).regex(PATTERNS.userCode, { error: RULES.userCode });
export const customerIdSchema = z
  .string({ error: RULES.customerId })
  .regex(PATTERNS.customerId, { error: RULES.customerId });
export const aadhaarSchema = z
  .string({ error: RULES.aadhaarFormat })
  .regex(PATTERNS.aadhaar, { error: RULES.aadhaarFormat })
  .refine(verhoeffValid, { error: RULES.aadhaarChecksum });
export const latlongSchema = z
  .string({ error: RULES.latlong })
  .regex(PATTERNS.latlong, { error: RULES.latlong })
  .refine(latlongInRange, { error: RULES.latlong });
export const bankCodeSchema = z.string({ error: RULES.bankCode }).regex(PATTERNS.bankCode, { error: RULES.bankCode });

const count = (bounds: readonly [number, number]) =>
  z
    .number({ error: countRule(bounds) })
    .int({ error: countRule(bounds) })
    .min(bounds[0], { error: countRule(bounds) })
    .max(bounds[1], { error: countRule(bounds) });

export const policySchema = z
  .object({
    otpTimeout: boundedDuration(...DURATION_BOUNDS.otpTimeout),
    maxOtpAttempts: count(COUNT_BOUNDS.maxOtpAttempts),
    resendCooldown: boundedDuration(...DURATION_BOUNDS.resendCooldown),
    maxResends: count(COUNT_BOUNDS.maxResends),
    biometricTimeout: boundedDuration(...DURATION_BOUNDS.biometricTimeout),
    maxBiometricAttempts: count(COUNT_BOUNDS.maxBiometricAttempts),
    sessionTimeout: boundedDuration(...DURATION_BOUNDS.sessionTimeout),
    ekoStepTimeout: boundedDuration(...DURATION_BOUNDS.ekoStepTimeout),
  })
  .partial()
  .strict();

export const ekycInputSchema = z
  .object({
    userCode: userCodeSchema,
    customerId: customerIdSchema,
    aadhaar: aadhaarSchema,
    latlong: latlongSchema,
    bankCode: bankCodeSchema,
    policy: policySchema.optional(),
  })
  .strict();

export const otpArgSchema = z.object({ otp: z.string({ error: RULES.otp }).regex(PATTERNS.otp, { error: RULES.otp }) });

/** A structural check of the RD service's PidData; Eko checks the biometric itself. */
export const pidDataSchema = z
  .string({ error: RULES.pidData })
  .min(1, { error: RULES.pidData })
  .max(PID_MAX_LENGTH, { error: RULES.pidDataSize })
  .refine(pidDataShaped, { error: RULES.pidData })
  .refine(pidCaptureOk, { error: RULES.pidCaptureFailed });

export const biometricArgSchema = z.object({ pidData: pidDataSchema });

function toFieldErrors(error: z.ZodError): FieldError[] {
  return error.issues.map((issue) => {
    const field = issue.path.length ? issue.path.join('.') : '(root)';
    // Nested unknown keys keep their path ("policy.foo"), as the HTTP API's schema errors name them.
    if (issue.code === 'unrecognized_keys') {
      return { field: issue.keys.map((k) => [...issue.path, k].join('.')).join(','), rule: 'is not a known field' };
    }
    if (issue.code === 'invalid_type' && issue.input === undefined) return { field, rule: 'is required' };
    return { field, rule: issue.message };
  });
}

/** Parse `value` with `schema`, or throw a ValidationError naming each bad field and its rule. */
export function parseOrThrow<T>(schema: z.ZodType<T>, value: unknown, prefix = ''): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw new ValidationError(
    toFieldErrors(result.error).map((e) => ({ ...e, field: prefix ? `${prefix}.${e.field}` : e.field })),
  );
}

export function validateEkycInput(value: unknown): EkycInput {
  return parseOrThrow(ekycInputSchema, value) as EkycInput;
}
export function validateOtpArg(value: unknown): OtpArg {
  return parseOrThrow(otpArgSchema, value);
}
export function validateBiometricArg(value: unknown): BiometricArg {
  return parseOrThrow(biometricArgSchema, value);
}
