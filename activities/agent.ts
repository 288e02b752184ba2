// The activity that tells an agent's fingpayAgent lifecycle of a completed eKYC: signal-with-start, so the lifecycle
// exists from the first completed eKYC on, however that eKYC was started. Its policy comes from the worker's config.
import { Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import {
  AGENT_WORKFLOW_TYPE,
  agentWorkflowIdFor,
  type AgentActivities,
  type AgentPolicy,
  type EkycCompletedArg,
} from '../common/agent.js';
import type { fingpayAgent } from '../workflows/agent.js';
import { ekycCompletedSignal } from '../workflows/messages.js';

/**
 * Signal-with-start of the agent's lifecycle with a completed eKYC: what the activity does, and what the morning-rush
 * benchmark (bench/rush.ts) does for agents whose eKYC completed before it began. `client` must carry the codec.
 */
export async function signalEkycCompleted(
  client: Client,
  taskQueue: string,
  policy: Partial<AgentPolicy> | undefined,
  { userCode, completedAt, customerId, latlong, bankCode, ekycRunId }: EkycCompletedArg & { userCode: string },
): Promise<void> {
  await client.workflow.signalWithStart<typeof fingpayAgent, [EkycCompletedArg]>(AGENT_WORKFLOW_TYPE, {
    workflowId: agentWorkflowIdFor(userCode),
    taskQueue,
    args: [{ userCode, ...(policy ? { policy } : {}) }],
    signal: ekycCompletedSignal,
    signalArgs: [{ completedAt, customerId, latlong, bankCode, ...(ekycRunId ? { ekycRunId } : {}) }],
  });
}

export function createAgentActivities(policy: Partial<AgentPolicy> | undefined): AgentActivities {
  return {
    async notifyAgentOfEkyc(input) {
      const { client, info, cancellationSignal } = Context.current();
      await client.withAbortSignal(cancellationSignal, () =>
        signalEkycCompleted(client, info.taskQueue, policy, input),
      );
    },
  };
}
