// Fuzzing every pure validator with adversarial generators (test/fuzz/adversarial.ts): the plain checks the workflow
// runs in its update validators and signal handlers (common/checks.ts), the zod schemas of the client library, CLI
// and API (common/validation.ts); the agent page loads common/checks.ts itself. On anything at all, each
// answers with its own kind of verdict (field errors, a ValidationError, a rule or null), never another exception,
// and within the time budget of test/common/adversarial-timing.test.ts.
import fc from 'fast-check';
import { describe, it } from 'vitest';
import * as checks from '../../common/checks.js';
import * as validation from '../../common/validation.js';
import { verhoeffValid } from '../../common/verhoeff.js';
import {
  adversarialArg,
  adversarialField,
  adversarialInput,
  adversarialPid,
  DURATION_BOUND,
  FIELD_BOUNDS,
  oddJson,
  OTP_BOUND,
} from './adversarial.js';
import { FUZZ_RUNS, fuzzParams, validInput } from './support.js';

const BUDGET_MS = 50;
const cpuMs = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};

/**
 * Runs `check` on `value`: it must return (anything), or throw a ValidationError when `mayThrow`, within the budget
 * of CPU time (the best of up to three tries, so one GC pause does not fail the run; other processes' load does not
 * count). Failures name the check, never the value.
 */
function judge(name: string, check: (v: unknown) => unknown, value: unknown, mayThrow: boolean): void {
  let best = Infinity;
  for (let i = 0; i < 3 && best >= BUDGET_MS; i++) {
    const start = cpuMs();
    try {
      check(value);
    } catch (err) {
      if (!mayThrow || !(err instanceof checks.ValidationError)) {
        // Only the start of the message: the error (and its fuzzed input) stays out of the test output.
        // eslint-disable-next-line preserve-caught-error
        throw new Error(
          `${name} threw ${(err as Error)?.name ?? typeof err}: ${(err as Error)?.message?.slice(0, 80)}`,
        );
      }
      // eslint-disable-next-line preserve-caught-error -- a failed assertion about the error, not a wrapped one
      if (err.errors.length === 0) throw new Error(`${name} threw a ValidationError naming no field`);
    }
    const ms = cpuMs() - start;
    best = Math.min(best, ms);
    if (ms > BUDGET_MS * 10) break; // no pause
  }
  if (best >= BUDGET_MS) throw new Error(`${name} took ${best.toFixed(0)} ms`);
}

/** The plain checks return field errors; their `checked…` forms and the zod validators throw ValidationError. */
const START_INPUT: [string, (v: unknown) => unknown, boolean][] = [
  ['checkEkycInput', checks.checkEkycInput, false],
  ['checkedEkycInput', checks.checkedEkycInput, true],
  ['validateEkycInput', validation.validateEkycInput, true],
  ['ekycInputSchema.safeParse', (v) => validation.ekycInputSchema.safeParse(v), false],
];
const OTP_ARG: [string, (v: unknown) => unknown, boolean][] = [
  ['checkOtpArg', checks.checkOtpArg, false],
  ['checkedOtpArg', checks.checkedOtpArg, true],
  ['validateOtpArg', validation.validateOtpArg, true],
];
const BIOMETRIC_ARG: [string, (v: unknown) => unknown, boolean][] = [
  ['checkBiometricArg', checks.checkBiometricArg, false],
  ['checkedBiometricArg', checks.checkedBiometricArg, true],
  ['validateBiometricArg', validation.validateBiometricArg, true],
];

describe('pure validators with adversarial input', () => {
  it(`the start input checks (${FUZZ_RUNS} inputs)`, () => {
    fc.assert(
      fc.property(adversarialInput(validInput), (value) => {
        for (const [name, check, mayThrow] of START_INPUT) judge(name, check, value, mayThrow);
      }),
      fuzzParams(),
    );
  });

  it(`the OTP argument checks (${FUZZ_RUNS} inputs)`, () => {
    fc.assert(
      fc.property(adversarialArg('otp', adversarialField(OTP_BOUND)), (value) => {
        for (const [name, check, mayThrow] of OTP_ARG) judge(name, check, value, mayThrow);
      }),
      fuzzParams(),
    );
  });

  it(`the biometric argument checks, pidCaptureOk and pidDataShaped (${FUZZ_RUNS} inputs)`, () => {
    fc.assert(
      fc.property(adversarialArg('pidData', adversarialPid), (value) => {
        for (const [name, check, mayThrow] of BIOMETRIC_ARG) judge(name, check, value, mayThrow);
        const pid = (value as { pidData?: unknown } | null)?.pidData;
        if (typeof pid === 'string') {
          judge('pidCaptureOk', (v) => checks.pidCaptureOk(v as string), pid, false);
          judge('pidDataShaped', (v) => checks.pidDataShaped(v as string), pid, false);
        }
      }),
      fuzzParams(),
    );
  });

  it(`each field's schema, durationToMs, latlongInRange and verhoeffValid on bare values (${FUZZ_RUNS} inputs)`, () => {
    const schemas: [string, { safeParse(v: unknown): unknown }, number][] = [
      ['userCodeSchema', validation.userCodeSchema, FIELD_BOUNDS.userCode],
      ['customerIdSchema', validation.customerIdSchema, FIELD_BOUNDS.customerId],
      ['aadhaarSchema', validation.aadhaarSchema, FIELD_BOUNDS.aadhaar],
      ['latlongSchema', validation.latlongSchema, FIELD_BOUNDS.latlong],
      ['bankCodeSchema', validation.bankCodeSchema, FIELD_BOUNDS.bankCode],
      ['otpSchema', validation.otpSchema, OTP_BOUND],
      ['policySchema', validation.policySchema, DURATION_BOUND],
    ];
    fc.assert(
      fc.property(
        fc.constantFrom(...schemas),
        fc.oneof(adversarialField(DURATION_BOUND), oddJson),
        ([name, schema], value) => {
          judge(name, (v) => schema.safeParse(v), value, false);
          if (typeof value !== 'string') return;
          judge('durationToMs', (v) => checks.durationToMs(v as string), value, true);
          judge('latlongInRange', (v) => checks.latlongInRange(v as string), value, false);
          judge('verhoeffValid', (v) => verhoeffValid(v as string), value, false);
        },
      ),
      fuzzParams(),
    );
  });
});
