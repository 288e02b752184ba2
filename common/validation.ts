// Input rules, shared by the client library, the HTTP API, the update validators and the agent page.
// Error messages name the field and the rule, never the value (the values are PII).
//
// Each text schema checks its length bound (MAX_LENGTH) first and aborts there, so no pattern or refinement ever
// runs on a longer string; every check after it is linear too (common/checks.ts). `abort` on each check also keeps
// zod to one issue per field, the first rule broken, as the plain checks of common/checks.ts name it.
import { z } from 'zod';
import { verhoeffValid } from './verhoeff.js';
import {
  COUNT_BOUNDS,
  DURATION_BOUNDS,
  MAX_LENGTH,
  PATTERNS,
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

export { MAX_LENGTH, RULES, ValidationError, durationToMs, type FieldError } from './checks.js';

/** A string of at most `maxLength` characters (checked first: nothing after it sees a longer one). */
const bounded = (typeRule: string, maxLength: number, lengthRule = typeRule) =>
  z.string({ error: typeRule }).max(maxLength, { error: lengthRule, abort: true });

function boundedDuration(minMs: number, maxMs: number) {
  return (
    bounded(RULES.duration, MAX_LENGTH.duration)
      // abort: zod runs later checks after a failed one, and durationToMs would throw on a non-duration.
      .regex(PATTERNS.duration, { error: RULES.duration, abort: true })
      .refine((v) => durationToMs(v) >= minMs && durationToMs(v) <= maxMs, {
        error: durationBoundsRule([minMs, maxMs]),
      })
  );
}

export const userCodeSchema = bounded(RULES.userCode, MAX_LENGTH.userCode).regex(PATTERNS.userCode, {
  error: RULES.userCode,
});
export const customerIdSchema = bounded(RULES.customerId, MAX_LENGTH.customerId).regex(PATTERNS.customerId, {
  error: RULES.customerId,
});
export const aadhaarSchema = bounded(RULES.aadhaarFormat, MAX_LENGTH.aadhaar)
  .regex(PATTERNS.aadhaar, { error: RULES.aadhaarFormat, abort: true })
  .refine(verhoeffValid, { error: RULES.aadhaarChecksum });
export const latlongSchema = bounded(RULES.latlong, MAX_LENGTH.latlong)
  .regex(PATTERNS.latlong, { error: RULES.latlong, abort: true })
  .refine(latlongInRange, { error: RULES.latlong });
export const bankCodeSchema = bounded(RULES.bankCode, MAX_LENGTH.bankCode).regex(PATTERNS.bankCode, {
  error: RULES.bankCode,
});

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

export const otpSchema = bounded(RULES.otp, MAX_LENGTH.otp).regex(PATTERNS.otp, { error: RULES.otp });
export const otpArgSchema = z.object({ otp: otpSchema });

/** A structural check of the RD service's PidData; Eko checks the biometric itself. */
export const pidDataSchema = bounded(RULES.pidData, MAX_LENGTH.pidData, RULES.pidDataSize)
  .min(1, { error: RULES.pidData, abort: true })
  .refine(pidDataShaped, { error: RULES.pidData, abort: true })
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
