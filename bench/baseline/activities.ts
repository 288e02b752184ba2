// The baseline's activities: nothing but the Eko latency the simulator adds in the run being compared, and a
// note to the driver when the "OTP" is out (the eKYC driver learns that from the simulator).
import { setTimeout as delay } from 'node:timers/promises';
import type { BaselineActivities, BaselineAgentActivities } from './shared.js';

export function createBaselineActivities(latencyMs: number, otpSent: (userCode: string) => void): BaselineActivities {
  const pause = () => (latencyMs > 0 ? delay(latencyMs) : Promise.resolve());
  return {
    async sendOtp(input) {
      await pause();
      otpSent(input.userCode);
      return { otpRefId: input.userCode };
    },
    async verifyOtp(input) {
      await pause();
      return { otpRefId: input.userCode };
    },
    async submitBiometric(input) {
      await pause();
      return { userCode: input.userCode };
    },
  };
}

/** The morning rush's no-op Daily KYC: the simulator's added latency, nothing else. */
export function createBaselineAgentActivities(latencyMs: number): BaselineAgentActivities {
  return {
    async submitDailyKyc(input) {
      if (latencyMs > 0) await delay(latencyMs);
      return { userCode: input.userCode };
    },
    async emitWebhookEvent() {},
  };
}
