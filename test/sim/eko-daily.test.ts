// The simulator's Daily KYC and its test controls: the clock tests move (so days can pass), the eligibility window,
// the "complete bank eKYC" switch, and ledger entries stamped with the simulator's clock.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import ky from 'ky';
import { istDate } from '../../common/ist.js';
import type { EkoSimulator } from '../../sim/eko-sim.js';
import { DEFAULT_DAILY_ELIGIBLE_AFTER_MS } from '../../sim/eko-daily.js';
import { EkoClient, EkoError } from '../../activities/eko/client.js';
import { LATLONG, clientRefId, ekoConfigFor, newAgent, pidData, startSim, type Agent } from './eko-fixtures.js';

const HOUR = 60 * 60_000;

describe('Eko simulator: Daily KYC', () => {
  let sim: EkoSimulator;
  let client: EkoClient;
  let test: typeof ky;
  beforeAll(async () => {
    sim = await startSim({ dailyEligibleAfterMs: 2 * HOUR });
    client = new EkoClient(ekoConfigFor(sim));
    test = ky.create({ prefix: sim.baseUrl.replace('/ekoapi/v3', '/__sim') });
  });
  afterAll(() => sim.stop());

  const daily = (a: Agent, pid = pidData()) =>
    client
      .submitDailyKyc({ ...a, latlong: LATLONG, bankCode: 'HDFC', pidData: pid, clientRefId: clientRefId('s') })
      .then(
        () => 'ok',
        (err: EkoError) => err.failure.details.reason ?? err.failure.type,
      );

  it('defaults to Eko’s three days', () => {
    expect(DEFAULT_DAILY_ELIGIBLE_AFTER_MS).toBe(3 * 24 * HOUR);
  });

  it('refuses before its configured window and succeeds once the clock has moved past it', async () => {
    const a = newAgent(sim);
    sim.updateAgent(a.userCode, { ekycCompletedAt: new Date(sim.now()).toISOString() });
    expect(await daily(a)).toBe('Transaction Not Completed');
    sim.advanceClock(2 * HOUR + 1000);
    expect(await daily(a)).toBe('ok');
    expect(sim.agentState(a.userCode)?.dailyAuthDay).toBe(istDate(sim.now()));
  });

  it('stamps ledger entries with its own clock, and the clock can be set over HTTP', async () => {
    const at = '2031-01-01T18:29:59.000Z'; // 23:59:59 IST
    expect(await test.post('clock', { json: { now: at } }).json()).toEqual({ now: at });
    const a = newAgent(sim);
    sim.updateAgent(a.userCode, { ekycCompletedAt: '2030-12-01T00:00:00.000Z' });
    sim.resetLedger();
    expect(await daily(a)).toBe('ok');
    expect(sim.agentState(a.userCode)?.dailyAuthDay).toBe('2031-01-01');
    expect(Date.parse(sim.ledger()[0].at)).toBeGreaterThanOrEqual(Date.parse(at));
    await test.post('clock', { json: { advanceMs: 2000 } }); // 00:00:01 IST, the next day
    expect(await daily(a)).toBe('ok');
    expect(sim.agentState(a.userCode)?.dailyAuthDay).toBe('2031-01-02');
    expect(sim.ledger().map((e) => [e.step, e.code])).toEqual([
      ['dailyKyc', '0'],
      ['dailyKyc', '0'],
    ]);
  });

  it('answers "Please complete bank eKYC" when a test asks (PATCH /__sim/agents), until a new eKYC completes', async () => {
    const a = newAgent(sim);
    sim.updateAgent(a.userCode, { ekycCompletedAt: new Date(sim.now() - 10 * HOUR).toISOString() });
    await test.patch(`agents/${a.userCode}`, { json: { rekycRequired: true } });
    expect(await daily(a)).toBe('Please complete bank eKYC to process the transaction.');
    // The one-time eKYC again: Send OTP → Verify OTP → Biometric clears the flag and restarts the window.
    const base = { ...a, latlong: LATLONG };
    const sent = await client.sendOtp({ ...base, clientRefId: clientRefId('s') });
    const verified = await client.verifyOtp({
      ...base,
      ...sent,
      otp: sim.currentOtp(a.userCode)!,
      clientRefId: clientRefId('v'),
    });
    await client.submitBiometric({
      ...base,
      ...verified,
      bankCode: 'HDFC',
      pidData: pidData(),
      clientRefId: clientRefId('b'),
    });
    expect(sim.agentState(a.userCode)?.rekycRequired).toBe(false);
    expect(await daily(a)).toBe('Transaction Not Completed');
    sim.advanceClock(2 * HOUR + 1000);
    expect(await daily(a)).toBe('ok');
  });

  it('rejects a poor capture with "Invalid Biometric data" and a malformed PidData as an invalid field', async () => {
    const a = newAgent(sim);
    sim.updateAgent(a.userCode, { ekycCompletedAt: new Date(sim.now() - 10 * HOUR).toISOString() });
    expect(await daily(a, pidData({ qScore: 24 }))).toBe('Authentication Failed. Invalid Biometric data.');
    expect(await daily(a, pidData({ fType: '0' }))).toBe('EkoInvalidRequest');
    expect(await daily(a, pidData({ qScore: 25 }))).toBe('ok');
  });

  it('refuses a bad clock request', async () => {
    await expect(test.post('clock', { json: { now: 'soon' } })).rejects.toThrow(/400/);
  });
});
