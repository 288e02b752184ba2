// Events to the partner backend (CONTRACT.md "Events to the partner backend (webhooks)"): the event types, what each
// carries, and the per-agent delivery workflow's names and messages. Pure: the workflow sandbox, the activities and
// the clients share it. Nothing here may ever carry PII: user codes, workflow ids, stages, states, codes and times.
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { AgentState } from '../common/agent.js';
import type { Stage } from '../common/domain.js';

export const WEBHOOK_EVENT_TYPES = [
  'ekyc.completed',
  'ekyc.failed',
  'ekyc.expired',
  'ekyc.cancelled',
  'agent.daily_auth.succeeded',
  'agent.daily_auth.failed',
  'agent.daily_auth.blocked',
  'agent.rekyc_required',
] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

/** `data` of an `ekyc.*` event: the session's final stage and, unless completed, the code it ended with. */
export interface EkycEventData {
  userCode: string;
  workflowId: string;
  runId: string;
  stage: Stage;
  code: string | null;
  completedAt: string | null;
}

/** `data` of an `agent.*` event: the lifecycle's state after the Daily KYC call, and Eko's code when refused. */
export interface AgentEventData {
  userCode: string;
  workflowId: string;
  state: AgentState;
  /** The IST day (`YYYY-MM-DD`) the Daily KYC counted for. */
  date: string;
  code: string | null;
  attemptsLeft: number | null;
  /** Succeeded: authenticated until then. Blocked: the next attempt is allowed then. */
  validUntil: string | null;
  retryAfter: string | null;
}

export type EventData = EkycEventData | AgentEventData;

/** What a workflow says happened; the delivery workflow adds the agent's `sequence`. */
export interface EmittedEvent {
  /** `webhook-id`: the same on every delivery attempt and redelivery. */
  id: string;
  type: WebhookEventType;
  /** When it happened (ISO 8601); the body's `timestamp`. */
  timestamp: string;
  data: EventData;
}

/** An event as delivered: `data.sequence` counts 1, 2, 3… per agent across all its sessions and its lifecycle. */
export interface WebhookEvent extends EmittedEvent {
  data: EventData & { sequence: number };
}

/** The body of a delivery, exactly as signed. */
export const webhookBody = (event: WebhookEvent): string =>
  JSON.stringify({ type: event.type, timestamp: event.timestamp, data: event.data });

/** How deliveries are retried: the worker's configuration (EKYC_WEBHOOK_*) when the event was emitted. */
export interface DeliveryPolicy {
  /** How long one event is retried before it is marked failed (Temporal duration, e.g. `24h`). */
  retryFor: string;
  /** Longest wait between two attempts (backoff doubles from 1s up to it). */
  maxInterval: string;
  /** One attempt's bound (the receiver's answer), in ms. */
  attemptTimeoutMs: number;
}

export const DEFAULT_DELIVERY_POLICY: DeliveryPolicy = {
  retryFor: '24h',
  maxInterval: '10m',
  attemptTimeoutMs: 10_000,
};

export interface FailedEvent {
  event: WebhookEvent;
  failedAt: string;
  /** Why the last attempt failed: `HTTP 500`, `timeout`, `gone (410)`, … never a body. */
  reason: string;
}

export interface WebhookDeliveryStatus {
  userCode: string;
  /** The sequence the next event gets. */
  nextSequence: number;
  delivered: number;
  /** Waiting or being delivered, in order. */
  pending: { id: string; type: WebhookEventType; sequence: number }[];
  failed: { id: string; type: WebhookEventType; sequence: number; failedAt: string; reason: string }[];
}

export const WEBHOOKS_WORKFLOW_TYPE = 'fingpayWebhooks';
export const WEBHOOKS_WORKFLOW_ID_PREFIX = 'fingpay-webhooks-';
export const webhooksWorkflowIdFor = (userCode: string) => `${WEBHOOKS_WORKFLOW_ID_PREFIX}${userCode}`;

/** Input of a fingpayWebhooks run (and what continue-as-new carries). */
export interface WebhooksInput {
  userCode: string;
  nextSequence?: number;
  delivered?: number;
  queue?: WebhookEvent[];
  failed?: FailedEvent[];
  /** Ids already taken, newest last (a retried emit is not queued twice). */
  seen?: string[];
  policy?: DeliveryPolicy;
}

export interface WebhookEventArg {
  event: EmittedEvent;
  policy: DeliveryPolicy;
}

export interface RedeliverArg {
  /** Failed events to deliver again; absent: all of this agent's. */
  ids?: string[];
}

export const webhookEventSignal = defineSignal<[WebhookEventArg]>('webhookEvent');
export const redeliverWebhooksUpdate = defineUpdate<{ requeued: string[] }, [RedeliverArg]>('redeliverWebhooks');
export const webhooksStatusQuery = defineQuery<WebhookDeliveryStatus>('webhooks');

/** Events of this agent that exhausted their retries and wait for `ekyc webhooks redeliver` (0: none). */
export const WEBHOOK_FAILURES_SA = defineSearchAttributeKey('WebhookFailures', SearchAttributeType.INT);

/** Activity failure types the delivery workflow does not retry. */
export const WEBHOOK_FAILURE = {
  /** The receiver answered 410 Gone: this event is not wanted. */
  gone: 'WebhookGone',
  /** EKYC_WEBHOOK_URL is unset on the worker that took the attempt. */
  notConfigured: 'WebhookNotConfigured',
} as const;

export interface WebhookActivities {
  /** Hands an event to the agent's fingpayWebhooks (signal-with-start); nothing when no EKYC_WEBHOOK_URL is set. */
  emitWebhookEvent(event: EmittedEvent): Promise<void>;
  /** One signed POST of an event to EKYC_WEBHOOK_URL: 2xx is delivery, anything else throws. */
  deliverWebhook(event: WebhookEvent): Promise<{ status: number }>;
}

/** Standard Webhooks event ids: `msg_` and up to 100 letters, digits, `_` or `-`. */
export const EVENT_ID = /^msg_[A-Za-z0-9_-]{1,100}$/;
