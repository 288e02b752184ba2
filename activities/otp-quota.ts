// The reserveOtpSend activity: asks the agent's fingpayOtpQuota workflow (starting it if none runs) whether one more
// OTP may be sent, with the caps from the worker's configuration. The update id is the session's request id, so a
// retried activity gets the first answer instead of reserving twice.
import { Context } from '@temporalio/activity';
import { WithStartWorkflowOperation } from '@temporalio/client';
import {
  OTP_QUOTA_WORKFLOW_TYPE,
  otpQuotaWorkflowIdFor,
  type OtpQuotaActivities,
  type OtpQuotaState,
} from '../common/otp-quota.js';
import { reserveOtpSendUpdate } from '../workflows/messages.js';

export interface OtpSendCaps {
  perHour: number;
  perDay: number;
}

export function createOtpQuotaActivities(caps: OtpSendCaps): OtpQuotaActivities {
  return {
    async reserveOtpSend(input) {
      const { client, info, cancellationSignal } = Context.current();
      const start = new WithStartWorkflowOperation<(state: OtpQuotaState) => Promise<void>>(OTP_QUOTA_WORKFLOW_TYPE, {
        workflowId: otpQuotaWorkflowIdFor(input.userCode),
        taskQueue: info.taskQueue,
        workflowIdConflictPolicy: 'USE_EXISTING',
        args: [{ userCode: input.userCode, sends: [] }],
      });
      // The update waits for a workflow task, which a worker that is shutting down no longer takes: the activity's
      // cancellation (the worker's shutdown grace time, a timeout) ends the call instead of holding the shutdown.
      return client.withAbortSignal(cancellationSignal, () =>
        client.workflow.executeUpdateWithStart(reserveOtpSendUpdate, {
          updateId: input.requestId,
          args: [{ cooldownMs: input.cooldownMs, perHour: caps.perHour, perDay: caps.perDay }],
          startWorkflowOperation: start,
        }),
      );
    },
  };
}
