// Fuzzing submitDailyAuth's validator on a running fingpayAgent lifecycle that is ready to authenticate: every
// malformed argument, sent with the plain SDK client (no client-side checks), is rejected as InvalidArgument, the
// lifecycle's history does not grow by a single event, and Eko is never called.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { checkDailyAuthArg } from '../../common/checks.js';
import { agentStatusQuery, submitDailyAuthUpdate, VALIDATOR_REJECTION } from '../../workflows/messages.js';
import { pidData, syntheticAadhaar, badChecksumAadhaar } from '../sim/eko-fixtures.js';
import { historyLength, startHarness, type Harness } from '../workflows/harness.js';
import { startLifecycle } from '../workflows/agent-harness.js';
import { FUZZ_RUNS, fuzzParams } from './support.js';

let h: Harness;
let handle: WorkflowHandle;
let userCode: string;

beforeAll(async () => {
  h = await startHarness();
  const agent = h.newAgent();
  userCode = agent.userCode;
  handle = await startLifecycle(h.client, h.taskQueue, agent, Date.now() - 4 * 86_400_000);
  for (let i = 0; i < 100; i++) {
    const state = await handle
      .query(agentStatusQuery)
      .then((s) => s.state)
      .catch(() => null);
    if (state === 'AUTH_REQUIRED') break;
    await new Promise((r) => setTimeout(r, 100));
  }
});
afterAll(async () => {
  await h?.close();
});

const aadhaarLike = fc.oneof(
  fc.string({ maxLength: 14 }),
  fc.constantFrom(badChecksumAadhaar(), '012345678901', syntheticAadhaar().slice(0, 11), `${syntheticAadhaar()}0`),
  fc.integer(),
  fc.constant(null),
);
const pidLike = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.constantFrom('', '<PidData></PidData>', pidData({ errCode: '720' })),
  fc.integer(),
);
const optional = fc.oneof(fc.constant(undefined), fc.string({ maxLength: 70 }), fc.integer(), fc.constant(null));
const malformed = fc
  .oneof(
    fc.jsonValue(),
    fc.record(
      {
        aadhaar: fc.oneof(aadhaarLike, fc.constant(syntheticAadhaar())),
        pidData: fc.oneof(pidLike, fc.constant(pidData())),
        latlong: optional,
        customerId: optional,
        bankCode: optional,
        extra: optional,
      },
      { requiredKeys: [] },
    ),
  )
  // As it travels: JSON drops keys whose value is undefined.
  .map((arg) => JSON.parse(JSON.stringify(arg)) as unknown)
  .filter((arg) => checkDailyAuthArg(arg).length > 0);

async function rejection(send: () => Promise<unknown>): Promise<string> {
  try {
    await send();
    return 'accepted';
  } catch (err) {
    if (!(err instanceof WorkflowUpdateFailedError)) return `not an update failure: ${(err as Error).name}`;
    return err.cause instanceof ApplicationFailure ? String(err.cause.type) : `cause ${err.cause?.name}`;
  }
}

describe('submitDailyAuth validator with generated malformed arguments', () => {
  it(`rejects every one as InvalidArgument, writes nothing to history, calls no Eko (${FUZZ_RUNS} inputs)`, async () => {
    const before = await historyLength(handle);
    await fc.assert(
      fc.asyncProperty(malformed, async (arg) => {
        const type = await rejection(() => handle.executeUpdate(submitDailyAuthUpdate, { args: [arg as never] }));
        if (type !== VALIDATOR_REJECTION.invalidArgument) throw new Error(`expected InvalidArgument, got ${type}`);
      }),
      fuzzParams(),
    );
    expect(await historyLength(handle)).toBe(before);
    expect((await handle.query(agentStatusQuery)).state).toBe('AUTH_REQUIRED');
    expect(h.sim.ledger().filter((e) => e.userCode === userCode)).toEqual([]);
  }, 240_000);
});
