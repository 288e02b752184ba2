// The webhook activities: emitWebhookEvent hands an event to the agent's fingpayWebhooks workflow (signal-with-start,
// so the per-agent queue exists from the first event on), and deliverWebhook makes one signed POST of it. Retries,
// backoff and the 24 h bound are the delivery workflow's activity options (workflows/webhooks.ts).
import { ApplicationFailure, Context } from '@temporalio/activity';
import type { WebhookConfig } from '../config/index.js';
import type { Logger } from '../observability/logger.js';
import {
  WEBHOOK_FAILURE,
  WEBHOOKS_WORKFLOW_TYPE,
  webhookBody,
  webhookEventSignal,
  webhooksWorkflowIdFor,
  type WebhookActivities,
  type WebhookEventArg,
  type WebhooksInput,
} from './model.js';
import { webhookHeaders } from './signing.js';

function recordDelivery(outcome: string, durationMs: number): void {
  let meter;
  try {
    meter = Context.current().metricMeter;
  } catch {
    return; // called directly, outside an activity
  }
  meter.createCounter('ekyc_webhook_attempts', 'attempts', 'webhook delivery attempts by outcome').add(1, { outcome });
  meter
    .createHistogram('ekyc_webhook_latency', 'int', 'ms', "the receiver's answer time")
    .record(Math.round(durationMs));
}

/** The activity's cancellation and the attempt bound, in one signal. */
function attemptSignal(timeoutMs: number): AbortSignal {
  const bound = AbortSignal.timeout(timeoutMs);
  try {
    return AbortSignal.any([bound, Context.current().cancellationSignal]);
  } catch {
    return bound;
  }
}

export function createWebhookActivities(config: WebhookConfig | null, logger?: Logger): WebhookActivities {
  return {
    async emitWebhookEvent(event) {
      // No URL: no events (CONTRACT.md). Nothing is queued, so turning webhooks on later sends only new events.
      if (!config) return;
      const { client, info, cancellationSignal } = Context.current();
      const userCode = event.data.userCode;
      await client.withAbortSignal(cancellationSignal, () =>
        client.workflow.signalWithStart<(input: WebhooksInput) => Promise<void>, [WebhookEventArg]>(
          WEBHOOKS_WORKFLOW_TYPE,
          {
            workflowId: webhooksWorkflowIdFor(userCode),
            taskQueue: info.taskQueue,
            args: [{ userCode, policy: config.policy }],
            signal: webhookEventSignal,
            signalArgs: [{ event, policy: config.policy }],
            staticSummary: `Webhook events of agent ${userCode}`,
          },
        ),
      );
    },

    async deliverWebhook(event) {
      if (!config) {
        throw ApplicationFailure.create({
          type: WEBHOOK_FAILURE.notConfigured,
          message: 'EKYC_WEBHOOK_URL is not set on this worker',
          nonRetryable: true,
        });
      }
      const body = webhookBody(event);
      const base = { eventId: event.id, type: event.type, sequence: event.data.sequence, attempt: attemptOf() };
      const started = Date.now();
      let status: number;
      try {
        const response = await fetch(config.url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'user-agent': 'fingpay-ekyc-webhooks',
            ...webhookHeaders(config.keys, event.id, body),
          },
          body,
          // A redirect is not delivery: it could carry the event elsewhere.
          redirect: 'manual',
          signal: attemptSignal(config.policy.attemptTimeoutMs),
        });
        status = response.status;
        // The receiver's body is never read into logs; draining it frees the connection.
        await response.body?.cancel().catch(() => undefined);
      } catch (err) {
        const timedOut = (err as Error).name === 'TimeoutError';
        const reason = timedOut ? `timeout after ${config.policy.attemptTimeoutMs} ms` : 'unreachable';
        recordDelivery(timedOut ? 'timeout' : 'unreachable', Date.now() - started);
        logger?.warn({ ...base, outcome: reason }, 'webhook delivery failed');
        throw ApplicationFailure.create({ type: 'WebhookUnreachable', message: reason });
      }
      recordDelivery(String(status), Date.now() - started);
      if (status >= 200 && status < 300) {
        logger?.info({ ...base, status, durationMs: Date.now() - started }, 'webhook delivered');
        return { status };
      }
      logger?.warn({ ...base, status }, 'webhook delivery refused');
      if (status === 410) {
        throw ApplicationFailure.create({
          type: WEBHOOK_FAILURE.gone,
          message: 'gone (410): the receiver does not want this event',
          nonRetryable: true,
        });
      }
      throw ApplicationFailure.create({ type: 'WebhookRefused', message: `HTTP ${status}` });
    },
  };
}

function attemptOf(): number | undefined {
  try {
    return Context.current().info.attempt;
  } catch {
    return undefined;
  }
}
