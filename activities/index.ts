// The eKYC activities: each is one Eko call. A classified Eko failure becomes an ApplicationFailure whose type
// the workflow matches and whose nonRetryable/nextRetryDelay come straight from the classification table.
import { ApplicationFailure, Context } from '@temporalio/activity';
import type { EkoConfig, WebhookConfig } from '../config/index.js';
import type { Logger } from '../observability/logger.js';
import { EKO_ERROR, type DailyKycActivities, type EkoStep, type EkycActivities } from '../common/eko-steps.js';
import { SEALED_DATA_EXPIRED, type DestroyReason, type SealKeyActivities, type SealedKind } from '../common/sealed.js';
import { KeyDestroyedError, type Sealer } from '../keystore/sealer.js';
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
  /**
   * Opens sealed Aadhaar numbers and PidData (keystore/): absent, a sealed value cannot be opened and only plain ones
   * (sessions begun before sealing) are sent.
   */
  sealer?: Sealer;
  /** Partner webhooks (EKYC_WEBHOOK_*); absent or null: no events are emitted. */
  webhooks?: WebhookConfig | null;
}

/** Everything the worker registers: the Eko steps (eKYC and Daily KYC) and the OTP quota. */
export type WorkerActivities = EkycActivities &
  DailyKycActivities &
  OtpQuotaActivities &
  AgentActivities &
  SealKeyActivities &
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

/** Seal keys destroyed, by reason: through the Temporal Runtime's meter (worker /metrics). */
export function recordKeysDestroyed(
  meter: { createCounter(name: string, unit?: string, description?: string): { add(n: number, tags?: object): void } },
  reason: DestroyReason,
  count: number,
): void {
  meter
    .createCounter('ekyc_seal_keys_destroyed', 'keys', 'one-time keys of sealed Aadhaar/PidData destroyed, by reason')
    .add(count, { reason });
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
  const sealer = deps.sealer;

  function keysDestroyed(reason: DestroyReason, count: number, workflowId: string | undefined): void {
    if (count === 0) return; // destroyed already (by the call's own attempt, say)
    log?.info({ keysDestroyed: count, reason, workflowId }, 'seal keys destroyed');
    try {
      recordKeysDestroyed(Context.current().metricMeter, reason, count);
    } catch {
      // called directly, outside an activity
    }
  }

  /**
   * The input with its sealed Aadhaar and PidData opened. A key that is gone on a retry means an earlier attempt may
   * have had Eko's answer (its PID was destroyed after it): the outcome is uncertain, and the PID is never sent again.
   */
  async function opened<I extends { aadhaar: string; pidData?: string }>(step: EkoStep, input: I): Promise<I> {
    if (!sealer) return input;
    try {
      const aadhaar = await sealer.open('aadhaar', input.aadhaar);
      const pidData = input.pidData === undefined ? undefined : await sealer.open('pid', input.pidData);
      return { ...input, aadhaar, ...(pidData === undefined ? {} : { pidData }) };
    } catch (err) {
      if (!(err instanceof KeyDestroyedError)) throw err;
      throw keyGone(step, err.kind);
    }
  }

  function keyGone(step: EkoStep, kind: SealedKind): ApplicationFailure {
    const retried = (attempt() ?? 1) > 1;
    if (kind === 'pid' && retried) {
      return ApplicationFailure.create({
        type: EKO_ERROR.OutcomeUncertain,
        nonRetryable: true,
        message:
          `on attempt ${attempt()} the PidData was gone: it is destroyed once Eko has answered, so an earlier attempt ` +
          'may have completed at Eko; check with Eko before starting again',
        details: [{ step }],
      });
    }
    return ApplicationFailure.create({
      type: SEALED_DATA_EXPIRED,
      nonRetryable: true,
      message:
        kind === 'pid'
          ? 'the PidData expired unused (EKYC_PID_TTL); capture the fingerprint again'
          : 'the Aadhaar number of this session is no longer available; start a new session',
      details: [{ step }],
    });
  }

  /** Once Eko has answered (either way), the sealed PidData (and a Daily KYC's Aadhaar) is of no further use. */
  async function destroyUsed(values: (string | undefined)[], kinds: SealedKind[]): Promise<void> {
    if (!sealer) return;
    let workflowId: string | undefined;
    try {
      workflowId = Context.current().info.workflowExecution?.workflowId;
    } catch {
      workflowId = undefined;
    }
    try {
      let count = 0;
      for (const kind of kinds) count += await sealer.shred(kind, values);
      if (count > 0) keysDestroyed('used', count, workflowId);
    } catch (err) {
      // The workflow destroys them too when the step ends, and the sweeper at their expiry.
      log?.warn({ workflowId, errMessage: (err as Error).message }, 'seal keys could not be destroyed after use');
    }
  }

  async function run<T>(
    step: EkoStep,
    ids: { userCode: string; clientRefId: string },
    call: (options: CallOptions) => Promise<T>,
    /** Run once Eko has answered, accepted or refused (not on a failure that will be retried). */
    answered?: () => Promise<void>,
  ): Promise<T> {
    const started = Date.now();
    // Only Eko references and outcome codes are logged: the inputs hold the Aadhaar, OTP, PID and mobile.
    const base = { step, userCode: ids.userCode, clientRefId: ids.clientRefId, attempt: attempt() };
    try {
      const result = await call(cancellation());
      await answered?.();
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
      if (!failure.retryable) await answered?.();
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
    sendOtp: async (input) => {
      const plain = await opened('sendOtp', input);
      return run('sendOtp', input, (o) => client.sendOtp(plain, o));
    },
    verifyOtp: async (input) => {
      const plain = await opened('verifyOtp', input);
      return run('verifyOtp', input, (o) => client.verifyOtp(plain, o));
    },
    submitBiometric: async (input) => {
      const plain = await opened('biometric', input);
      return run(
        'biometric',
        input,
        (o) => client.submitBiometric(plain, o),
        () => destroyUsed([input.pidData], ['pid']),
      );
    },
    submitDailyKyc: async (input) => {
      const plain = await opened('dailyKyc', input);
      return run(
        'dailyKyc',
        input,
        (o) => client.submitDailyKyc(plain, o),
        () => destroyUsed([input.pidData, input.aadhaar], ['pid', 'aadhaar']),
      );
    },
    async destroySealKeys({ keyIds, reason }) {
      if (!sealer || keyIds.length === 0) return 0;
      const count = await sealer.store.destroy(keyIds);
      keysDestroyed(reason, count, Context.current().info.workflowExecution?.workflowId);
      return count;
    },
    ...createAgentActivities(deps.agentPolicy),
    ...createWebhookActivities(deps.webhooks ?? null, deps.logger),
    ...createOtpQuotaActivities(
      deps.otpSends ?? { perHour: DEFAULT_OTP_SENDS_PER_HOUR, perDay: DEFAULT_OTP_SENDS_PER_DAY },
    ),
  };
}
