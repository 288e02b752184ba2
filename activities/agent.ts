// The activity that tells an agent's fingpayAgent lifecycle of a completed eKYC: signal-with-start, so the lifecycle
// exists from the first completed eKYC on, however that eKYC was started. Its policy comes from the worker's config.
import { Context } from '@temporalio/activity';
import {
  AGENT_WORKFLOW_TYPE,
  agentWorkflowIdFor,
  type AgentActivities,
  type AgentPolicy,
  type EkycCompletedArg,
} from '../common/agent.js';
import type { fingpayAgent } from '../workflows/agent.js';
import { ekycCompletedSignal } from '../workflows/messages.js';

export function createAgentActivities(policy: Partial<AgentPolicy> | undefined): AgentActivities {
  return {
    async notifyAgentOfEkyc({ userCode, completedAt, customerId, latlong, bankCode, ekycRunId }) {
      const { client, info } = Context.current();
      await client.workflow.signalWithStart<typeof fingpayAgent, [EkycCompletedArg]>(AGENT_WORKFLOW_TYPE, {
        workflowId: agentWorkflowIdFor(userCode),
        taskQueue: info.taskQueue,
        args: [{ userCode, ...(policy ? { policy } : {}) }],
        signal: ekycCompletedSignal,
        signalArgs: [{ completedAt, customerId, latlong, bankCode, ...(ekycRunId ? { ekycRunId } : {}) }],
      });
    },
  };
}
