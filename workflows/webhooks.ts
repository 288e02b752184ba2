// fingpayWebhooks: one per agent, for ever. It numbers the agent's events (`sequence`) in the order they arrive and
// delivers them one at a time, in that order, each by an activity retried with backoff for EKYC_WEBHOOK_RETRY_FOR.
// An event that exhausts its retries (or meets a 410) is kept as failed, counted in the WebhookFailures search
// attribute, and waits for redeliverWebhooks. The sessions that emit events never wait for any of this.
import {
  ActivityFailure,
  ApplicationFailure,
  allHandlersFinished,
  condition,
  continueAsNew,
  metricMeter,
  setCurrentDetails,
  setWorkflowOptions,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import {
  DEFAULT_DELIVERY_POLICY,
  EVENT_ID,
  WEBHOOK_EVENT_TYPES,
  WEBHOOK_FAILURE,
  WEBHOOK_FAILURES_SA,
  redeliverWebhooksUpdate,
  webhookEventSignal,
  webhooksStatusQuery,
  type DeliveryPolicy,
  type EmittedEvent,
  type FailedEvent,
  type WebhookActivities,
  type WebhookEvent,
  type WebhooksInput,
} from '../events/model.js';
import { PATTERNS, durationToMs } from '../common/checks.js';
import { EKO_USER_CODE_SA, VALIDATOR_REJECTION } from './messages.js';
import { versioningOptions } from './versioning.js';
import { proxyActivitiesStartedWithin } from './task-start.js';

/** Continue as new past this many events in history, carrying the queue, the failed events and the counters. */
export const WEBHOOK_EVENTS_PER_RUN = 2_000;
/** Ids remembered to drop a repeated emit (an emit activity retried after its signal landed). */
const SEEN_IDS = 500;
/** Failed events kept for redelivery; beyond it the oldest is dropped (and logged). */
const MAX_FAILED = 200;
const MAX_REDELIVER_IDS = 200;

const failedEvents = () =>
  metricMeter.createCounter('ekyc_webhooks_failed', 'events', 'webhook events that exhausted their retries, by type');
const deliveredEvents = () =>
  metricMeter.createCounter('ekyc_webhooks_delivered', 'events', 'webhook events delivered, by type');

/** A policy as the emitting worker configured it, each field falling back to the default when out of bounds. */
function checkedPolicy(p: Partial<DeliveryPolicy> | undefined): DeliveryPolicy {
  const duration = (v: unknown, fallback: string, maxMs: number) =>
    typeof v === 'string' &&
    v.length <= 32 &&
    PATTERNS.duration.test(v) &&
    durationToMs(v) >= 1_000 &&
    durationToMs(v) <= maxMs
      ? v
      : fallback;
  const timeout = p?.attemptTimeoutMs;
  return {
    retryFor: duration(p?.retryFor, DEFAULT_DELIVERY_POLICY.retryFor, 7 * 86_400_000),
    maxInterval: duration(p?.maxInterval, DEFAULT_DELIVERY_POLICY.maxInterval, 3_600_000),
    attemptTimeoutMs:
      typeof timeout === 'number' && Number.isInteger(timeout) && timeout >= 100 && timeout <= 60_000
        ? timeout
        : DEFAULT_DELIVERY_POLICY.attemptTimeoutMs,
  };
}

const validEvent = (e: unknown): e is EmittedEvent => {
  const event = e as { id?: unknown; type?: unknown; timestamp?: unknown; data?: unknown } | null;
  return (
    typeof event?.id === 'string' &&
    EVENT_ID.test(event.id) &&
    (WEBHOOK_EVENT_TYPES as readonly unknown[]).includes(event.type) &&
    typeof event.timestamp === 'string' &&
    typeof event.data === 'object' &&
    event.data !== null
  );
};

setWorkflowOptions(versioningOptions('fingpayWebhooks'), fingpayWebhooks);
export async function fingpayWebhooks(input: WebhooksInput): Promise<void> {
  if (typeof input?.userCode !== 'string' || !PATTERNS.userCode.test(input.userCode)) {
    throw ApplicationFailure.create({
      type: VALIDATOR_REJECTION.invalidArgument,
      message: 'invalid input: userCode: must be 8 digits',
      nonRetryable: true,
    });
  }
  return new WebhookQueue(input).run();
}

class WebhookQueue {
  private readonly userCode: string;
  private nextSequence: number;
  private delivered: number;
  private readonly queue: WebhookEvent[];
  private failed: FailedEvent[];
  private readonly seen: string[];
  private policy: DeliveryPolicy;
  private inFlight: WebhookEvent | null = null;
  /** Redelivery requests, served by the main loop (so an update completes after what it caused, traced or not). */
  private readonly redeliveries: { ids: string[] | undefined; requeued?: string[] }[] = [];
  private publishedFailures = -1;

  constructor(input: WebhooksInput) {
    this.userCode = input.userCode;
    this.nextSequence = input.nextSequence ?? 1;
    this.delivered = input.delivered ?? 0;
    this.queue = [...(input.queue ?? [])];
    this.failed = [...(input.failed ?? [])];
    this.seen = [...(input.seen ?? [])];
    this.policy = checkedPolicy(input.policy);
    this.installHandlers();
  }

  async run(): Promise<void> {
    upsertSearchAttributes([{ key: EKO_USER_CODE_SA, value: this.userCode }]);
    for (;;) {
      this.serveRedeliveries();
      const event = this.queue.shift();
      if (event) {
        this.inFlight = event;
        let done = false;
        const delivery = this.deliver(event).finally(() => (done = true));
        // A redelivery asked for meanwhile is served at once, not after this event's retries.
        while (!done) {
          await condition(() => done || this.redeliveries.length > 0);
          this.serveRedeliveries();
        }
        await delivery;
        this.inFlight = null;
        continue;
      }
      if (this.runIsLong() && allHandlersFinished()) {
        await continueAsNew<typeof fingpayWebhooks>(this.carry());
      }
      await condition(
        () => this.queue.length > 0 || this.redeliveries.length > 0 || (this.runIsLong() && allHandlersFinished()),
      );
    }
  }

  /** Moves the failed events each waiting redelivery names back to the front of the queue, in sequence order. */
  private serveRedeliveries(): void {
    for (let request = this.redeliveries.shift(); request; request = this.redeliveries.shift()) {
      const { ids } = request;
      const chosen = this.failed.filter((f) => ids === undefined || ids.includes(f.event.id));
      this.failed = this.failed.filter((f) => !chosen.includes(f));
      // Ahead of newer events: same id, same sequence, same body.
      this.queue.unshift(...chosen.map((f) => f.event).sort((a, b) => a.data.sequence - b.data.sequence));
      request.requeued = chosen.map((f) => f.event.id);
    }
    this.publish();
  }

  private async deliver(event: WebhookEvent): Promise<void> {
    const { deliverWebhook } = proxyActivitiesStartedWithin<WebhookActivities>({
      summary: `Webhook ${event.type} #${event.data.sequence}`,
      // The receiver's time plus a margin: an attempt lost with a crashed worker is retried after this.
      startToCloseTimeout: this.policy.attemptTimeoutMs + 5_000,
      // Every attempt of one event, backoff included: then it is failed and waits for a redelivery. A task no worker
      // started is scheduled again within it (workflows/task-start.ts): a lost one would hold the agent's queue.
      scheduleToCloseTimeout: this.policy.retryFor,
      retry: {
        initialInterval: '1s',
        backoffCoefficient: 2,
        maximumInterval: this.policy.maxInterval,
        nonRetryableErrorTypes: [WEBHOOK_FAILURE.gone, WEBHOOK_FAILURE.notConfigured],
      },
    });
    try {
      await deliverWebhook(event);
      this.delivered += 1;
      deliveredEvents().add(1, { type: event.type });
    } catch (err) {
      if (!(err instanceof ActivityFailure)) throw err;
      const cause = err.cause as { type?: string; message?: string; name?: string } | undefined;
      const reason =
        cause instanceof ApplicationFailure
          ? cause.message
          : cause?.name === 'TimeoutFailure'
            ? `not delivered within ${this.policy.retryFor}`
            : 'not delivered';
      this.failed.push({ event, failedAt: new Date().toISOString(), reason: reason.slice(0, 200) });
      if (this.failed.length > MAX_FAILED) this.failed.shift();
      failedEvents().add(1, { type: event.type });
    }
  }

  private runIsLong(): boolean {
    const info = workflowInfo();
    return info.historyLength >= WEBHOOK_EVENTS_PER_RUN || info.continueAsNewSuggested;
  }

  private carry(): WebhooksInput {
    return {
      userCode: this.userCode,
      nextSequence: this.nextSequence,
      delivered: this.delivered,
      queue: this.queue,
      failed: this.failed,
      seen: this.seen,
      policy: this.policy,
    };
  }

  /** The WebhookFailures search attribute (only when it changes) and the Temporal UI's details. */
  private publish(): void {
    if (this.failed.length !== this.publishedFailures) {
      upsertSearchAttributes([{ key: WEBHOOK_FAILURES_SA, value: this.failed.length }]);
      this.publishedFailures = this.failed.length;
    }
    setCurrentDetails(
      [
        `**Next sequence:** ${this.nextSequence}`,
        `Delivered: ${this.delivered}`,
        `Pending: ${this.queue.length + (this.inFlight ? 1 : 0)}`,
        `Failed: ${this.failed.length}`,
      ].join('\n\n'),
    );
  }

  private installHandlers(): void {
    setHandler(webhooksStatusQuery, () => ({
      userCode: this.userCode,
      nextSequence: this.nextSequence,
      delivered: this.delivered,
      pending: [...(this.inFlight ? [this.inFlight] : []), ...this.queue].map((e) => ({
        id: e.id,
        type: e.type,
        sequence: e.data.sequence,
      })),
      failed: this.failed.map((f) => ({
        id: f.event.id,
        type: f.event.type,
        sequence: f.event.data.sequence,
        failedAt: f.failedAt,
        reason: f.reason,
      })),
    }));

    setHandler(webhookEventSignal, (arg) => {
      // Sent only by the emit activity; anything else is dropped rather than allowed to fail the task.
      const event = arg?.event;
      if (!validEvent(event) || event.data.userCode !== this.userCode) return;
      if (this.seen.includes(event.id)) return;
      this.seen.push(event.id);
      if (this.seen.length > SEEN_IDS) this.seen.shift();
      this.policy = checkedPolicy(arg.policy);
      this.queue.push({ ...event, data: { ...event.data, sequence: this.nextSequence++ } });
    });

    setHandler(
      redeliverWebhooksUpdate,
      async (arg) => {
        const request: { ids: string[] | undefined; requeued?: string[] } = { ids: arg?.ids };
        this.redeliveries.push(request);
        await condition(() => request.requeued !== undefined);
        return { requeued: request.requeued! };
      },
      {
        validator: (arg) => {
          const ids = (arg as { ids?: unknown } | undefined)?.ids;
          if (ids === undefined) return;
          if (
            !Array.isArray(ids) ||
            ids.length > MAX_REDELIVER_IDS ||
            !ids.every((id) => typeof id === 'string' && EVENT_ID.test(id))
          ) {
            throw ApplicationFailure.create({
              type: VALIDATOR_REJECTION.invalidArgument,
              message: `invalid input: ids: must be at most ${MAX_REDELIVER_IDS} event ids (msg_…)`,
              details: [{ errors: [{ field: 'ids', rule: 'must be a list of event ids (msg_…)' }] }],
            });
          }
          const unknown = ids.filter((id) => !this.failed.some((f) => f.event.id === id));
          if (unknown.length) {
            throw ApplicationFailure.create({
              type: VALIDATOR_REJECTION.invalidArgument,
              message: `not a failed event of this agent: ${unknown.slice(0, 5).join(', ')}`,
              details: [{ errors: [{ field: 'ids', rule: 'must name failed events of this agent' }] }],
            });
          }
        },
      },
    );
  }
}
