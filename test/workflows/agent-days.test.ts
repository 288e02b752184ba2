// fingpayAgent over many days, on Temporal's time-skipping test server (test/support/time-skipping.ts): the
// lifecycle's timers fire at IST midnights while the test skips ahead, and the simulator's clock is moved with it.
// The simulator's ledger is the bill: exactly the Daily KYC calls the rules allow, on the days they allow them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client, WorkflowHandle } from '@temporalio/client';
import proto from '@temporalio/proto';
import { agentWorkflowIdFor, type AgentStatus, type DailyAuthOutcome } from '../../common/agent.js';
import { workflowIdFor } from '../../common/domain.js';
import { istDate, istDayStart } from '../../common/ist.js';
import { MIDNIGHTS_PER_RUN } from '../../workflows/agent.js';
import { agentStatusQuery } from '../../workflows/messages.js';
import type { EkoSimulator } from '../../sim/eko-sim.js';
import { ekycInput, newAgent, pidData, startSim, type Agent } from '../sim/eko-fixtures.js';
import { startTimeSkipping, type TimeSkipping } from '../support/time-skipping.js';
import { decodeArrayFromPayloads, loadDataConverter } from '@temporalio/common/lib/internal-non-workflow/index.js';
import { recordHistory, testDataConverter } from './harness.js';
import { dailyArg, startAgentRig, startLifecycle, type AgentRig } from './agent-harness.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const { IndexedValueType } = proto.temporal.api.enums.v1;

let ts: TimeSkipping;
let sim: EkoSimulator;
let rig: AgentRig;

beforeAll(async () => {
  ts = await startTimeSkipping();
  const keyword = IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD;
  await ts.env.connection.operatorService.addSearchAttributes({
    namespace: ts.env.namespace ?? 'default',
    searchAttributes: { EkycStage: keyword, EkoUserCode: keyword, AgentState: keyword, DailyAuthDate: keyword },
  });
  sim = await startSim({ dailyEligibleAfterMs: 3 * DAY });
  rig = await startAgentRig('', ts.env.namespace ?? 'default', sim, undefined, {
    connection: ts.env.connection,
    nativeConnection: ts.env.nativeConnection,
  });
}, 120_000);
afterAll(async () => {
  await rig?.stop();
  await sim?.stop();
  await ts?.stop();
});

const now = () => ts.env.currentTimeMs();

/** Skip to `at` (workflow time) and set the simulator's clock to it. */
async function skipTo(at: number): Promise<void> {
  const t = await now();
  if (at > t) await ts.env.sleep(at - t);
  sim.setClock(await now());
}

/** HH:MM:SS IST of day `day` counted from `base` (an IST midnight). */
const at = (base: number, day: number, h: number, m = 0, s = 0) => base + day * DAY + ((h * 60 + m) * 60 + s) * 1000;

async function ask(agent: Agent, pid = {}): Promise<DailyAuthOutcome> {
  sim.setClock(await now());
  return rig.ekyc.submitDailyAuth(agent.userCode, dailyArg(agent, pid));
}

const status = (agent: Agent): Promise<AgentStatus> => rig.ekyc.agentStatus(agent.userCode);

/**
 * Invalidates today's authentication and waits until the lifecycle has applied it. The real server hands a workflow
 * task's update messages to the worker after all of its events, so a signal recorded before an update is seen first.
 * On the Java time-skipping server an update sent right after the signal was once validated before the signal was
 * applied (CI: it answered ALREADY_AUTHENTICATED), so the test waits for the state rather than rely on that order.
 */
async function invalidate(agent: Agent, reason: 'FP069' | 'OPERATOR_CHANGED'): Promise<void> {
  await rig.ekyc.invalidateDailyAuth(agent.userCode, reason);
  for (let i = 0; i < 200 && (await status(agent)).state === 'AUTHENTICATED'; i++) {
    await new Promise((r) => setTimeout(r, 25));
  }
  expect((await status(agent)).state, `after ${reason}`).toBe('AUTH_REQUIRED');
}

/** Successful (or all) Daily KYC calls of the agent in the simulator's ledger, by IST day. */
function callsByDay(agent: Agent, onlySuccess = false): Map<string, number> {
  const days = new Map<string, number>();
  for (const e of sim.ledger()) {
    if (e.step !== 'dailyKyc' || e.userCode !== agent.userCode) continue;
    if (onlySuccess && e.code !== '0') continue;
    const day = istDate(Date.parse(e.at));
    days.set(day, (days.get(day) ?? 0) + 1);
  }
  return days;
}

async function runsOf(client: Client, workflowId: string, runIds: Set<string>) {
  const out: { runId: string; events: number }[] = [];
  for (const runId of runIds) {
    const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
    out.push({ runId, events: history.events?.length ?? 0 });
  }
  return out;
}

/** The one-time eKYC through the client library (the simulator's clock follows the skipped time). */
async function completeEkyc(agent: Agent): Promise<void> {
  sim.setClock(await now());
  const { runId } = await rig.ekyc.startEkyc(ekycInput(agent, { resendCooldown: '0s' }));
  const handle = rig.client.workflow.getHandle(workflowIdFor(agent.userCode), runId);
  for (let i = 0; i < 200; i++) {
    if ((await handle.query('status').catch(() => null)) && sim.currentOtp(agent.userCode)) {
      const s = (await handle.query('status')) as { stage: string };
      if (s.stage === 'AWAITING_OTP') break;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  sim.setClock(await now());
  expect((await rig.ekyc.submitOtp(agent.userCode, sim.currentOtp(agent.userCode)!)).accepted).toBe(true);
  sim.setClock(await now());
  expect((await rig.ekyc.submitBiometric(agent.userCode, pidData())).accepted).toBe(true);
}

describe('fingpayAgent over 400 simulated days (time-skipping server)', () => {
  it('makes exactly the Daily KYC calls the rules allow, day after day, across continue-as-new', async () => {
    const agent = newAgent(sim);
    const base = istDayStart(await now()) + DAY; // tomorrow's IST midnight
    await skipTo(at(base, 0, 10));
    // The eKYC completes on day 0 at 10:00 IST (as fingpayEkyc's completion would tell the lifecycle).
    sim.updateAgent(agent.userCode, { ekycCompletedAt: new Date(await now()).toISOString() });
    const handle = await startLifecycle(rig.client, rig.taskQueue, agent, await now());
    const workflowId = agentWorkflowIdFor(agent.userCode);

    const DAYS = 400;
    const SKIPPED = (d: number) => d % 10 === 9; // days the agent does not work
    const FP069 = (d: number) => d % 7 === 5; // a withdrawal reports FP069 after the morning's success
    const BLOCKED_DAY = 50;
    const REKYC_DAY = 200;
    let eligibleFrom = 3;
    const expected = new Map<string, number>(); // successful calls per IST day
    const failedExpected = new Map<string, number>();
    const runIds = new Set<string>();
    const refusedWithoutCall: string[] = [];

    for (let d = 0; d < DAYS; d++) {
      await skipTo(at(base, d, 11));
      const date = istDate(await now());
      runIds.add((await handle.describe()).runId);
      if (SKIPPED(d)) continue;
      if (d === REKYC_DAY) {
        // Eko sends the agent back to eKYC: one call, then no more until a new eKYC completes.
        sim.updateAgent(agent.userCode, { rekycRequired: true });
        expect(await ask(agent)).toMatchObject({ accepted: false, state: 'REKYC_REQUIRED', code: 'EkoRekycRequired' });
        failedExpected.set(date, 1);
        expect(await ask(agent)).toMatchObject({ code: 'REKYC_REQUIRED' });
        await completeEkyc(agent);
        for (let i = 0; i < 100 && (await status(agent)).state !== 'WAITING_ELIGIBILITY'; i++) {
          await new Promise((r) => setTimeout(r, 50));
        }
        expect((await status(agent)).state).toBe('WAITING_ELIGIBILITY');
        eligibleFrom = d + 4; // the window (3 days from 11:0x today) opens on day d+3 after 11:00
        continue;
      }
      const outcome = await ask(agent);
      if (d < eligibleFrom) {
        expect(outcome).toMatchObject({ accepted: false, state: 'WAITING_ELIGIBILITY', code: 'NOT_YET_ELIGIBLE' });
        refusedWithoutCall.push(date);
        continue;
      }
      if (d === BLOCKED_DAY) {
        // Three poor captures, then the day is over for this agent.
        expect(outcome.accepted).toBe(true);
        await invalidate(agent, 'OPERATOR_CHANGED');
        for (let i = 0; i < 3; i++) await ask(agent, { qScore: 10 });
        expect(await ask(agent)).toMatchObject({ state: 'BLOCKED', code: 'DAILY_AUTH_BLOCKED' });
        expected.set(date, 1);
        failedExpected.set(date, 3);
        continue;
      }
      expect(outcome, `day ${d}`).toMatchObject({ accepted: true, state: 'AUTHENTICATED' });
      expected.set(date, 1);
      if (d % 3 === 0) expect(await ask(agent)).toMatchObject({ code: 'ALREADY_AUTHENTICATED' });
      if (FP069(d)) {
        await invalidate(agent, 'FP069');
        expect(await ask(agent)).toMatchObject({ accepted: true, state: 'AUTHENTICATED' });
        expected.set(date, 2);
      }
    }

    // The ledger, day by day: exactly the calls expected, and none on any other day.
    expect(Object.fromEntries(callsByDay(agent, true))).toEqual(Object.fromEntries(expected));
    const all = callsByDay(agent);
    for (const [date, n] of all) expect(n, date).toBe((expected.get(date) ?? 0) + (failedExpected.get(date) ?? 0));
    for (const date of refusedWithoutCall) expect(all.has(date)).toBe(false);

    // Continue-as-new kept the runs small and carried the state.
    runIds.add((await handle.describe()).runId);
    const runs = await runsOf(rig.client, workflowId, runIds);
    expect(runIds.size).toBeGreaterThanOrEqual(Math.floor(DAYS / MIDNIGHTS_PER_RUN));
    for (const run of runs) expect(run.events, run.runId).toBeLessThan(1_500);
    const final = await status(agent);
    expect(final.ekycCompletedAt).not.toBeNull();
    // What each run started with (the previous run's state, decrypted with the test key): never an Aadhaar or a PID.
    const converter = loadDataConverter(testDataConverter());
    for (const runId of runIds) {
      const history = await rig.client.workflow.getHandle(workflowId, runId).fetchHistory();
      const started = history.events![0].workflowExecutionStartedEventAttributes!;
      const [input] = await decodeArrayFromPayloads(converter, started.input!.payloads);
      expect(Object.keys(input as object).sort(), runId).toEqual(
        started.continuedExecutionRunId
          ? ['ekyc', 'lastError', 'lastSuccessDate', 'policy', 'rekycRequired', 'today', 'userCode']
          : ['userCode'],
      );
      expect(JSON.stringify(input)).not.toContain(agent.aadhaar);
      expect(JSON.stringify(input)).not.toContain('PidData');
    }
    console.log(
      `[agent-days] ${DAYS} days, ${runIds.size} runs, events per run max ${Math.max(...runs.map((r) => r.events))}, ` +
        `Daily KYC calls ${[...all.values()].reduce((a, b) => a + b, 0)}`,
    );
    await recordHistory(rig.client.workflow.getHandle(workflowId, [...runIds][1]), 'agent-days-after-continue-as-new');
  }, 600_000);

  it('IST boundary: 23:59:59 and 00:00:01 IST are different days; a success at 23:59 does not cover the next day', async () => {
    const agent = newAgent(sim);
    const base = istDayStart(await now()) + DAY;
    sim.updateAgent(agent.userCode, { ekycCompletedAt: new Date(base - 5 * DAY).toISOString() });
    const handle: WorkflowHandle = await startLifecycle(rig.client, rig.taskQueue, agent, base - 5 * DAY);
    await skipTo(at(base, 0, 23, 59, 0));
    expect(await ask(agent)).toMatchObject({ accepted: true, validUntil: new Date(base + DAY).toISOString() });
    await skipTo(at(base, 0, 23, 59, 59));
    expect(await ask(agent)).toMatchObject({ code: 'ALREADY_AUTHENTICATED' });
    await skipTo(at(base, 1, 0, 0, 1));
    const next = await status(agent);
    expect(next).toMatchObject({ state: 'AUTH_REQUIRED', canTransact: false });
    expect(next.today.date).toBe(istDate(at(base, 1, 0, 0, 1)));
    expect(await ask(agent)).toMatchObject({ accepted: true, state: 'AUTHENTICATED' });
    expect(Object.fromEntries(callsByDay(agent, true))).toEqual({
      [istDate(at(base, 0, 12))]: 1,
      [istDate(at(base, 1, 12))]: 1,
    });
    expect((await handle.query(agentStatusQuery)).state).toBe('AUTHENTICATED');
  }, 120_000);

  it('BLOCKED lasts until the next IST midnight, then the attempts are back', async () => {
    const agent = newAgent(sim);
    const base = istDayStart(await now()) + DAY;
    sim.updateAgent(agent.userCode, { ekycCompletedAt: new Date(base - 5 * DAY).toISOString() });
    await startLifecycle(rig.client, rig.taskQueue, agent, base - 5 * DAY, { maxAttempts: 2 });
    await skipTo(at(base, 0, 9));
    await ask(agent, { qScore: 5 });
    expect(await ask(agent, { qScore: 5 })).toMatchObject({
      state: 'BLOCKED',
      attemptsLeft: 0,
      retryAfter: new Date(base + DAY).toISOString(),
    });
    await skipTo(at(base, 0, 23, 59, 59));
    expect((await status(agent)).state).toBe('BLOCKED');
    await skipTo(at(base, 1, 0, 0, 1));
    expect(await status(agent)).toMatchObject({ state: 'AUTH_REQUIRED', today: { attemptsLeft: 2 } });
    expect(await ask(agent)).toMatchObject({ accepted: true });
  }, 120_000);
});
