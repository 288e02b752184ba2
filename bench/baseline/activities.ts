// The baseline's activities: nothing but the Eko latency the simulator adds in the run being compared, and a
// note to the driver when the "OTP" is out (the eKYC driver learns that from the simulator).
import { setTimeout as delay } from 'node:timers/promises';
import { Context } from '@temporalio/activity';
import { WithStartWorkflowOperation } from '@temporalio/client';
import {
  BASELINE_AGENT_WORKFLOW_TYPE,
  BASELINE_OTP_QUOTA_WORKFLOW_TYPE,
  baselineAgentWorkflowId,
  baselineEkycCompleted,
  baselineOtpQuotaWorkflowId,
  baselineReserveOtpSend,
  type BaselineActivities,
  type BaselineAgentActivities,
} from './shared.js';

export function createBaselineActivities(latencyMs: number, otpSent: (userCode: string) => void): BaselineActivities {
  const pause = () => (latencyMs > 0 ? delay(latencyMs) : Promise.resolve());
  return {
    // The same Temporal calls as activities/otp-quota.ts and activities/agent.ts, to the no-op workflows.
    async reserveOtpSend(input) {
      const { client, info, cancellationSignal } = Context.current();
      const start = new WithStartWorkflowOperation(BASELINE_OTP_QUOTA_WORKFLOW_TYPE, {
        workflowId: baselineOtpQuotaWorkflowId(input.userCode),
        taskQueue: info.taskQueue,
        workflowIdConflictPolicy: 'USE_EXISTING',
        args: [{ userCode: input.userCode, sends: [] }],
      });
      return client.withAbortSignal(cancellationSignal, () =>
        client.workflow.executeUpdateWithStart(baselineReserveOtpSend, {
          updateId: input.requestId,
          args: [{ cooldownMs: input.cooldownMs, perHour: 5, perDay: 10 }],
          startWorkflowOperation: start,
        }),
      );
    },
    async notifyAgentOfEkyc({ userCode, ...ekyc }) {
      const { client, info, cancellationSignal } = Context.current();
      await client.withAbortSignal(cancellationSignal, () =>
        client.workflow.signalWithStart(BASELINE_AGENT_WORKFLOW_TYPE, {
          workflowId: baselineAgentWorkflowId(userCode),
          taskQueue: info.taskQueue,
          args: [{ userCode }],
          signal: baselineEkycCompleted,
          signalArgs: [ekyc],
        }),
      );
    },
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
