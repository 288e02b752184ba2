// Input rules, shared by the client library, the HTTP API, the update validators and the agent page.
// Error messages name the field and the rule, never the value (the values are PII).
import { z } from 'zod';
import { verhoeffValid } from './verhoeff.js';
import { DEFAULT_POLICY, type BiometricArg, type EkycInput, type EkycPolicy, type OtpArg } from './domain.js';

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

export const RULES = {
  userCode: 'must be 8 digits',
  customerId: 'must be a 10-digit Indian mobile number starting with 6-9',
  aadhaarFormat: 'must be 12 digits, not starting with 0 or 1',
  aadhaarChecksum: 'must end in a valid Verhoeff check digit',
  latlong: 'must be "<lat>,<long>" in decimal degrees, latitude -90..90 and longitude -180..180',
  bankCode: 'must be 2-12 letters or digits (Eko bank code, e.g. HDFC)',
  duration: 'must be a duration like "90s", "10m", "24h" or "2d"',
  otp: 'must be exactly 6 digits',
  pidData: 'must be the PidData XML returned by the RD service',
  pidDataSize: 'must be at most 200000 characters',
  pidCaptureFailed: 'the RD service reported a failed capture (Resp errCode is not 0)',
} as const;

const DURATION_RE = /^\d+(\.\d+)?\s*(ms|s|m|h|d)$/;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Milliseconds of a duration string accepted by `durationSchema`. */
export function durationToMs(value: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)$/.exec(value.trim());
  if (!m) throw new ValidationError([{ field: 'duration', rule: RULES.duration }]);
  return Math.round(Number(m[1]) * UNIT_MS[m[2]]);
}

function boundedDuration(minMs: number, maxMs: number) {
  return (
    z
      .string({ error: RULES.duration })
      // abort: zod runs later checks after a failed one, and durationToMs would throw on a non-duration.
      .regex(DURATION_RE, { error: RULES.duration, abort: true })
      .refine((v) => durationToMs(v) >= minMs && durationToMs(v) <= maxMs, {
        error: `must be between ${minMs / 1000}s and ${maxMs / 86_400_000}d`,
      })
  );
}

export const userCodeSchema = z.string({ error: RULES.userCode }).regex(/^\d{8}$/, { error: RULES.userCode });
export const customerIdSchema = z
  .string({ error: RULES.customerId })
  .regex(/^[6-9]\d{9}$/, { error: RULES.customerId });
export const aadhaarSchema = z
  .string({ error: RULES.aadhaarFormat })
  .regex(/^[2-9]\d{11}$/, { error: RULES.aadhaarFormat })
  .refine(verhoeffValid, { error: RULES.aadhaarChecksum });
export const latlongSchema = z
  .string({ error: RULES.latlong })
  .regex(/^-?\d{1,3}(\.\d+)?,\s?-?\d{1,3}(\.\d+)?$/, { error: RULES.latlong })
  .refine(
    (v) => {
      const [lat, long] = v.split(',').map(Number);
      return Math.abs(lat) <= 90 && Math.abs(long) <= 180;
    },
    { error: RULES.latlong },
  );
export const bankCodeSchema = z
  .string({ error: RULES.bankCode })
  .regex(/^[A-Za-z0-9]{2,12}$/, { error: RULES.bankCode });

const attempts = (max: number) =>
  z
    .number({ error: `must be an integer between 1 and ${max}` })
    .int({ error: `must be an integer between 1 and ${max}` })
    .min(1, { error: `must be an integer between 1 and ${max}` })
    .max(max, { error: `must be an integer between 1 and ${max}` });

export const policySchema = z
  .object({
    otpTimeout: boundedDuration(1000, 86_400_000),
    maxOtpAttempts: attempts(10),
    resendCooldown: boundedDuration(0, 3_600_000),
    maxResends: z
      .number({ error: 'must be an integer between 0 and 10' })
      .int({ error: 'must be an integer between 0 and 10' })
      .min(0, { error: 'must be an integer between 0 and 10' })
      .max(10, { error: 'must be an integer between 0 and 10' }),
    biometricTimeout: boundedDuration(1000, 86_400_000),
    maxBiometricAttempts: attempts(10),
    sessionTimeout: boundedDuration(1000, 30 * 86_400_000),
    ekoStepTimeout: boundedDuration(5000, 3_600_000),
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

export const otpArgSchema = z.object({ otp: z.string({ error: RULES.otp }).regex(/^\d{6}$/, { error: RULES.otp }) });

/** A structural check of the RD service's PidData; Eko checks the biometric itself. */
export const pidDataSchema = z
  .string({ error: RULES.pidData })
  .min(1, { error: RULES.pidData })
  .max(200_000, { error: RULES.pidDataSize })
  .refine((v) => /<PidData[\s>]/.test(v) && /<\/PidData>\s*$/.test(v.trim()) && /<Data[\s>]/.test(v), {
    error: RULES.pidData,
  })
  .refine((v) => !/<Resp\b[^>]*\berrCode=["'](?!0["'])[^"']*["']/.test(v), { error: RULES.pidCaptureFailed });

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

export function resolvePolicy(policy: Partial<EkycPolicy> | undefined): EkycPolicy {
  return { ...DEFAULT_POLICY, ...(policy ?? {}) };
}
