// Operators' view of partner events: the events that exhausted their retries (per agent, found through the
// WebhookFailures search attribute) and their redelivery (same webhook-id, sequence and body). `ekyc webhooks …`.
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { ValidationError } from '../common/validation.js';
import {
  EVENT_ID,
  WEBHOOKS_WORKFLOW_TYPE,
  redeliverWebhooksUpdate,
  webhooksStatusQuery,
  webhooksWorkflowIdFor,
} from '../events/model.js';
import { validateUserCode } from './index.js';

/** At most this many agents are looked at per command (each is one query). */
export const MAX_AGENTS_LISTED = 1_000;

export interface FailedWebhook {
  userCode: string;
  id: string;
  type: string;
  sequence: number;
  failedAt: string;
  reason: string;
}

function checkIds(ids: readonly string[] | undefined): void {
  if (ids === undefined) return;
  if (ids.length > 200 || !ids.every((id) => typeof id === 'string' && id.length <= 104 && EVENT_ID.test(id))) {
    throw new ValidationError([
      { field: 'eventId', rule: 'must be at most 200 event ids, each msg_ and 1-100 of A-Z a-z 0-9 _ -' },
    ]);
  }
}

/** User codes of the agents whose delivery queue holds failed events (visibility is eventually consistent). */
async function agentsWithFailures(client: Client, userCode?: string): Promise<string[]> {
  if (userCode !== undefined) return [userCode];
  const codes: string[] = [];
  const query = `WorkflowType = '${WEBHOOKS_WORKFLOW_TYPE}' AND ExecutionStatus = 'Running' AND WebhookFailures > 0`;
  for await (const wf of client.workflow.list({ query })) {
    const code = wf.workflowId.slice(webhooksWorkflowIdFor('').length);
    if (/^\d{8}$/.test(code)) codes.push(code);
    if (codes.length >= MAX_AGENTS_LISTED) break;
  }
  return codes.sort();
}

/** Every failed event, oldest sequence first per agent; one agent's when `userCode` is given. */
export async function failedWebhooks(client: Client, userCode?: string): Promise<{ failed: FailedWebhook[] }> {
  if (userCode !== undefined) validateUserCode(userCode);
  const failed: FailedWebhook[] = [];
  for (const code of await agentsWithFailures(client, userCode)) {
    try {
      const status = await client.workflow.getHandle(webhooksWorkflowIdFor(code)).query(webhooksStatusQuery);
      failed.push(...status.failed.map((f) => ({ userCode: code, ...f })));
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError)) throw err;
    }
  }
  return { failed };
}

/**
 * Queues failed events again, ahead of newer ones: the named `ids` of one agent, all of one agent's, or (no user
 * code) all failed events of every agent. Returns what was requeued.
 */
export async function redeliverWebhooks(
  client: Client,
  userCode?: string,
  ids?: string[],
): Promise<{ requeued: { userCode: string; id: string }[] }> {
  if (userCode !== undefined) validateUserCode(userCode);
  checkIds(ids);
  if (ids !== undefined && userCode === undefined) {
    throw new ValidationError([{ field: 'userCode', rule: 'is required with eventId' }]);
  }
  const requeued: { userCode: string; id: string }[] = [];
  for (const code of await agentsWithFailures(client, userCode)) {
    const handle = client.workflow.getHandle(webhooksWorkflowIdFor(code));
    const result = await handle.executeUpdate(redeliverWebhooksUpdate, { args: [ids ? { ids } : {}] });
    requeued.push(...result.requeued.map((id) => ({ userCode: code, id })));
  }
  return { requeued };
}
