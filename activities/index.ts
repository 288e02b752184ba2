// The eKYC activities: each is one Eko call. A classified Eko failure becomes an ApplicationFailure whose type
// the workflow matches and whose nonRetryable/nextRetryDelay come straight from the classification table.
import { ApplicationFailure, Context } from '@temporalio/activity';
import type { EkoConfig, WebhookConfig } from '../config/index.js';
import type { Logger } from '../observability/logger.js';
import type { DailyKycActivities, EkoStep, EkycActivities } from '../common/eko-steps.js';
import { EkoClient, EkoError, type CallOptions } from './eko/client.js';
import { uncertainIfRetriedBiometric } from './eko/classify.js';
import { createOtpQuotaActivities, type OtpSendCaps } from './otp-quota.js';
import { createAgentActivities } from './agent.js';
import type { AgentActivities, AgentPolicy } from '../common/agent.js';
import { createWebhookActivities } from '../events/delivery.js';
import type { WebhookActivities } from '../events/model.js';
import { DEFAULT_OTP_SENDS_PER_DAY, DEFAULT_OTP_SENDS_PER_HOUR, type OtpQuotaActivities } from '../common/otp-quota.js';

export interface ActivityDeps {
  eko: EkoConfig;
  logger?: Logger;
  /** OTPs per agent per hour and per day, across its sessions (EKYC_OTP_SENDS_PER_HOUR / _PER_DAY). */
  otpSends?: OtpSendCaps;
  /** The policy a new fingpayAgent lifecycle starts with (EKYC_DAILY_AUTH_*); the defaults when absent. */
  agentPolicy?: Partial<AgentPolicy>;
  /** Partner webhooks (EKYC_WEBHOOK_*); absent or null: no events are emitted. */
  webhooks?: WebhookConfig | null;
}

/** Everything the worker registers: the Eko steps (eKYC and Daily KYC) and the OTP quota. */
export type WorkerActivities = EkycActivities &
  DailyKycActivities &
  OtpQuotaActivities &
  AgentActivities &
  WebhookActivities;

/** The activity's cancellation signal when running as an activity; nothing when called directly. */
function cancellation(): CallOptions {
  try {
    return { signal: Context.current().cancellationSignal };
  } catch {
    return {};
  }
}

/** Eko calls by step and outcome, and their latency: through the Temporal Runtime's meter (worker /metrics). */
function recordCall(step: EkoStep, outcome: string, durationMs: number): void {
  let meter;
  try {
    meter = Context.current().metricMeter;
  } catch {
    return; // called directly, outside an activity
  }
  meter.createCounter('ekyc_eko_calls', 'calls', 'Eko calls by step and outcome').add(1, { step, outcome });
  meter
    .createHistogram('ekyc_eko_latency', 'int', 'ms', 'Eko call latency by step')
    .record(Math.round(durationMs), { step });
}

function attempt(): number | undefined {
  try {
    return Context.current().info.attempt;
  } catch {
    return undefined;
  }
}

export function createActivities(deps: ActivityDeps): WorkerActivities {
  const client = new EkoClient(deps.eko);
  const log = deps.logger;

  async function run<T>(
    step: EkoStep,
    ids: { userCode: string; clientRefId: string },
    call: (options: CallOptions) => Promise<T>,
  ): Promise<T> {
    const started = Date.now();
    // Only Eko references and outcome codes are logged: the inputs hold the Aadhaar, OTP, PID and mobile.
    const base = { step, userCode: ids.userCode, clientRefId: ids.clientRefId, attempt: attempt() };
    try {
      const result = await call(cancellation());
      log?.info({ ...base, outcome: 'ok', durationMs: Date.now() - started }, 'eko call succeeded');
      recordCall(step, 'ok', Date.now() - started);
      return result;
    } catch (err) {
      if (!(err instanceof EkoError)) {
        recordCall(step, 'error', Date.now() - started);
        throw err;
      }
      const failure = uncertainIfRetriedBiometric(step, base.attempt, err.failure);
      recordCall(step, failure.type, Date.now() - started);
      log?.warn(
        {
          ...base,
          outcome: failure.type,
          retryable: failure.retryable,
          httpStatus: failure.details.httpStatus,
          status: failure.details.status,
          responseTypeId: failure.details.responseTypeId,
          durationMs: Date.now() - started,
        },
        'eko call failed',
      );
      throw ApplicationFailure.create({
        type: failure.type,
        message: failure.message,
        nonRetryable: !failure.retryable,
        ...(failure.retryAfterMs !== undefined ? { nextRetryDelay: failure.retryAfterMs } : {}),
        details: [failure.details],
      });
    }
  }

  return {
    sendOtp: (input) => run('sendOtp', input, (o) => client.sendOtp(input, o)),
    verifyOtp: (input) => run('verifyOtp', input, (o) => client.verifyOtp(input, o)),
    submitBiometric: (input) => run('biometric', input, (o) => client.submitBiometric(input, o)),
    submitDailyKyc: (input) => run('dailyKyc', input, (o) => client.submitDailyKyc(input, o)),
    ...createAgentActivities(deps.agentPolicy),
    ...createWebhookActivities(deps.webhooks ?? null, deps.logger),
    ...createOtpQuotaActivities(
      deps.otpSends ?? { perHour: DEFAULT_OTP_SENDS_PER_HOUR, perDay: DEFAULT_OTP_SENDS_PER_DAY },
    ),
  };
}
