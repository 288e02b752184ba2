// Where the workflows say "this happened" to the partner backend: emit() hands an event to the emit activity
// (events/delivery.ts) without waiting, in order, and flush() is awaited before a run ends. Delivery, retries and
// a slow or dead receiver are the per-agent fingpayWebhooks workflow's business, never the session's.
import { ActivityFailure, log, patched, workflowInfo, type ActivityOptions } from '@temporalio/workflow';
import type { AgentState } from '../common/agent.js';
import type { Stage } from '../common/domain.js';
import type { AgentEventData, EventData, WebhookActivities, WebhookEventType } from '../events/model.js';
import { proxyActivitiesStartedWithin } from './task-start.js';
import type { Shield } from './shield.js';

const EKYC_EVENT: Partial<Record<Stage, WebhookEventType>> = {
  COMPLETED: 'ekyc.completed',
  FAILED: 'ekyc.failed',
  EXPIRED: 'ekyc.expired',
  CANCELLED: 'ekyc.cancelled',
};

/** patched() id of emitting partner events (runs begun before it replay without). */
export const WEBHOOK_EVENTS_PATCH = 'webhook-events';

/**
 * Handing over is one signal-with-start on the Temporal server the worker already talks to; retried for an hour
 * (the server itself being away), then logged and dropped rather than holding a session open. A task no worker
 * started is scheduled again within that hour (workflows/task-start.ts).
 */
export const EVENT_HANDOVER_OPTIONS = {
  summary: 'Partner event',
  startToCloseTimeout: '30s',
  scheduleToCloseTimeout: '1h',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m' },
} satisfies ActivityOptions;
const { emitWebhookEvent } = proxyActivitiesStartedWithin<WebhookActivities>(EVENT_HANDOVER_OPTIONS);

export class WorkflowEvents {
  private tail: Promise<void> = Promise.resolve();
  private count = 0;

  /** `shielded`: the run's non-cancellable scope, so a session cancelled through Temporal still hands its events over. */
  constructor(private readonly shielded: Shield) {}
  /** Emits an event (a no-op for a run begun before events existed). Never throws, never waits. */
  emit(type: WebhookEventType, data: EventData): void {
    if (!patched(WEBHOOK_EVENTS_PATCH)) return;
    this.count += 1;
    // Unique and the same on replay: the run id and this run's count (Standard Webhooks' `msg_` prefix).
    const id = `msg_${workflowInfo().runId.replace(/-/g, '')}_${this.count}`;
    const event = { id, type, timestamp: new Date().toISOString(), data };
    // Chained, so the agent's events reach its queue in the order they happened.
    this.tail = this.tail.then(() =>
      this.shielded(() => emitWebhookEvent(event)).catch((err) => {
        if (!(err instanceof ActivityFailure)) throw err;
        log.error('a partner event could not be handed to its delivery queue', { type, userCode: data.userCode });
      }),
    );
  }

  /** fingpayEkyc reached a final stage: its code, never the cancel reason or an Eko message (free text). */
  ekycEnded(userCode: string, stage: Stage, code: string | null, completedAt: string | null): void {
    const type = EKYC_EVENT[stage];
    const { workflowId, runId } = workflowInfo();
    if (type) this.emit(type, { userCode, workflowId, runId, stage, code, completedAt });
  }

  /** fingpayAgent's Daily KYC outcome (or what followed from it). */
  agent(
    type: Extract<WebhookEventType, `agent.${string}`>,
    userCode: string,
    state: AgentState,
    date: string,
    extra: Partial<Pick<AgentEventData, 'code' | 'attemptsLeft' | 'validUntil' | 'retryAfter'>> = {},
  ): void {
    this.emit(type, {
      userCode,
      workflowId: workflowInfo().workflowId,
      state,
      date,
      code: extra.code ?? null,
      attemptsLeft: extra.attemptsLeft ?? null,
      validUntil: extra.validUntil ?? null,
      retryAfter: extra.retryAfter ?? null,
    });
  }

  /** Resolves once every event emitted so far has been handed over. */
  flush(): Promise<void> {
    return this.tail;
  }
}
