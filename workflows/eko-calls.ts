// How the workflow calls Eko: activity options (retry bounds), step summaries, client_ref_id, and the one
// place that turns an activity failure into a verdict (permanent with Eko's code, or Eko unavailable).
import { ActivityFailure, ApplicationFailure } from '@temporalio/workflow';
import type { ActivityOptions } from '@temporalio/workflow';
import {
  PERMANENT_EKO_ERRORS,
  type DailyKycActivities,
  type DailyKycInput,
  type DailyKycOutput,
  type EkoErrorType,
  type EkoStep,
  type EkycActivities,
} from '../common/eko-steps.js';
import type { LastError } from '../common/domain.js';
import { neverStarted, proxyActivitiesStartedWithin } from './task-start.js';
import { OUTCOME_CODE } from './messages.js';
import type { Shield } from './shield.js';

/**
 * Retry bounds, and why:
 * - initialInterval 1s, backoffCoefficient 2, maximumInterval 30s: a blip (one 503, one reset connection) costs
 *   the agent about a second; a longer outage is probed every 30s rather than hammered.
 * - scheduleToCloseTimeout = policy.ekoStepTimeout (default 3m): the whole step, all attempts, is bounded, so
 *   an Eko that stays down ends the step with EKO_UNAVAILABLE instead of leaving an agent waiting at the
 *   counter for ever; three minutes rides out a short outage but not a long one.
 * - startToCloseTimeout 150s: one attempt may take EKO_TIMEOUT_MS (at most 120s, config/index.ts) plus RSA and
 *   signing; the Eko client's own timeout ends an attempt long before this.
 * - heartbeatTimeout 20s: the worker heartbeats every few seconds while a call is in flight (worker/worker.ts),
 *   so an attempt on a crashed worker is retried after ~20s, not after the 150s above.
 * - nonRetryableErrorTypes: Eko's permanent verdicts (common/eko-steps.ts) end the step after one call.
 * - scheduleToStartTimeout = a third of the step, at least 2s and at most 60s: a task that no worker has started
 *   by then (lost by the cluster, workflows/task-start.ts) is scheduled again with what is left of the step,
 *   instead of ending the step as EKO_UNAVAILABLE although Eko was never called.
 */
export const RETRY_POLICY = {
  initialInterval: '1s',
  backoffCoefficient: 2,
  maximumInterval: '30s',
  nonRetryableErrorTypes: [...PERMANENT_EKO_ERRORS],
} as const;
export const ATTEMPT_TIMEOUT = '150s';
export const HEARTBEAT_TIMEOUT = '20s';

/** What the Temporal UI shows for each step's activity (no PII: just the step). */
export const STEP_SUMMARY: Record<EkoStep, string> = {
  sendOtp: 'Eko: send OTP',
  verifyOtp: 'Eko: verify OTP',
  biometric: 'Eko: biometric eKYC',
  dailyKyc: 'Eko: Daily KYC',
};

const STEP_LETTER: Record<EkoStep, string> = { sendOtp: 'S', verifyOtp: 'V', biometric: 'B', dailyKyc: 'D' };

/**
 * Eko's client_ref_id for one logical call: user code (8) + step letter (1) + 7 hex digits of the run id + a per-step
 * sequence in base 36 (2, at most 4) = at most 20 characters. The run id's tail is random in both UUID v4 and
 * v7, so two runs of the same agent do not share ids; Temporal retries an activity with the same input, so every
 * retry of a call carries the same id.
 */
export function clientRefIdFor(userCode: string, step: EkoStep, runId: string, seq: number): string {
  const run = runId
    .replace(/[^0-9a-fA-F]/g, '')
    .slice(-7)
    .toUpperCase();
  const id = `${userCode}${STEP_LETTER[step]}${run}${seq.toString(36).toUpperCase().padStart(2, '0')}`;
  if (id.length > 20) throw ApplicationFailure.nonRetryable(`client_ref_id sequence overflow for ${step}`);
  return id;
}

export type EkoVerdict<T> =
  | { ok: true; value: T }
  | { ok: false; permanent: true; type: EkoErrorType; error: LastError }
  | { ok: false; permanent: false; error: LastError };

function ekoFailureIn(err: unknown): ApplicationFailure | undefined {
  for (let e = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    if (e instanceof ApplicationFailure) return e;
  }
  return undefined;
}

// Eko's messages carry codes and Eko's own words, never a request field; clip them anyway for status().
const clip = (text: string) => (text.length > 200 ? `${text.slice(0, 197)}...` : text);

export type EkoCalls = {
  [K in keyof EkycActivities]: (
    input: Parameters<EkycActivities[K]>[0],
  ) => Promise<EkoVerdict<Awaited<ReturnType<EkycActivities[K]>>>>;
};

const stepOptions = (step: EkoStep, stepTimeout: string): ActivityOptions & { scheduleToCloseTimeout: string } => ({
  summary: STEP_SUMMARY[step],
  scheduleToCloseTimeout: stepTimeout,
  startToCloseTimeout: ATTEMPT_TIMEOUT,
  heartbeatTimeout: HEARTBEAT_TIMEOUT,
  retry: { ...RETRY_POLICY, nonRetryableErrorTypes: [...RETRY_POLICY.nonRetryableErrorTypes] },
});

/**
 * Runs one Eko call to its verdict: the one place an activity failure becomes permanent-with-code or unavailable.
 * A task no worker started is scheduled again for what is left of the step (proxyActivitiesStartedWithin).
 * An Eko call, once started, is allowed to settle even if the workflow is cancelled (`shielded`): abandoning it
 * could leave Eko's state unknown while a restarted session already makes the next call.
 */
function verdict<T>(stepTimeout: string, shielded: Shield, call: () => Promise<T>): Promise<EkoVerdict<T>> {
  return shielded(call).then(
    (value): EkoVerdict<T> => ({ ok: true, value }),
    (err: unknown) => failedVerdict(stepTimeout, err),
  );
}

function failedVerdict(stepTimeout: string, err: unknown): EkoVerdict<never> {
  if (!(err instanceof ActivityFailure)) throw err;
  const failure = ekoFailureIn(err.cause);
  if (failure && (PERMANENT_EKO_ERRORS as readonly string[]).includes(failure.type ?? '')) {
    const type = failure.type as EkoErrorType;
    return { ok: false, permanent: true, type, error: { code: type, message: clip(failure.message) } };
  }
  const last = failure?.type ? ` (last failure: ${failure.type})` : neverStarted(err) ? ' (no worker started it)' : '';
  return {
    ok: false,
    permanent: false,
    error: {
      code: OUTCOME_CODE.ekoUnavailable,
      message: `Eko did not answer successfully within ${stepTimeout}${last}; please try again later`,
    },
  };
}

/** The three Eko steps, each returning a verdict instead of throwing. */
export function ekoCalls(stepTimeout: string, shielded: Shield): EkoCalls {
  const { sendOtp } = proxyActivitiesStartedWithin<EkycActivities>(stepOptions('sendOtp', stepTimeout));
  const { verifyOtp } = proxyActivitiesStartedWithin<EkycActivities>(stepOptions('verifyOtp', stepTimeout));
  const { submitBiometric } = proxyActivitiesStartedWithin<EkycActivities>(stepOptions('biometric', stepTimeout));
  return {
    sendOtp: (input) => verdict(stepTimeout, shielded, () => sendOtp(input)),
    verifyOtp: (input) => verdict(stepTimeout, shielded, () => verifyOtp(input)),
    submitBiometric: (input) => verdict(stepTimeout, shielded, () => submitBiometric(input)),
  };
}

/** The day's Daily KYC (the fingpayAgent lifecycle), with the same retry bounds and verdicts as the eKYC steps. */
export function dailyKycCall(
  stepTimeout: string,
  shielded: Shield,
): (input: DailyKycInput) => Promise<EkoVerdict<DailyKycOutput>> {
  const { submitDailyKyc } = proxyActivitiesStartedWithin<DailyKycActivities>(stepOptions('dailyKyc', stepTimeout));
  return (input) => verdict(stepTimeout, shielded, () => submitDailyKyc(input));
}
