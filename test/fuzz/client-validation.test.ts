// Fuzzing the client library's input validation: every generated invalid start input comes back as a typed
// ValidationError naming the broken field, before anything reaches Temporal — no RPC, no workflow. The same holds
// for adversarial input (test/fuzz/adversarial.ts) to every method, and to the CLI's commands (client/commands.ts),
// which check their options before they connect.
import fc from 'fast-check';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, Connection } from '@temporalio/client';
import { EkycClient, ValidationError } from '../../client/index.js';
import {
  biometricCommand,
  cancelCommand,
  otpCommand,
  resendOtpCommand,
  startCommand,
  statusCommand,
} from '../../client/commands.js';
import { biometricArgSchema, otpArgSchema, userCodeSchema, validateEkycInput } from '../../common/validation.js';
import { temporalConfig, testCodecConfig } from '../client/harness.js';
import {
  adversarialField,
  adversarialInput,
  adversarialPid,
  adversarialPolicy,
  FIELD_BOUNDS,
  oddJson,
  OTP_BOUND,
} from './adversarial.js';
import { FUZZ_RUNS, fuzzParams, invalidInput, namedFields, validInput, type InvalidInput } from './support.js';

let ekyc: EkycClient;
let observer: { client: Client; close: () => Promise<void> };
const taskQueue = `fuzz-client-${randomUUID()}`;
const temporalCalls: string[] = [];

const workflowsOnQueue = async () => (await observer.client.workflow.count(`TaskQueue = '${taskQueue}'`)).count;

beforeAll(async () => {
  ekyc = await EkycClient.connect({
    temporal: temporalConfig(taskQueue),
    codec: testCodecConfig(),
    callTimeoutMs: 30_000,
  });
  // Any use of Temporal by the client library is recorded: an invalid input must cause none.
  const workflow = ekyc.client.workflow;
  for (const method of ['start', 'getHandle', 'signalWithStart', 'execute'] as const) {
    const original = workflow[method].bind(workflow) as (...args: unknown[]) => unknown;
    (workflow as unknown as Record<string, unknown>)[method] = (...args: unknown[]) => {
      temporalCalls.push(method);
      return original(...args);
    };
  }
  const connection = await Connection.connect(temporalConfig(taskQueue).connection);
  observer = {
    client: new Client({ connection, namespace: temporalConfig(taskQueue).namespace }),
    close: () => connection.close(),
  };
});
afterAll(async () => {
  await ekyc?.close();
  await observer?.close();
});

describe('EkycClient.startEkyc with generated invalid input', () => {
  it(`throws a ValidationError naming the broken field, and touches Temporal not at all (${FUZZ_RUNS} inputs)`, async () => {
    const before = await workflowsOnQueue();
    await fc.assert(
      fc.asyncProperty(invalidInput, async ({ value, expectFields }: InvalidInput) => {
        let error: unknown;
        try {
          await ekyc.startEkyc(value as never);
        } catch (err) {
          error = err;
        }
        if (!(error instanceof ValidationError)) throw new Error(`not a ValidationError: ${(error as Error)?.name}`);
        const named = namedFields(error.errors);
        const missing = expectFields.filter((f) => !named.has(f));
        if (missing.length) throw new Error(`errors do not name ${missing.join(', ')}`);
      }),
      fuzzParams(),
    );
    expect(temporalCalls).toEqual([]);
    expect(await workflowsOnQueue()).toBe(before);
  });
});

/** Whether `value` passes `check` (a schema's parse, or a validator that throws). */
const passes = (check: (v: unknown) => unknown, value: unknown) => {
  try {
    check(value);
    return true;
  } catch {
    return false;
  }
};
const parses = (schema: { safeParse(v: unknown): { success: boolean } }) => (v: unknown) => {
  if (!schema.safeParse(v).success) throw new Error('invalid');
};

/** What `run` threw: it must be a ValidationError naming at least one field. */
async function expectValidationError(run: () => Promise<unknown>): Promise<void> {
  let error: unknown;
  try {
    await run();
  } catch (err) {
    error = err;
  }
  if (!(error instanceof ValidationError)) throw new Error(`not a ValidationError: ${(error as Error)?.name}`);
  if (error.errors.length === 0) throw new Error('a ValidationError naming no field');
}

const adversarialUserCode = fc.oneof(adversarialField(FIELD_BOUNDS.userCode), oddJson);
const VALID_USER_CODE = '12345678';

describe('EkycClient with adversarial input', () => {
  it(`startEkyc throws a ValidationError and touches Temporal not at all (${FUZZ_RUNS} inputs)`, async () => {
    const before = await workflowsOnQueue();
    await fc.assert(
      fc.asyncProperty(adversarialInput(validInput), async (value) => {
        fc.pre(!passes(validateEkycInput, value));
        await expectValidationError(() => ekyc.startEkyc(value as never));
      }),
      fuzzParams(),
    );
    expect(temporalCalls).toEqual([]);
    expect(await workflowsOnQueue()).toBe(before);
  });

  it(`every step method throws a ValidationError for a bad user code, OTP, PidData or update id, before Temporal (${FUZZ_RUNS} inputs)`, async () => {
    const step = fc.oneof(
      adversarialUserCode.map((uc) => ({
        bad: !passes(parses(userCodeSchema), uc),
        calls: [
          () => ekyc.status(uc as never),
          () => ekyc.cancel(uc as never, 'fuzz'),
          () => ekyc.requestOtpResend(uc as never),
          () => ekyc.submitOtp(uc as never, '123456'),
        ],
      })),
      fc.oneof(adversarialField(OTP_BOUND), oddJson).map((otp) => ({
        bad: !passes(parses(otpArgSchema), { otp }),
        calls: [() => ekyc.submitOtp(VALID_USER_CODE, otp as never)],
      })),
      fc.oneof(adversarialPid, oddJson).map((pid) => ({
        bad: !passes(parses(biometricArgSchema), { pidData: pid }),
        calls: [() => ekyc.submitBiometric(VALID_USER_CODE, pid as never)],
      })),
      fc.oneof(adversarialField(64), oddJson).map((updateId) => ({
        // null is "no id given": the client makes one up.
        bad: updateId !== null && !(typeof updateId === 'string' && /^[A-Za-z0-9_.:-]{1,64}$/.test(updateId)),
        calls: [() => ekyc.submitOtp(VALID_USER_CODE, '123456', { updateId: updateId as never })],
      })),
    );
    await fc.assert(
      fc.asyncProperty(step, async ({ bad, calls }) => {
        fc.pre(bad);
        for (const call of calls) await expectValidationError(call);
      }),
      fuzzParams(),
    );
    expect(temporalCalls).toEqual([]);
  });
});

describe('the CLI commands with adversarial options', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ekyc-fuzz-cli-'));
  });
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const text = (arb: fc.Arbitrary<unknown>) => arb.map((v) => (typeof v === 'string' ? v : (JSON.stringify(v) ?? '')));
  const policyText = fc.option(
    fc.oneof(
      adversarialPolicy.map((p) => JSON.stringify(p) ?? ''),
      adversarialField(32),
    ),
    { nil: undefined },
  );

  it(`start, otp, resend-otp, biometric, status and cancel refuse them with a ValidationError before connecting (${FUZZ_RUNS} inputs)`, async () => {
    const command = fc.oneof(
      fc
        .tuple(adversarialInput(validInput), policyText)
        .filter(([input]) => input !== null && typeof input === 'object' && !Array.isArray(input))
        .map(([input, policy]) => {
          const i = input as Record<string, unknown>;
          const str = (v: unknown) => (typeof v === 'string' ? v : (JSON.stringify(v) ?? ''));
          return {
            kind: 'start' as const,
            o: {
              userCode: str(i.userCode),
              customerId: str(i.customerId),
              latlong: str(i.latlong),
              bankCode: str(i.bankCode),
              policy,
            },
            secret: str(i.aadhaar),
          };
        }),
      fc
        .tuple(text(adversarialUserCode), text(fc.oneof(adversarialField(OTP_BOUND), oddJson)))
        .filter(([, otp]) => otp !== '-') // "-" reads the OTP from stdin
        .map(([userCode, otp]) => ({ kind: 'otp' as const, o: { userCode, otp }, secret: '' })),
      fc
        .tuple(fc.oneof(fc.constant(VALID_USER_CODE), text(adversarialUserCode)), adversarialPid)
        .map(([userCode, pid]) => ({ kind: 'biometric' as const, o: { userCode }, secret: pid })),
      fc
        .tuple(text(adversarialUserCode), fc.constantFrom('status', 'cancel', 'resend') as fc.Arbitrary<'status'>)
        .map(([userCode, kind]) => ({ kind, o: { userCode, reason: userCode }, secret: '' })),
    );
    const run = {
      start: startCommand,
      otp: otpCommand,
      biometric: biometricCommand,
      status: statusCommand,
      cancel: cancelCommand,
      resend: resendOtpCommand,
    };
    await fc.assert(
      fc.asyncProperty(command, async ({ kind, o, secret }) => {
        const options: Record<string, string> = Object.fromEntries(
          Object.entries(o).filter((e): e is [string, string] => e[1] !== undefined),
        );
        // What the command will check, as it reads it: the secret file trimmed, the policy parsed.
        let valid: boolean;
        if (kind === 'start') {
          const { policy: policyText, ...fields } = options;
          let policy: unknown;
          const policyOk = policyText === undefined || passes(() => (policy = JSON.parse(policyText)), null);
          // As startCommand: a parsed policy that is falsy (null, 0, "") is left out.
          valid =
            policyOk && passes(validateEkycInput, { ...fields, aadhaar: secret.trim(), ...(policy ? { policy } : {}) });
        } else if (kind === 'otp') {
          valid =
            passes(parses(userCodeSchema), options.userCode) && passes(parses(otpArgSchema), { otp: options.otp });
        } else if (kind === 'biometric') {
          valid =
            passes(parses(userCodeSchema), options.userCode) &&
            passes(parses(biometricArgSchema), { pidData: secret.trim() });
        } else {
          valid = passes(parses(userCodeSchema), options.userCode);
        }
        fc.pre(!valid);
        if (kind === 'start' || kind === 'biometric') {
          const file = join(dir, 'secret');
          await writeFile(file, secret);
          options[kind === 'start' ? 'aadhaarFile' : 'pidFile'] = file;
        }
        await expectValidationError(() => run[kind](options));
      }),
      fuzzParams(),
    );
  }, 120_000);
});
