// The workflow's zod-free checks and the zod schemas of the client library and API must agree: same verdict,
// same fields named, on generated inputs (valid, near-valid and random).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkBiometricArg, checkEkycInput, checkOtpArg, type FieldError } from '../../common/checks.js';
import { ValidationError, validateBiometricArg, validateEkycInput, validateOtpArg } from '../../common/validation.js';
import { verhoeffCheckDigit } from '../../common/verhoeff.js';
import { adversarialArg, adversarialField, adversarialInput, adversarialPid, OTP_BOUND } from '../fuzz/adversarial.js';
import { validInput } from '../fuzz/support.js';

const zodFields = (validate: (v: unknown) => unknown, value: unknown): string[] => {
  try {
    validate(value);
    return [];
  } catch (err) {
    if (!(err instanceof ValidationError)) throw err;
    return [...new Set(err.errors.map((e) => e.field))].sort();
  }
};
const fields = (errors: FieldError[]) => [...new Set(errors.map((e) => e.field))].sort();

const digits = (n: number) => fc.stringMatching(new RegExp(`^\\d{${n}}$`));
// Digit strings of the right length and one off either side: where a wrong bound would show.
const digitsAround = (n: number) => fc.integer({ min: n - 1, max: n + 1 }).chain(digits);
const aadhaar = fc.oneof(
  digits(11).map((b) => b + verhoeffCheckDigit(b)),
  digitsAround(12),
  fc.string({ maxLength: 14 }),
);
const duration = fc.oneof(
  fc.constantFrom('0s', '1s', '4s', '5s', '90s', '10m', '24h', '2d', '31d', '1.5h', '10 minutes', 'x', ''),
  fc.tuple(fc.nat(100_000), fc.constantFrom('ms', 's', 'm', 'h', 'd')).map(([n, u]) => `${n}${u}`),
);
const count = fc.oneof(fc.integer({ min: -2, max: 12 }), fc.double(), fc.constant('3'));
const policy = fc.record(
  {
    otpTimeout: duration,
    maxOtpAttempts: count,
    resendCooldown: duration,
    maxResends: count,
    biometricTimeout: duration,
    maxBiometricAttempts: count,
    sessionTimeout: duration,
    ekoStepTimeout: duration,
    bogus: fc.string(),
  },
  { requiredKeys: [] },
);
const input = fc.record(
  {
    userCode: fc.oneof(digitsAround(8), fc.string({ maxLength: 9 })),
    customerId: fc.oneof(digitsAround(10), fc.constantFrom('9123456789', '5123456789')),
    aadhaar,
    latlong: fc.oneof(
      fc
        .tuple(fc.double({ min: -120, max: 120, noNaN: true }), fc.double({ min: -200, max: 200, noNaN: true }))
        .map(([a, b]) => `${a.toFixed(4)},${b.toFixed(4)}`),
      fc.string({ maxLength: 12 }),
    ),
    bankCode: fc.oneof(fc.constantFrom('HDFC', 'SBIN', 'A', 'TOOLONGBANKCODE1'), fc.string({ maxLength: 13 })),
    policy: fc.oneof(policy, fc.constant(null), fc.string()),
    extra: fc.anything(),
  },
  { requiredKeys: [] },
);

describe('zod-free checks agree with the zod schemas', () => {
  it('on workflow inputs', () => {
    fc.assert(
      fc.property(fc.oneof(input, fc.anything()), (value) => {
        expect(fields(checkEkycInput(value))).toEqual(zodFields(validateEkycInput, value));
      }),
      { numRuns: 3000, seed: 20261126 },
    );
  });

  it('on OTP arguments', () => {
    const arg = fc.oneof(
      fc.record({ otp: fc.oneof(digitsAround(6), fc.string({ maxLength: 8 }), fc.integer()) }),
      fc.anything(),
    );
    fc.assert(
      fc.property(arg, (value) => {
        expect(fields(checkOtpArg(value))).toEqual(zodFields(validateOtpArg, value));
      }),
      { numRuns: 2000, seed: 20261126 },
    );
  });

  it('on biometric arguments', () => {
    const pid = fc.oneof(
      fc.constantFrom(
        '<PidData><Resp errCode="0"/><Data type="X">x</Data></PidData>',
        '<PidData><Resp errCode="720"/><Data type="X">x</Data></PidData>',
        '<PidData></PidData>',
        '',
        'x'.repeat(200_001),
      ),
      fc.string(),
    );
    fc.assert(
      fc.property(fc.oneof(fc.record({ pidData: pid }), fc.anything()), (value) => {
        expect(fields(checkBiometricArg(value))).toEqual(zodFields(validateBiometricArg, value));
      }),
      { numRuns: 2000, seed: 20261126 },
    );
  });

  // Strings at, just over and far over each bound, bait runs, odd JSON, prototype keys: the bound is applied first
  // by both, with the same rule.
  it('on adversarial workflow inputs', () => {
    fc.assert(
      fc.property(adversarialInput(validInput), (value) => {
        expect(fields(checkEkycInput(value))).toEqual(zodFields(validateEkycInput, value));
      }),
      { numRuns: 1000, seed: 20261126 },
    );
  });

  it('on adversarial OTP and biometric arguments', () => {
    fc.assert(
      fc.property(adversarialArg('otp', adversarialField(OTP_BOUND)), (value) => {
        expect(fields(checkOtpArg(value))).toEqual(zodFields(validateOtpArg, value));
      }),
      { numRuns: 1000, seed: 20261126 },
    );
    fc.assert(
      fc.property(adversarialArg('pidData', adversarialPid), (value) => {
        expect(fields(checkBiometricArg(value))).toEqual(zodFields(validateBiometricArg, value));
      }),
      { numRuns: 300, seed: 20261126 },
    );
  });
});
