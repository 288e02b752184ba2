// The input rules as plain predicates, without zod. The workflow validates with these: every workflow instance
// evaluates its own copy of the bundled modules, and zod there cost ~0.9 MiB and ~9 ms of CPU per session
// (docs/PERFORMANCE.md). common/validation.ts builds its zod schemas from the same patterns, bounds and rule
// texts, and test/common/checks.test.ts holds both to the same verdict on generated inputs.
//
// Every rule on untrusted text runs in time linear in its input, and checks the length bound (MAX_LENGTH) before
// any pattern or scan: these checks run in the API, in the update validators and in the signal handlers inside
// the workflow sandbox, where one slow check fails every workflow task of the session (docs/SECURITY.md).
// test/common/adversarial-timing.test.ts times each one on the worst inputs we know of.
import { verhoeffValid } from './verhoeff.js';
import type { BiometricArg, EkycInput, OtpArg } from './domain.js';
import { INVALIDATION_REASONS, type DailyAuthArg, type EkycCompletedArg, type InvalidateArg } from './agent.js';
import { isSealed, type SealedKind } from './sealed.js';

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

// Anchored, and no quantifier can re-match what another one gave up: each runs in linear time. They still only
// ever see a string within MAX_LENGTH.
export const PATTERNS = {
  userCode: /^\d{8}$/,
  customerId: /^[6-9]\d{9}$/,
  aadhaar: /^[2-9]\d{11}$/,
  latlong: /^-?\d{1,3}(\.\d+)?,\s?-?\d{1,3}(\.\d+)?$/,
  bankCode: /^[A-Za-z0-9]{2,12}$/,
  otp: /^\d{6}$/,
  duration: /^\d+(\.\d+)?\s*(ms|s|m|h|d)$/,
} as const;

export const PID_MAX_LENGTH = 200_000;

/**
 * The longest value each text rule accepts, checked before anything else looks at the value. The fixed-width fields
 * are their width; `latlong` leaves room for any decimals a GPS reports (the HTTP API's bound too); a policy
 * duration has no reason to be longer than "2591999999.999999ms".
 */
export const MAX_LENGTH = {
  userCode: 8,
  customerId: 10,
  aadhaar: 12,
  latlong: 64,
  bankCode: 12,
  otp: 6,
  duration: 32,
  pidData: PID_MAX_LENGTH,
} as const;

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Milliseconds of a duration string that matches PATTERNS.duration. */
export function durationToMs(value: string): number {
  const m = value.length <= MAX_LENGTH.duration ? /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)$/.exec(value.trim()) : null;
  if (!m) throw new ValidationError([{ field: 'duration', rule: RULES.duration }]);
  return Math.round(Number(m[1]) * UNIT_MS[m[2]]);
}

export const latlongInRange = (v: string): boolean => {
  const [lat, long] = v.split(',').map(Number);
  return Math.abs(lat) <= 90 && Math.abs(long) <= 180;
};

/** A PidData element, ending the document (trailing whitespace aside), with a Data element. Each test is linear. */
export const pidDataShaped = (v: string): boolean =>
  /<PidData[\s>]/.test(v) && v.trimEnd().endsWith('</PidData>') && /<Data[\s>]/.test(v);

// The start of a Resp element, and what matters inside its start tag: its end, a quote (whose run is skipped: a ">"
// or an errCode inside an attribute value does not count), or an errCode attribute up to its value. Neither can
// backtrack more than the whitespace run after one errCode.
const RESP_OPEN = /<Resp[\t\n\r ]/g;
const RESP_TOKEN = /[>"']|(?<=[\t\n\r "'])errCode[\t\n\r ]*=[\t\n\r ]*/g;

/**
 * False when a `<Resp …>` start tag carries an `errCode` attribute whose value is not exactly `0` (the RD service
 * reporting a failed capture). One forward scan: each `<Resp` followed by whitespace is read up to the `>` that ends
 * it (quoted values skipped whole), and the search for the next `<Resp` resumes after that tag, so the work is
 * linear in the length of `v` whatever it holds. It replaces `/<Resp\b[^>]*\berrCode=["'](?!0["'])[^"']*["']/`,
 * which backtracked over the rest of the text for every `<Resp` and took 6.5 s on `"<Resp ".repeat(33325)`.
 * An unterminated errCode value is not `0`; an unquoted one is not XML and is not read.
 */
export function pidCaptureOk(v: string): boolean {
  RESP_OPEN.lastIndex = 0;
  while (RESP_OPEN.exec(v)) {
    RESP_TOKEN.lastIndex = RESP_OPEN.lastIndex;
    for (;;) {
      const token = RESP_TOKEN.exec(v)?.[0];
      if (token === undefined) return true; // no ">": the tag, and the text, end inside it
      if (token === '>') break;
      const at = RESP_TOKEN.lastIndex;
      if (token.length > 1) {
        // errCode=: its value must be "0" or '0'.
        const quote = v[at];
        if (quote !== '"' && quote !== "'") continue;
        const close = v.indexOf(quote, at + 1);
        if (close !== at + 2 || v[at + 1] !== '0') return false;
        RESP_TOKEN.lastIndex = close + 1;
      } else {
        const close = v.indexOf(token, at);
        if (close < 0) return true; // an unterminated quote runs to the end of the text
        RESP_TOKEN.lastIndex = close + 1;
      }
    }
    RESP_OPEN.lastIndex = RESP_TOKEN.lastIndex;
  }
  return true;
}

/** Policy bounds: durations in ms, counts as integers. */
export const DURATION_BOUNDS = {
  otpTimeout: [1000, 86_400_000],
  resendCooldown: [0, 3_600_000],
  biometricTimeout: [1000, 86_400_000],
  sessionTimeout: [1000, 30 * 86_400_000],
  ekoStepTimeout: [5000, 3_600_000],
} as const;
export const COUNT_BOUNDS = { maxOtpAttempts: [1, 10], maxResends: [0, 10], maxBiometricAttempts: [1, 10] } as const;
export const durationBoundsRule = ([min, max]: readonly [number, number]) =>
  `must be between ${min / 1000}s and ${max / 86_400_000}d`;
export const countRule = ([min, max]: readonly [number, number]) => `must be an integer between ${min} and ${max}`;

type Check = (v: unknown) => string | null;
const isString = (v: unknown): v is string => typeof v === 'string';
/**
 * A text rule: a string (else `typeRule`), at most `bound` characters long (else `typeRule`, or the rule given with
 * the bound), then `rules` in order. The length comes first, so no pattern or scan of `rules` ever sees more.
 */
const text =
  (typeRule: string, bound: number | readonly [number, string], ...rules: [(v: string) => boolean, string][]): Check =>
  (v) => {
    if (!isString(v)) return typeRule;
    const [maxLength, lengthRule] = typeof bound === 'number' ? [bound, typeRule] : bound;
    if (v.length > maxLength) return lengthRule;
    for (const [ok, rule] of rules) if (!ok(v)) return rule;
    return null;
  };

const FIELD_CHECKS: Record<keyof Omit<EkycInput, 'policy'>, Check> = {
  userCode: text(RULES.userCode, MAX_LENGTH.userCode, [(v) => PATTERNS.userCode.test(v), RULES.userCode]),
  customerId: text(RULES.customerId, MAX_LENGTH.customerId, [(v) => PATTERNS.customerId.test(v), RULES.customerId]),
  aadhaar: text(
    RULES.aadhaarFormat,
    MAX_LENGTH.aadhaar,
    [(v) => PATTERNS.aadhaar.test(v), RULES.aadhaarFormat],
    [verhoeffValid, RULES.aadhaarChecksum],
  ),
  latlong: text(
    RULES.latlong,
    MAX_LENGTH.latlong,
    [(v) => PATTERNS.latlong.test(v), RULES.latlong],
    [latlongInRange, RULES.latlong],
  ),
  bankCode: text(RULES.bankCode, MAX_LENGTH.bankCode, [(v) => PATTERNS.bankCode.test(v), RULES.bankCode]),
};

const POLICY_CHECKS: Record<string, Check> = {
  ...Object.fromEntries(
    Object.entries(DURATION_BOUNDS).map(([name, bounds]) => [
      name,
      text(
        RULES.duration,
        MAX_LENGTH.duration,
        [(v) => PATTERNS.duration.test(v), RULES.duration],
        [(v) => durationToMs(v) >= bounds[0] && durationToMs(v) <= bounds[1], durationBoundsRule(bounds)],
      ),
    ]),
  ),
  ...Object.fromEntries(
    Object.entries(COUNT_BOUNDS).map(([name, bounds]) => [
      name,
      (v: unknown) =>
        typeof v === 'number' && Number.isInteger(v) && v >= bounds[0] && v <= bounds[1] ? null : countRule(bounds),
    ]),
  ),
};

/**
 * Where a value may come sealed (common/sealed.ts): in the workflows only, which take what a client sealed after
 * checking it. Clients and the API always check the plain value.
 */
export interface CheckOptions {
  sealed?: boolean;
}
const sealedOr =
  (kind: SealedKind, check: Check, options: CheckOptions | undefined): Check =>
  (v) =>
    options?.sealed && isSealed(v, kind) ? null : check(v);

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function checkObject(value: unknown, checks: Record<string, Check>, optional: boolean, prefix = ''): FieldError[] {
  const name = (k: string) => (prefix ? `${prefix}.${k}` : k);
  if (!isRecord(value)) return [{ field: prefix || '(root)', rule: 'must be an object' }];
  const errors: FieldError[] = [];
  for (const [key, check] of Object.entries(checks)) {
    if (value[key] === undefined) {
      if (!optional) errors.push({ field: name(key), rule: 'is required' });
      continue;
    }
    const rule = check(value[key]);
    if (rule) errors.push({ field: name(key), rule });
  }
  return errors;
}

function unknownKeys(value: Record<string, unknown>, known: string[], prefix = ''): FieldError[] {
  const extra = Object.keys(value).filter((k) => !known.includes(k));
  return extra.length
    ? [{ field: extra.map((k) => (prefix ? `${prefix}.${k}` : k)).join(','), rule: 'is not a known field' }]
    : [];
}

/** The field errors of a workflow input (empty when valid). */
export function checkEkycInput(value: unknown, options?: CheckOptions): FieldError[] {
  const checks = { ...FIELD_CHECKS, aadhaar: sealedOr('aadhaar', FIELD_CHECKS.aadhaar, options) };
  const errors = checkObject(value, checks, false);
  if (!isRecord(value)) return errors;
  if (value.policy !== undefined) {
    errors.push(...checkObject(value.policy, POLICY_CHECKS, true, 'policy'));
    if (isRecord(value.policy)) errors.push(...unknownKeys(value.policy, Object.keys(POLICY_CHECKS), 'policy'));
  }
  errors.push(...unknownKeys(value, [...Object.keys(FIELD_CHECKS), 'policy']));
  return errors;
}

export function checkOtpArg(value: unknown): FieldError[] {
  const otp = text(RULES.otp, MAX_LENGTH.otp, [(v) => PATTERNS.otp.test(v), RULES.otp]);
  return checkObject(value, { otp }, false);
}

const PID_CHECK = text(
  RULES.pidData,
  [MAX_LENGTH.pidData, RULES.pidDataSize],
  [(v) => v.length >= 1, RULES.pidData],
  [pidDataShaped, RULES.pidData],
  [pidCaptureOk, RULES.pidCaptureFailed],
);

export function checkBiometricArg(value: unknown, options?: CheckOptions): FieldError[] {
  return checkObject(value, { pidData: sealedOr('pid', PID_CHECK, options) }, false);
}

export const AGENT_RULES = {
  invalidationReason: `must be one of ${INVALIDATION_REASONS.join(', ')}`,
  instant: 'must be an ISO 8601 instant',
} as const;

/** submitDailyAuth: Aadhaar and PidData required; latlong, customerId and bankCode optional (the eKYC's). */
export function checkDailyAuthArg(value: unknown, options?: CheckOptions): FieldError[] {
  const { customerId, latlong, bankCode } = FIELD_CHECKS;
  const aadhaar = sealedOr('aadhaar', FIELD_CHECKS.aadhaar, options);
  const errors = checkObject(value, { aadhaar, pidData: sealedOr('pid', PID_CHECK, options) }, false);
  if (!isRecord(value)) return errors;
  errors.push(...checkObject(value, { latlong, customerId, bankCode }, true));
  errors.push(...unknownKeys(value, ['aadhaar', 'pidData', 'latlong', 'customerId', 'bankCode']));
  return errors;
}

const instant = text(AGENT_RULES.instant, 40, [(v) => !Number.isNaN(Date.parse(v)), AGENT_RULES.instant]);

/** ekycCompleted: what fingpayEkyc tells the lifecycle (its own activity sends it; checked all the same). */
export function checkEkycCompletedArg(value: unknown): FieldError[] {
  const { customerId, latlong, bankCode } = FIELD_CHECKS;
  const errors = checkObject(value, { completedAt: instant, customerId, latlong, bankCode }, false);
  if (!isRecord(value)) return errors;
  errors.push(...checkObject(value, { ekycRunId: text('must be a run id', 64) }, true));
  return errors;
}

export function checkInvalidateArg(value: unknown): FieldError[] {
  const reason: Check = (v) =>
    (INVALIDATION_REASONS as readonly unknown[]).includes(v) ? null : AGENT_RULES.invalidationReason;
  return checkObject(value, { reason }, false);
}

function orThrow<T>(errors: FieldError[], value: unknown): T {
  if (errors.length) throw new ValidationError(errors);
  return value as T;
}

/** The workflow's checks: the same verdicts as common/validation.ts, without zod. */
export const checkedEkycInput = (v: unknown, options?: CheckOptions) =>
  orThrow<EkycInput>(checkEkycInput(v, options), v);
export const checkedOtpArg = (v: unknown) => orThrow<OtpArg>(checkOtpArg(v), { otp: (v as OtpArg)?.otp });
export const checkedDailyAuthArg = (v: unknown, options?: CheckOptions) => {
  orThrow(checkDailyAuthArg(v, options), v);
  const a = v as DailyAuthArg;
  // Only the known fields travel on; each optional one only when given.
  return {
    aadhaar: a.aadhaar,
    pidData: a.pidData,
    ...(a.latlong !== undefined ? { latlong: a.latlong } : {}),
    ...(a.customerId !== undefined ? { customerId: a.customerId } : {}),
    ...(a.bankCode !== undefined ? { bankCode: a.bankCode } : {}),
  } as DailyAuthArg;
};
export const checkedEkycCompletedArg = (v: unknown) => {
  orThrow(checkEkycCompletedArg(v), v);
  const a = v as EkycCompletedArg;
  return {
    completedAt: new Date(Date.parse(a.completedAt)).toISOString(),
    customerId: a.customerId,
    latlong: a.latlong,
    bankCode: a.bankCode,
  };
};
export const checkedInvalidateArg = (v: unknown) =>
  orThrow<InvalidateArg>(checkInvalidateArg(v), { reason: (v as InvalidateArg)?.reason });
export const checkedBiometricArg = (v: unknown, options?: CheckOptions) =>
  orThrow<BiometricArg>(checkBiometricArg(v, options), { pidData: (v as BiometricArg)?.pidData });
