// Shared by the fuzz tests: the seed (fixed in CI, FUZZ_SEED=random or a number on demand), a reporter that names
// the seed and path but never prints a counterexample (generated inputs are Aadhaar-, mobile- and OTP-shaped), and
// generators of invalid eKYC inputs, each paired with the field its validator must name.
import { randomInt } from 'node:crypto';
import fc from 'fast-check';
import { verhoeffCheckDigit, verhoeffValid } from '../../common/verhoeff.js';
import type { EkycInput } from '../../common/domain.js';

/** The CI seed. Any failure prints the seed to rerun with (FUZZ_SEED=<seed>). */
export const CI_SEED = 20_261_126;
export const FUZZ_RUNS = Number(process.env.FUZZ_RUNS ?? 1000);

function seed(): number {
  const v = process.env.FUZZ_SEED;
  if (!v) return CI_SEED;
  if (v === 'random') return randomInt(0, 2 ** 31 - 1);
  const n = Number(v);
  if (!Number.isInteger(n)) throw new Error('FUZZ_SEED must be an integer or "random"');
  return n;
}

export function fuzzParams<T>(numRuns = FUZZ_RUNS): fc.Parameters<T> {
  const s = seed();
  if (s !== CI_SEED) process.stderr.write(`[fuzz] seed ${s}\n`);
  return {
    seed: s,
    numRuns,
    reporter: (details) => {
      if (!details.failed) return;
      const why = details.errorInstance instanceof Error ? details.errorInstance.message : 'property returned false';
      throw new Error(
        `property failed after ${details.numRuns} runs (seed ${details.seed}, path "${details.counterexamplePath}"; ` +
          `counterexample withheld: may be PII-shaped). Rerun with FUZZ_SEED=${details.seed}. Failure: ${why}`,
      );
    },
  };
}

const digits = (min: number, max: number) =>
  fc.array(fc.integer({ min: 0, max: 9 }), { minLength: min, maxLength: max }).map((a) => a.join(''));

/** A valid input: synthetic agent data (Verhoeff-valid Aadhaar, 6-9 mobile). */
export const validInput: fc.Arbitrary<EkycInput> = fc
  .record({
    userCode: digits(8, 8),
    mobile: fc.tuple(fc.integer({ min: 6, max: 9 }), digits(9, 9)),
    aadhaarBody: fc.tuple(fc.integer({ min: 2, max: 9 }), digits(10, 10)),
    lat: fc.double({ min: -90, max: 90, noNaN: true }),
    long: fc.double({ min: -180, max: 180, noNaN: true }),
    bankCode: fc.stringMatching(/^[A-Z0-9]{2,12}$/),
  })
  .map(({ userCode, mobile, aadhaarBody, lat, long, bankCode }) => {
    const body = `${aadhaarBody[0]}${aadhaarBody[1]}`;
    return {
      userCode,
      customerId: `${mobile[0]}${mobile[1]}`,
      aadhaar: body + String(verhoeffCheckDigit(body)),
      latlong: `${lat.toFixed(4)},${long.toFixed(4)}`,
      bankCode,
    };
  });

/** Anything JSON can carry that is not a string. */
const notAString = fc.oneof(
  fc.integer(),
  fc.double({ noNaN: true }),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.jsonValue(), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 5 }), fc.jsonValue(), { maxKeys: 3 }),
);

const badString = (valid: (s: string) => boolean) =>
  fc
    .oneof(fc.string({ maxLength: 20 }), fc.string({ unit: 'binary', maxLength: 20 }), digits(0, 14))
    .filter((s) => !valid(s));

const FIELD_RULES: Record<keyof Omit<EkycInput, 'policy'>, (s: string) => boolean> = {
  userCode: (s) => /^\d{8}$/.test(s),
  customerId: (s) => /^[6-9]\d{9}$/.test(s),
  aadhaar: (s) => /^[2-9]\d{11}$/.test(s) && verhoeffValid(s),
  latlong: (s) => {
    if (!/^-?\d{1,3}(\.\d+)?,\s?-?\d{1,3}(\.\d+)?$/.test(s)) return false;
    const [lat, long] = s.split(',').map(Number);
    return Math.abs(lat) <= 90 && Math.abs(long) <= 180;
  },
  bankCode: (s) => /^[A-Za-z0-9]{2,12}$/.test(s),
};
const FIELDS = Object.keys(FIELD_RULES) as (keyof typeof FIELD_RULES)[];

/** Values of a field that break its rule, including the near misses a person would type. */
function badValue(field: keyof typeof FIELD_RULES): fc.Arbitrary<unknown> {
  const nearMiss: Record<keyof typeof FIELD_RULES, fc.Arbitrary<string>> = {
    userCode: fc.oneof(
      digits(7, 7),
      digits(9, 9),
      digits(8, 8).map((d) => ` ${d}`),
    ),
    customerId: fc.oneof(
      fc.tuple(fc.integer({ min: 0, max: 5 }), digits(9, 9)).map(([a, b]) => `${a}${b}`),
      digits(11, 11),
    ),
    // A wrong check digit: the typo Verhoeff exists to catch.
    aadhaar: fc
      .tuple(fc.integer({ min: 2, max: 9 }), digits(10, 10), fc.integer({ min: 1, max: 9 }))
      .map(([a, b, k]) => {
        const body = `${a}${b}`;
        return body + String((verhoeffCheckDigit(body) + k) % 10);
      }),
    latlong: fc.oneof(
      fc.double({ min: 90.001, max: 999, noNaN: true }).map((lat) => `${lat.toFixed(3)},10.5`),
      fc.double({ min: 180.001, max: 999, noNaN: true }).map((long) => `10.5,${long.toFixed(3)}`),
      fc.constantFrom('28.6139;77.2090', '28.6139', 'north,east', '28.6139,77.2090,1'),
    ),
    bankCode: fc.oneof(fc.constantFrom('H', 'HDFC BANK', 'HDFC-1', ''), fc.stringMatching(/^[A-Z]{13,20}$/)),
  };
  return fc.oneof(
    nearMiss[field].filter((s) => !FIELD_RULES[field](s)),
    badString(FIELD_RULES[field]),
    notAString,
  );
}

const badPolicy: fc.Arbitrary<unknown> = fc.oneof(
  notAString.filter((v) => v === null || typeof v !== 'object' || Array.isArray(v)),
  fc.string({ maxLength: 10 }),
  fc.record({ otpTimeout: fc.oneof(fc.constantFrom('10 minutes', '0s', '-1m', '99999d'), notAString) }),
  fc.record({ maxOtpAttempts: fc.oneof(fc.constantFrom(0, 11, 1.5, -1), fc.string({ maxLength: 3 })) }),
  fc.record({ maxResends: fc.oneof(fc.constantFrom(-1, 11, 2.5), fc.constant('3')) }),
  fc.record({ sessionTimeout: fc.constantFrom('0s', '31d', 'forever', '') }),
  fc.dictionary(
    fc.string({ minLength: 1, maxLength: 8 }).filter((k) => !POLICY_KEYS.includes(k) && k !== '__proto__'),
    fc.jsonValue(),
    { minKeys: 1, maxKeys: 2 },
  ),
);
const POLICY_KEYS = [
  'otpTimeout',
  'maxOtpAttempts',
  'resendCooldown',
  'maxResends',
  'biometricTimeout',
  'maxBiometricAttempts',
  'sessionTimeout',
  'ekoStepTimeout',
];
const INPUT_KEYS = [...FIELDS, 'policy'];

export interface InvalidInput {
  value: unknown;
  /** Fields a ValidationError must name (the first segment of its `field`), or '(root)'. */
  expectFields: string[];
}

/** Invalid start inputs: one or more broken, missing or unknown fields, a bad policy, or not an object at all. */
export const invalidInput: fc.Arbitrary<InvalidInput> = fc.oneof(
  // Broken fields (one to all five).
  fc.tuple(validInput, fc.subarray(FIELDS, { minLength: 1 })).chain(([input, fields]) =>
    fc.tuple(...fields.map((f) => badValue(f))).map((values) => {
      const value: Record<string, unknown> = { ...input };
      fields.forEach((f, i) => (value[f] = values[i]));
      return { value, expectFields: fields as string[] };
    }),
  ),
  // A missing field.
  fc.tuple(validInput, fc.constantFrom(...FIELDS)).map(([input, field]) => {
    const value: Record<string, unknown> = { ...input };
    delete value[field];
    return { value, expectFields: [field] };
  }),
  // An unknown field.
  fc
    .tuple(
      validInput,
      // No "." or ",": those join a nested path and several unknown keys in a ValidationError's field.
      fc
        .string({ minLength: 1, maxLength: 12 })
        .filter((k) => !INPUT_KEYS.includes(k) && k !== '__proto__' && !/[.,]/.test(k)),
      fc.jsonValue(),
    )
    .map(([input, key, v]) => ({ value: { ...input, [key]: v }, expectFields: [key] })),
  // A bad policy.
  fc.tuple(validInput, badPolicy).map(([input, policy]) => ({ value: { ...input, policy }, expectFields: ['policy'] })),
  // Not an object.
  fc
    .oneof(
      notAString.filter((v) => v === null || typeof v !== 'object' || Array.isArray(v)),
      fc.string(),
    )
    .map((value) => ({
      value,
      expectFields: ['(root)'],
    })),
);

/** The first segment of a ValidationError field ("policy.otpTimeout" → "policy"); unknown keys may come comma-joined. */
export const fieldHead = (field: string) => field.split('.')[0];
export const namedFields = (errors: { field: string }[]) =>
  new Set(errors.flatMap((e) => e.field.split(',').map(fieldHead)));
