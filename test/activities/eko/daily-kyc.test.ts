// Daily KYC through the Eko client against the simulator, in both contract shapes: signed and RSA-encrypted like
// the eKYC steps, classified by the one table, one client_ref_id per logical call on every retry.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { EKO_ERROR } from '../../../common/eko-steps.js';
import { istDate } from '../../../common/ist.js';
import { EkoClient, EkoError } from '../../../activities/eko/client.js';
import type { EkoFailure } from '../../../activities/eko/classify.js';
import type { EkoSimulator } from '../../../sim/eko-sim.js';
import { LATLONG, clientRefId, ekoConfigFor, newAgent, pidData, startSim, type Agent } from '../../sim/eko-fixtures.js';

const DAY = 24 * 60 * 60_000;

function failureOf(promise: Promise<unknown>): Promise<EkoFailure> {
  return promise.then(
    () => {
      throw new Error('expected the call to fail');
    },
    (err) => {
      if (!(err instanceof EkoError)) throw err;
      return err.failure;
    },
  );
}

const dailyInput = (a: Agent, pid = pidData(), ref = clientRefId('d')) => ({
  userCode: a.userCode,
  customerId: a.customerId,
  aadhaar: a.aadhaar,
  latlong: LATLONG,
  bankCode: 'HDFC',
  pidData: pid,
  clientRefId: ref,
});

for (const contract of ['v3', 'eps-2026-06'] as const) {
  describe(`Daily KYC against the simulator (${contract})`, () => {
    let sim: EkoSimulator;
    let client: EkoClient;
    beforeAll(async () => {
      sim = await startSim({ contract });
      client = new EkoClient(ekoConfigFor(sim, { timeoutMs: 1_500 }));
    });
    afterAll(() => sim.stop());
    beforeEach(() => sim.resetLedger());

    /** An agent whose eKYC completed `daysAgo` days before the simulator's now. */
    const agentWithEkyc = (daysAgo: number) => {
      const a = newAgent(sim);
      sim.updateAgent(a.userCode, { ekycCompletedAt: new Date(sim.now() - daysAgo * DAY).toISOString() });
      return a;
    };

    it('succeeds 3 days after eKYC and the simulator records the IST day', async () => {
      const a = agentWithEkyc(3.01);
      await expect(client.submitDailyKyc(dailyInput(a))).resolves.toEqual({ userCode: a.userCode });
      expect(sim.ledger().map((e) => [e.step, e.code])).toEqual([['dailyKyc', '0']]);
      expect(sim.agentState(a.userCode)?.dailyAuthDay).toBe(istDate(sim.now()));
    });

    it('is refused (1714, EkoDailyKycFailed) before the eligibility window', async () => {
      const a = agentWithEkyc(2.9);
      const f = await failureOf(client.submitDailyKyc(dailyInput(a)));
      expect([f.type, f.retryable, f.details.status]).toEqual([EKO_ERROR.DailyKycFailed, false, 1714]);
    });

    it('a poor capture (qScore < 25) is 1714 "Invalid Biometric data": EkoBiometricRejected', async () => {
      const a = agentWithEkyc(5);
      const f = await failureOf(client.submitDailyKyc(dailyInput(a, pidData({ qScore: 20 }))));
      expect([f.type, f.details.reason]).toEqual([
        EKO_ERROR.BiometricRejected,
        'Authentication Failed. Invalid Biometric data.',
      ]);
    });

    it('"Please complete bank eKYC" on demand, and for an agent without eKYC: EkoRekycRequired', async () => {
      const a = agentWithEkyc(5);
      sim.updateAgent(a.userCode, { rekycRequired: true });
      expect((await failureOf(client.submitDailyKyc(dailyInput(a)))).type).toBe(EKO_ERROR.RekycRequired);
      const fresh = newAgent(sim);
      expect((await failureOf(client.submitDailyKyc(dailyInput(fresh)))).type).toBe(EKO_ERROR.RekycRequired);
    });

    it('retries a transient fault with the same client_ref_id; the ledger counts both calls', async () => {
      const a = agentWithEkyc(5);
      sim.injectFault(a.userCode, 'dailyKyc', { kind: 'http503' });
      const input = dailyInput(a);
      const first = await failureOf(client.submitDailyKyc(input));
      expect([first.type, first.retryable]).toEqual([EKO_ERROR.Unavailable, true]);
      await client.submitDailyKyc(input);
      expect(sim.ledger().map((e) => [e.clientRefId, e.code, e.fault])).toEqual([
        [input.clientRefId, 'http503', 'http503'],
        [input.clientRefId, '0', null],
      ]);
    });

    it('a wrong Aadhaar for the agent is refused by Eko, not passed', async () => {
      const a = agentWithEkyc(5);
      const other = newAgent();
      const f = await failureOf(client.submitDailyKyc({ ...dailyInput(a), aadhaar: other.aadhaar }));
      expect(f.retryable).toBe(false);
      expect(sim.agentState(a.userCode)?.dailyAuthDay).toBeNull();
    });

    it('a client_ref_id over 20 characters never reaches Eko', async () => {
      const a = agentWithEkyc(5);
      const f = await failureOf(client.submitDailyKyc(dailyInput(a, pidData(), 'x'.repeat(21))));
      expect([f.type, f.details.invalidFields]).toEqual([EKO_ERROR.InvalidRequest, ['client_ref_id']]);
      expect(sim.ledger()).toEqual([]);
    });
  });
}
