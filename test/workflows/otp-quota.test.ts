// The agent-wide OTP quota (workflows/otp-quota.ts) holds across sessions: cancelling and starting again neither
// skips the resend cooldown nor resets the hourly cap, so an agent cannot buy more OTP guesses by starting over.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from '@temporalio/client';
import { createActivities } from '../../activities/index.js';
import { workflowIdFor } from '../../common/domain.js';
import { otpQuotaWorkflowIdFor } from '../../common/otp-quota.js';
import type { EkoSimulator } from '../../sim/eko-sim.js';
import { otpQuotaQuery, requestOtpResendUpdate, statusQuery } from '../../workflows/messages.js';
import { ekoConfigFor, newAgent, startSim } from '../sim/eko-fixtures.js';
import {
  cancelAndWait,
  connectClient,
  recordHistory,
  startEkyc,
  startWorker,
  waitForStage,
  waitForStatus,
  type WorkerHandle,
} from './harness.js';

let sim: EkoSimulator;
let client: Client;
let closeClient: () => Promise<void>;
let worker: WorkerHandle;

beforeAll(async () => {
  sim = await startSim();
  ({ client, close: closeClient } = await connectClient());
  worker = await startWorker(
    createActivities({ eko: ekoConfigFor(sim, { timeoutMs: 3_000 }), otpSends: { perHour: 2, perDay: 3 } }),
  );
});
afterAll(async () => {
  await worker?.stop();
  await closeClient?.();
  await sim?.stop();
});

const sends = (userCode: string) => sim.ledger().filter((e) => e.userCode === userCode && e.step === 'sendOtp');

describe('the OTP quota across sessions of one agent', () => {
  it('makes a restarted session wait out the cooldown left by the cancelled one before it sends', async () => {
    const agent = newAgent(sim);
    const policy = { resendCooldown: '4s' };
    const first = await startEkyc(client, worker.taskQueue, agent, policy);
    await waitForStage(first, 'AWAITING_OTP');
    await cancelAndWait(first);

    const second = await startEkyc(client, worker.taskQueue, agent, policy);
    // It waits in SENDING_OTP rather than sending at once.
    expect((await second.query(statusQuery)).stage).toBe('SENDING_OTP');
    await waitForStage(second, 'AWAITING_OTP', 30_000);
    const [a, b] = sends(agent.userCode).map((e) => Date.parse(e.at));
    expect(sends(agent.userCode)).toHaveLength(2);
    // The ledger times Eko's receipt of each call, a little after its reservation: without the quota it would be ~0.
    expect(b - a).toBeGreaterThanOrEqual(3_000);
    await cancelAndWait(second);
    await recordHistory(second, 'otp-quota-restart-waits-cooldown');
  });

  it('refuses a resend beyond the hourly cap, and a restarted session fails with OTP_SEND_LIMIT_REACHED without sending', async () => {
    const agent = newAgent(sim);
    const policy = { resendCooldown: '0s' };
    const first = await startEkyc(client, worker.taskQueue, agent, policy);
    await waitForStage(first, 'AWAITING_OTP');
    expect(await first.executeUpdate(requestOtpResendUpdate, { args: [{}] })).toMatchObject({ accepted: true });
    const refused = await first.executeUpdate(requestOtpResendUpdate, { args: [{}] });
    expect(refused).toMatchObject({ accepted: false, stage: 'AWAITING_OTP', code: 'OTP_SEND_LIMIT_REACHED' });
    const retryAfter = Date.parse(refused.retryAfter!);
    expect(retryAfter - Date.now()).toBeGreaterThan(55 * 60_000);
    // The refused resend used up nothing of the session's own.
    expect((await first.query(statusQuery)).resendsLeft).toBe(2);
    await cancelAndWait(first);

    const second = await startEkyc(client, worker.taskQueue, agent, policy);
    const ended = await waitForStatus(second, (s) => s.stage === 'FAILED', 'FAILED');
    expect(ended.lastError?.code).toBe('OTP_SEND_LIMIT_REACHED');
    expect(sends(agent.userCode)).toHaveLength(2);
    await recordHistory(first, 'otp-quota-resend-refused');
    await recordHistory(second, 'otp-quota-restart-refused');

    // The quota is an ordinary workflow ops can query: when the agent's sends happened, nothing else.
    const quota = await client.workflow.getHandle(otpQuotaWorkflowIdFor(agent.userCode)).query(otpQuotaQuery);
    expect(quota).toEqual({ userCode: agent.userCode, sends: [expect.any(String), expect.any(String)] });
    expect(workflowIdFor(agent.userCode)).not.toBe(otpQuotaWorkflowIdFor(agent.userCode));
  });
});
