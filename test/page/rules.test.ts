// The page's validation (api/public/rules.js) must say what the server says (common/validation.ts) about the same
// input: same verdict, same rule text. Inputs are generated; Aadhaar numbers are synthetic and never printed.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as page from '../../api/public/rules.js';
import { verhoeffCheckDigit, verhoeffValid } from '../../common/verhoeff.js';
import {
  aadhaarSchema,
  bankCodeSchema,
  customerIdSchema,
  latlongSchema,
  MAX_LENGTH,
  otpArgSchema,
  RULES,
  userCodeSchema,
} from '../../common/validation.js';
import { adversarialField, oddJson } from '../fuzz/adversarial.js';
import { z } from 'zod';

const RUNS = { numRuns: 400 };
/** For properties over Aadhaar-, mobile- and OTP-shaped values: a failure says so without printing the value. */
const PRIVATE_RUNS: fc.Parameters<unknown> = {
  ...RUNS,
  reporter: (details) => {
    if (details.failed)
      throw new Error(`property failed after ${details.numRuns} runs (counterexample withheld: PII-shaped)`);
  },
};

/** The first rule the server names for `value`, or null when it accepts it. */
function serverRule(schema: z.ZodType, value: unknown): string | null {
  const result = schema.safeParse(value);
  return result.success ? null : result.error.issues[0].message;
}

const digits = (min: number, max: number) =>
  fc.array(fc.integer({ min: 0, max: 9 }), { minLength: min, maxLength: max }).map((a) => a.join(''));
const withCheckDigit = (body: string) => body + verhoeffCheckDigit(body);
const aadhaarLike = fc.oneof(
  digits(11, 11).map(withCheckDigit),
  digits(12, 12),
  digits(10, 13),
  fc.string({ maxLength: 14 }),
);
const coordinate = fc.oneof(
  fc
    .tuple(fc.double({ min: -200, max: 200, noNaN: true }), fc.integer({ min: 0, max: 7 }))
    .map(([n, d]) => n.toFixed(d)),
  fc.integer({ min: -200, max: 200 }).map(String),
  fc.string({ maxLength: 6 }),
);
const latlongLike = fc
  .tuple(coordinate, coordinate, fc.constantFrom(',', ', ', ';', ',  '))
  .map(([a, b, sep]) => a + sep + b);
const FIELDS: [page.StartField, z.ZodType, fc.Arbitrary<string>][] = [
  ['userCode', userCodeSchema, fc.oneof(digits(6, 10), fc.string({ maxLength: 9 }))],
  ['customerId', customerIdSchema, fc.oneof(digits(9, 11), fc.string({ maxLength: 11 }))],
  ['aadhaar', aadhaarSchema, aadhaarLike],
  ['latlong', latlongSchema, latlongLike],
  ['bankCode', bankCodeSchema, fc.oneof(fc.stringMatching(/^[A-Za-z0-9]{0,14}$/), fc.string({ maxLength: 13 }))],
];

describe('page validation rules', () => {
  it("uses the server's rule texts word for word", () => {
    for (const key of Object.keys(page.RULES) as (keyof typeof page.RULES)[]) {
      expect(page.RULES[key]).toBe(RULES[key]);
    }
  });

  it.each(FIELDS)('judges %s as the server does, naming the same rule', (field, schema, arbitrary) => {
    fc.assert(
      fc.property(arbitrary, (value) => page.FIELD_CHECKS[field](value) === serverRule(schema, value)),
      field === 'aadhaar' || field === 'customerId' ? PRIVATE_RUNS : RUNS,
    );
  });

  it("applies the server's length bounds", () => {
    for (const key of Object.keys(page.MAX_LENGTH) as (keyof typeof page.MAX_LENGTH)[]) {
      expect([key, page.MAX_LENGTH[key]]).toEqual([key, MAX_LENGTH[key]]);
    }
  });

  // Bait runs, strings at, just over and far over each bound, and odd JSON: the page bounds first, as the server.
  it.each(FIELDS)('judges adversarial %s values as the server does', (field, schema) => {
    fc.assert(
      fc.property(fc.oneof(adversarialField(MAX_LENGTH[field]), oddJson), (value) => {
        return page.FIELD_CHECKS[field](value) === serverRule(schema, value);
      }),
      { ...PRIVATE_RUNS, numRuns: 300 },
    );
  });

  it('computes the Verhoeff check the same way as common/verhoeff.ts', () => {
    fc.assert(
      fc.property(digits(1, 20), (d) => page.verhoeffValid(d) === verhoeffValid(d)),
      PRIVATE_RUNS,
    );
  });

  it('accepts every 12-digit number starting 2-9 that ends in its Verhoeff check digit', () => {
    const valid = fc
      .tuple(fc.integer({ min: 2, max: 9 }), digits(10, 10))
      .map(([first, rest]) => withCheckDigit(`${first}${rest}`));
    fc.assert(
      fc.property(valid, (a) => page.FIELD_CHECKS.aadhaar(a) === null),
      PRIVATE_RUNS,
    );
  });

  it('catches every single-digit typo in an Aadhaar number with the checksum rule', () => {
    const typo = fc
      .tuple(
        fc.integer({ min: 2, max: 9 }),
        digits(10, 10),
        fc.integer({ min: 1, max: 11 }),
        fc.integer({ min: 1, max: 9 }),
      )
      .map(([first, rest, at, delta]) => {
        const a = withCheckDigit(`${first}${rest}`);
        const wrong = String((Number(a[at]) + delta) % 10);
        return a.slice(0, at) + wrong + a.slice(at + 1);
      });
    fc.assert(
      fc.property(typo, (a) => page.FIELD_CHECKS.aadhaar(a) === RULES.aadhaarChecksum),
      PRIVATE_RUNS,
    );
  });

  it('lists every broken field of the start form as { field, rule }', () => {
    const errors = page.validateStart({
      userCode: '123',
      customerId: '5123456789',
      aadhaar: '',
      latlong: '91,0',
      bankCode: 'H',
    });
    expect(errors).toEqual([
      { field: 'userCode', rule: RULES.userCode },
      { field: 'customerId', rule: RULES.customerId },
      { field: 'aadhaar', rule: RULES.aadhaarFormat },
      { field: 'latlong', rule: RULES.latlong },
      { field: 'bankCode', rule: RULES.bankCode },
    ]);
  });

  it('passes a complete, valid start form', () => {
    const aadhaar = withCheckDigit('23456789012');
    const input = {
      userCode: '12345678',
      customerId: '9876543210',
      aadhaar,
      latlong: '28.613900,77.209000',
      bankCode: 'HDFC',
    };
    expect(page.validateStart(input)).toEqual([]);
  });

  it('treats a missing field as broken, never as valid', () => {
    expect(page.validateStart({}).map((e) => e.field)).toEqual([
      'userCode',
      'customerId',
      'aadhaar',
      'latlong',
      'bankCode',
    ]);
    expect(page.validateStart(undefined)).toHaveLength(5);
  });

  it('judges the OTP as the server does', () => {
    fc.assert(
      fc.property(fc.oneof(digits(4, 8), fc.string({ maxLength: 7 })), (otp) => {
        const server = otpArgSchema.safeParse({ otp }).success ? null : RULES.otp;
        return page.checkOtp(otp) === server;
      }),
      PRIVATE_RUNS,
    );
  });

  it('strips the spaces and dashes an agent types into numbers', () => {
    expect(page.digitsOnly('2345 6789-0123')).toBe('234567890123');
    expect(page.digitsOnly(undefined)).toBe('');
  });

  it('formats a geolocation fix as a latlong the server accepts', () => {
    fc.assert(
      fc.property(
        fc.double({ min: -90, max: 90, noNaN: true }),
        fc.double({ min: -180, max: 180, noNaN: true }),
        (lat, long) => latlongSchema.safeParse(page.formatLatLong(lat, long)).success,
      ),
      RUNS,
    );
  });
});
