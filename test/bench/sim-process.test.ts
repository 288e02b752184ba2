// The benchmark's Eko simulator process: it serves signed calls from the product's Eko client, announces each
// sent OTP with the agent's OTP, and reports how long it held each call.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EkoClient } from '../../activities/eko/client.js';
import { parseAadhaarPublicKey } from '../../activities/eko/aadhaar-crypto.js';
import { spawnSim, type SimProcess } from '../../bench/workers.js';
import { syntheticAgent } from '../../bench/driver.js';
import { CREDENTIALS } from '../sim/eko-fixtures.js';

let sim: SimProcess;
beforeAll(async () => {
  sim = await spawnSim(25);
}, 30_000);
afterAll(async () => {
  await sim?.stop();
});

describe('bench simulator process', () => {
  it('registers an unknown agent on Send OTP, announces its OTP, and reports the call minus its latency', async () => {
    const client = new EkoClient({
      baseUrl: sim.baseUrl,
      developerKey: CREDENTIALS.developerKey,
      accessKey: CREDENTIALS.accessKey,
      initiatorId: CREDENTIALS.initiatorId,
      aadhaarPublicKey: parseAadhaarPublicKey(sim.publicKeySpkiBase64),
      contract: 'v3',
      timeoutMs: 5_000,
    });
    const agent = syntheticAgent();
    const announced = new Promise<{ userCode: string; otp: string; afterAnswer: boolean }>((resolve) =>
      sim.onOtpSent((userCode, otp, afterAnswer) => resolve({ userCode, otp, afterAnswer })),
    );
    const started = Date.now();
    const who = {
      userCode: agent.userCode,
      customerId: agent.customerId,
      aadhaar: agent.aadhaar,
      latlong: agent.latlong,
    };
    const sent = await client.sendOtp({ ...who, clientRefId: `${agent.userCode}S01` });
    expect(Date.now() - started).toBeGreaterThanOrEqual(25);
    expect(sent.otpRefId).toBeTruthy();
    const { userCode, otp, afterAnswer } = await announced;
    expect(userCode).toBe(agent.userCode);
    // Told once the answer was written, as an agent reads the SMS after Eko has answered.
    expect(afterAnswer).toBe(true);
    expect(otp).toMatch(/^\d{6}$/);
    const verified = await client.verifyOtp({
      ...who,
      clientRefId: `${agent.userCode}V01`,
      otp,
      otpRefId: sent.otpRefId,
      referenceTid: sent.referenceTid,
    });
    expect(verified).toBeDefined();
    const served = await sim.served();
    expect(served).toHaveLength(2);
    for (const ms of served) expect(ms).toBeGreaterThanOrEqual(0);
    expect(await sim.served()).toEqual([]);
  });
});
