// The fingpayEkyc state machine (CONTRACT.md): Send OTP → agent's OTP → Verify OTP → agent's fingerprint →
// Biometric eKYC. One main loop makes every Eko call, one at a time; signal and update handlers only queue
// requests for it, and an update waits for the loop's outcome.
import {
  ActivityFailure,
  ApplicationFailure,
  allHandlersFinished,
  condition,
  isCancellation,
  log,
  metricMeter,
  patched,
  proxyLocalActivities,
  setCurrentDetails,
  setHandler,
  setWorkflowOptions,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import {
  isFinalStage,
  maskMobile,
  type EkycInput,
  type EkycPolicy,
  type EkycResult,
  type EkycStatus,
  type LastError,
  type Stage,
  type UpdateOutcome,
} from '../common/domain.js';
import { EKO_ERROR, type EkycStep, type OtpPair } from '../common/eko-steps.js';
// The zod-free checks: zod would be evaluated again in every workflow instance (docs/PERFORMANCE.md).
import {
  ValidationError,
  checkedBiometricArg as validateBiometricArg,
  checkedEkycInput as validateEkycInput,
  checkedOtpArg as validateOtpArg,
  durationToMs,
} from '../common/checks.js';
import { resolvePolicy } from '../common/domain.js';
import { isUnencryptedMarker, UNENCRYPTED_REASON } from '../common/unencrypted.js';
import { sealedKeyId, type DestroyReason, type SealKeyActivities } from '../common/sealed.js';
import { noteUnencrypted, UNENCRYPTED_RULE } from './unencrypted.js';
import type { AgentActivities } from '../common/agent.js';
import { clientRefIdFor, ekoCalls, type EkoCalls } from './eko-calls.js';
import { otpQuotaCalls } from './otp-quota.js';
import type { OtpQuotaActivities, OtpSendDecision } from '../common/otp-quota.js';
import {
  END_CODE,
  END_FAILURE,
  EKO_USER_CODE_SA,
  EKYC_STAGE_SA,
  OUTCOME_CODE,
  VALIDATOR_REJECTION,
  biometricSignal,
  cancelSignal,
  otpSignal,
  requestOtpResendUpdate,
  resendOtpSignal,
  statusQuery,
  submitBiometricUpdate,
  submitOtpUpdate,
  firstStepUpdate,
} from './messages.js';
import { versioningOptions } from './versioning.js';
import { WorkflowEvents } from './events.js';
import { proxyActivitiesStartedWithin } from './task-start.js';
import { shield } from './shield.js';

type Request = { updateId?: number } & (
  { kind: 'otp'; otp: string } | { kind: 'resend' } | { kind: 'biometric'; pidData: string }
);
type Refusal = Omit<UpdateOutcome, 'accepted' | 'stage'> & { code: string; reason: string };

/** patched() id of the agent-wide OTP quota check before each Send OTP (sessions begun before it replay without). */
export const OTP_SEND_QUOTA_PATCH = 'otp-send-quota';
/** patched() id of telling the agent's fingpayAgent lifecycle of a completed eKYC (older sessions replay without). */
export const AGENT_LIFECYCLE_PATCH = 'agent-lifecycle-notify';
/** patched() id of destroying the keys of a sealed Aadhaar and PidData (common/sealed.ts) when they are done with. */
export const SEAL_KEYS_PATCH = 'destroy-seal-keys';
/** The workflow checks a client's sealed values by their shape: the client checked the plain ones before sealing. */
const SEALED = { sealed: true } as const;

// A local activity: a few milliseconds against the key store, one marker in history. Retried for 10 minutes; after
// that the worker's sweeper destroys the keys at their expiry (docs/SECURITY.md).
const { destroySealKeys } = proxyLocalActivities<SealKeyActivities>({
  summary: 'Destroy seal keys',
  startToCloseTimeout: '10s',
  scheduleToCloseTimeout: '10m',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m' },
});

/**
 * Telling the lifecycle must not be lost, but must not hold a completed session for ever either: retried for a day,
 * then logged (docs/OPS.md says how to tell the lifecycle by hand). A task no worker started is scheduled again
 * within that day (workflows/task-start.ts): a lost one would otherwise leave the agent EKYC_PENDING for the day.
 */
const { notifyAgentOfEkyc } = proxyActivitiesStartedWithin<AgentActivities>({
  summary: 'Agent lifecycle: eKYC completed',
  startToCloseTimeout: '30s',
  scheduleToCloseTimeout: '24h',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '5m' },
});

const SIGNAL_NAME: Record<Request['kind'], string> = { otp: 'otp', resend: 'resendOtp', biometric: 'biometric' };
// Ignored signals are kept for status() only; a cap keeps the workflow's state small whatever a client sends.
const MAX_IGNORED_SIGNALS = 20;

// Emitted by the worker's Runtime (Prometheus on EKYC_METRICS_PORT); the SDK skips it while replaying.
const sessionsEnded = () =>
  metricMeter.createCounter('ekyc_sessions_ended', 'sessions', 'eKYC sessions by final stage');
const sessionsStarted = () => metricMeter.createCounter('ekyc_sessions_started', 'sessions', 'eKYC sessions started');
// Outcome is `accepted`, or the failure type / code (e.g. EkoOtpRejected, EKO_UNAVAILABLE): never the OTP.
const otpAttempts = () =>
  metricMeter.createCounter('ekyc_otp_attempts', 'attempts', 'OTPs submitted to Eko, by outcome');

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
const describeErrors = (err: ValidationError) => err.errors.map((e) => `${e.field} ${e.rule}`).join('; ');

// PINNED: a session ends on the worker version it began on, whose code alone must replay its history.
setWorkflowOptions(versioningOptions('fingpayEkyc'), fingpayEkyc);
export async function fingpayEkyc(input: EkycInput): Promise<EkycResult> {
  if (isUnencryptedMarker(input)) {
    // Started without the codec: the plain Aadhaar and mobile are in the start event, but nothing here uses them.
    noteUnencrypted('input');
    throw ApplicationFailure.create({
      type: VALIDATOR_REJECTION.unencrypted,
      message: `the session input reached the worker unencrypted: it ${UNENCRYPTED_RULE}`,
      nonRetryable: true,
      details: [{ errors: [{ field: '(input)', rule: UNENCRYPTED_RULE }] }],
    });
  }
  let valid: EkycInput;
  try {
    valid = validateEkycInput(input, SEALED);
  } catch (err) {
    if (!(err instanceof ValidationError)) throw err;
    // Names the fields and rules, never the values.
    throw ApplicationFailure.create({
      type: VALIDATOR_REJECTION.invalidArgument,
      message: err.message,
      nonRetryable: true,
      details: [{ errors: err.errors }],
    });
  }
  return new EkycSession(valid, resolvePolicy(valid.policy)).run();
}

class EkycSession {
  private stage: Stage = 'SENDING_OTP';
  private pair: OtpPair | null = null;
  private mobileHint: string | null = null;
  private otpAttemptsLeft: number;
  private otpSentAt: number | null = null;
  private otpExpiresAt: number | null = null;
  private otpExpired = false;
  private resendsLeft: number;
  private biometricAttemptsLeft: number;
  private biometricDeadline: number | null = null;
  private lastError: LastError | null = null;
  private readonly ignoredSignals: EkycStatus['ignoredSignals'] = [];
  private readonly startedAt = Date.now();
  private readonly deadline: number;
  private completedAt: number | null = null;
  private cancelReason: string | null = null;
  /** The first Send OTP has settled (firstStep update). */
  private firstSendSettled = false;

  private readonly queue: Request[] = [];
  private readonly outcomes = new Map<number, UpdateOutcome>();
  private nextUpdateId = 1;
  private readonly calls: Record<EkycStep, number> = { sendOtp: 0, verifyOtp: 0, biometric: 0 };
  private readonly eko: EkoCalls;
  private readonly quota: OtpQuotaActivities;
  /** Keys of the sealed PidData this session has received (each is in history) and not yet had destroyed. */
  private readonly sealedPids = new Set<string>();
  /**
   * The run's non-cancellable scope (workflows/shield.ts): the Eko calls, the partner events' hand-over, and the
   * update handlers' wait (even a workflow cancelled through Temporal answers every accepted update).
   */
  private readonly shielded = shield();
  /** Partner webhooks (workflows/events.ts): the session's end, handed over without waiting for the receiver. */
  private readonly events = new WorkflowEvents(this.shielded);

  constructor(
    private readonly input: EkycInput,
    private readonly policy: EkycPolicy,
  ) {
    this.otpAttemptsLeft = policy.maxOtpAttempts;
    this.resendsLeft = policy.maxResends;
    this.biometricAttemptsLeft = policy.maxBiometricAttempts;
    this.deadline = this.startedAt + durationToMs(policy.sessionTimeout);
    this.eko = ekoCalls(policy.ekoStepTimeout, this.shielded);
    this.quota = otpQuotaCalls(policy.ekoStepTimeout);
    this.installHandlers();
  }

  async run(): Promise<EkycResult> {
    sessionsStarted().add(1);
    upsertSearchAttributes([
      { key: EKO_USER_CODE_SA, value: this.input.userCode },
      { key: EKYC_STAGE_SA, value: this.stage },
    ]);
    this.showDetails();
    try {
      await this.sendOtp();
      this.firstSendSettled = true;
      while (!isFinalStage(this.stage)) {
        // step() is not async and a turn that needs no wait returns nothing: an async call and an await are a
        // promise each, and every promise costs the SDK's promise hook a stack trace (docs/PERFORMANCE.md).
        const turn = this.step();
        if (turn) await turn;
      }
    } catch (err) {
      if (!isCancellation(err)) throw err;
      // Cancelled through Temporal itself (e.g. the UI's Cancel): the same end as the cancel signal, but the run
      // is reported as Canceled.
      this.finish('CANCELLED', { code: END_CODE.cancelled, message: 'cancelled through Temporal' });
      await this.shielded(async () => {
        await this.destroySealed(this.sessionKeys(), 'session_ended');
        await this.drain();
      });
      throw err;
    }
    // The session has ended: its Aadhaar (and any PidData not yet destroyed) can never be opened again.
    await this.destroySealed(this.sessionKeys(), 'session_ended');
    // Sessions completed before the agent lifecycle existed replay without telling it.
    if (this.stage === 'COMPLETED' && patched(AGENT_LIFECYCLE_PATCH)) await this.notifyAgent();
    await this.drain();
    if (this.stage === 'COMPLETED') {
      return { userCode: this.input.userCode, completedAt: iso(this.completedAt)! };
    }
    const stage = this.stage as keyof typeof END_FAILURE;
    throw ApplicationFailure.create({
      type: END_FAILURE[stage],
      message: `eKYC ${stage.toLowerCase()}: ${this.lastError?.code ?? 'unknown'}`,
      nonRetryable: true,
      details: [{ stage, lastError: this.lastError }],
    });
  }

  /** Signal-with-start of the agent's fingpayAgent (activities/agent.ts): it remembers this eKYC for ever. */
  private async notifyAgent(): Promise<void> {
    const { userCode, customerId, latlong, bankCode } = this.input;
    try {
      await notifyAgentOfEkyc({
        userCode,
        completedAt: iso(this.completedAt)!,
        customerId,
        latlong,
        bankCode,
        ekycRunId: workflowInfo().runId,
      });
    } catch (err) {
      if (!(err instanceof ActivityFailure)) throw err;
      log.error('the agent lifecycle could not be told of this completed eKYC', { userCode });
    }
  }

  // ---- the main loop --------------------------------------------------------------------------------------

  /** One turn: honour a cancel or the session deadline, else serve the next request, else wait for one. */
  private step(): Promise<void> | void {
    if (this.cancelReason !== null) {
      return this.finish('CANCELLED', { code: END_CODE.cancelled, message: this.cancelReason });
    }
    if (Date.now() >= this.deadline) {
      return this.finish('EXPIRED', {
        code: END_CODE.sessionTimeout,
        message: `the session passed its ${this.policy.sessionTimeout} limit`,
      });
    }
    const request = this.queue.shift();
    if (request) return this.serve(request);

    const wakeAt = Math.min(this.deadline, this.stageTimer() ?? Infinity);
    const waitMs = wakeAt - Date.now();
    if (waitMs <= 0) return this.onTimer();
    return condition(() => this.queue.length > 0 || this.cancelReason !== null, waitMs).then((woken) => {
      if (!woken) this.onTimer();
    });
  }

  /** When the current waiting stage times out on its own, if it does. */
  private stageTimer(): number | null {
    if (this.stage === 'AWAITING_OTP' && !this.otpExpired) return this.otpExpiresAt;
    if (this.stage === 'AWAITING_BIOMETRIC') return this.biometricDeadline;
    return null;
  }

  private onTimer(): void {
    const now = Date.now();
    if (now >= this.deadline) return; // the next step() ends the session
    if (this.stage === 'AWAITING_OTP' && !this.otpExpired && now >= (this.otpExpiresAt ?? Infinity)) {
      this.otpExpired = true;
      if (this.resendsLeft === 0) {
        return this.finish('FAILED', { code: END_CODE.otpExpired, message: 'the OTP expired and no resends are left' });
      }
      this.showDetails();
    } else if (this.stage === 'AWAITING_BIOMETRIC' && now >= (this.biometricDeadline ?? Infinity)) {
      this.finish('EXPIRED', {
        code: END_CODE.biometricTimeout,
        message: `no fingerprint within ${this.policy.biometricTimeout} of the OTP verification`,
      });
    }
  }

  /** A request's Eko call (a promise), or its refusal here (nothing to wait for). */
  private serve(request: Request): Promise<void> | void {
    switch (request.kind) {
      case 'otp': {
        if (this.stage !== 'AWAITING_OTP') return this.refuse(request, this.wrongStage());
        if (this.otpExpired) {
          return this.refuse(request, {
            code: OUTCOME_CODE.otpExpired,
            reason: 'the OTP has expired; request a new one',
            attemptsLeft: this.otpAttemptsLeft,
          });
        }
        if (this.otpAttemptsLeft === 0) {
          return this.refuse(request, {
            code: OUTCOME_CODE.noOtpAttemptsLeft,
            reason: 'no attempts are left for this OTP; request a new one',
            attemptsLeft: 0,
          });
        }
        return this.verifyOtp(request, request.otp);
      }
      case 'resend': {
        if (this.stage !== 'AWAITING_OTP') return this.refuse(request, this.wrongStage());
        if (this.resendsLeft === 0) {
          return this.refuse(request, { code: OUTCOME_CODE.resendLimitReached, reason: 'no resends are left' });
        }
        const availableAt = this.resendAvailableAt();
        if (availableAt !== null && Date.now() < availableAt) {
          return this.refuse(request, {
            code: OUTCOME_CODE.resendCooldown,
            reason: `a new OTP can be requested ${this.policy.resendCooldown} after the last one`,
            retryAfter: iso(availableAt)!,
          });
        }
        return this.sendOtp(request);
      }
      case 'biometric': {
        if (this.stage !== 'AWAITING_BIOMETRIC') return this.refuse(request, this.wrongStage());
        return this.submitBiometric(request, request.pidData);
      }
    }
  }

  // ---- the Eko steps --------------------------------------------------------------------------------------

  /** The first Send OTP (no request) or a resend. */
  private async sendOtp(request?: Request): Promise<void> {
    this.transition('SENDING_OTP');
    const base = this.stepBase('sendOtp');
    // Sessions begun before the agent-wide OTP quota replay without it (docs/OPS.md, "Changing workflow code").
    if (patched(OTP_SEND_QUOTA_PATCH) && !(await this.reserveSend(base.clientRefId, request))) return;
    const result = await this.eko.sendOtp(base);
    if (result.ok) {
      const now = Date.now();
      this.pair = { otpRefId: result.value.otpRefId, referenceTid: result.value.referenceTid };
      this.mobileHint = result.value.mobileHint ?? maskMobile(this.input.customerId);
      this.otpAttemptsLeft = this.policy.maxOtpAttempts;
      this.otpSentAt = now;
      this.otpExpiresAt = now + durationToMs(this.policy.otpTimeout);
      this.otpExpired = false;
      if (request) this.resendsLeft -= 1;
      this.lastError = null;
      this.transition('AWAITING_OTP');
      return this.accept(request, { attemptsLeft: this.otpAttemptsLeft });
    }
    if (result.permanent) {
      this.finish('FAILED', result.error);
      return this.reject(request, { code: result.error.code, reason: result.error.message });
    }
    if (!request) {
      // Nothing has been sent yet, so there is no stage to wait in; a FAILED session can be started again at once.
      this.finish('FAILED', result.error);
      return;
    }
    // A resend that could not reach Eko uses up nothing; the previous OTP (if still valid) stays usable.
    this.lastError = result.error;
    this.transition('AWAITING_OTP');
    return this.reject(request, { code: result.error.code, reason: result.error.message });
  }

  /**
   * Asks the agent's OTP quota (workflows/otp-quota.ts) for one send. True: send. False: the request has been
   * answered (or the session ended) here. The first send of a session waits out a cooldown left by an earlier
   * session of the same agent; a cap reached ends it, as a resend is refused, with the instant it frees up.
   */
  private async reserveSend(clientRefId: string, request?: Request): Promise<boolean> {
    for (let attempt = 1; ; attempt++) {
      let decision: OtpSendDecision;
      try {
        decision = await this.quota.reserveOtpSend({
          userCode: this.input.userCode,
          requestId: `${workflowInfo().workflowId}/${clientRefId}/${attempt}`,
          cooldownMs: durationToMs(this.policy.resendCooldown),
        });
      } catch (err) {
        if (!(err instanceof ActivityFailure)) throw err;
        // Fail closed: no OTP is sent unless the quota said so. Nothing was used up.
        const error = {
          code: OUTCOME_CODE.ekoUnavailable,
          message: `the OTP quota could not be checked within ${this.policy.ekoStepTimeout}; please try again later`,
        };
        return this.sendRefused(request, error, undefined);
      }
      if (decision.allowed) return true;
      const retryAt = iso(decision.retryAt)!;
      if (!request && decision.code === OUTCOME_CODE.resendCooldown && attempt < 3) {
        // A new session right after another one's OTP: wait the cooldown out (a cancel ends the wait).
        if (await condition(() => this.cancelReason !== null, Math.max(1, decision.retryAt - Date.now()))) return false;
        continue;
      }
      const error = {
        code:
          decision.code === OUTCOME_CODE.resendCooldown ? OUTCOME_CODE.resendCooldown : END_CODE.otpSendLimitReached,
        message: `${decision.reason}; the next can be sent at ${retryAt}`,
      };
      return this.sendRefused(request, error, retryAt);
    }
  }

  /** A send the quota (or its absence) refused: a resend is refused and the session waits on; a first send ends it. */
  private sendRefused(request: Request | undefined, error: LastError, retryAfter: string | undefined): false {
    if (!request) {
      this.finish('FAILED', error);
      return false;
    }
    this.lastError = error;
    this.transition('AWAITING_OTP');
    this.reject(request, { code: error.code, reason: error.message, ...(retryAfter ? { retryAfter } : {}) });
    return false;
  }

  private async verifyOtp(request: Request, otp: string): Promise<void> {
    this.transition('VERIFYING_OTP');
    const result = await this.eko.verifyOtp({ ...this.stepBase('verifyOtp'), ...this.pair!, otp });
    otpAttempts().add(1, { outcome: result.ok ? 'accepted' : result.error.code });
    if (result.ok) {
      // Verify returns a new pair; Biometric eKYC must carry that one.
      this.pair = { otpRefId: result.value.otpRefId, referenceTid: result.value.referenceTid };
      this.biometricDeadline = Date.now() + durationToMs(this.policy.biometricTimeout);
      this.lastError = null;
      this.transition('AWAITING_BIOMETRIC');
      return this.accept(request, { attemptsLeft: this.biometricAttemptsLeft });
    }
    if (result.permanent && result.type === EKO_ERROR.OtpRejected) {
      this.otpAttemptsLeft -= 1;
      this.lastError = result.error;
      if (this.otpAttemptsLeft === 0 && this.resendsLeft === 0) {
        this.finish('FAILED', {
          code: END_CODE.otpAttemptsExhausted,
          message: 'every OTP attempt was rejected and no resends are left',
        });
      } else {
        this.transition('AWAITING_OTP');
      }
      return this.reject(request, {
        code: result.error.code,
        reason: result.error.message,
        attemptsLeft: this.otpAttemptsLeft,
      });
    }
    if (result.permanent) this.finish('FAILED', result.error);
    else {
      // Eko never judged the OTP, so no attempt is used up; the agent may submit it again.
      this.lastError = result.error;
      this.transition('AWAITING_OTP');
    }
    return this.reject(request, {
      code: result.error.code,
      reason: result.error.message,
      attemptsLeft: this.otpAttemptsLeft,
    });
  }

  private async submitBiometric(request: Request, pidData: string): Promise<void> {
    this.transition('SUBMITTING_BIOMETRIC');
    const result = await this.eko.submitBiometric({
      ...this.stepBase('biometric'),
      ...this.pair!,
      bankCode: this.input.bankCode,
      pidData,
    });
    if (result.ok) {
      this.completedAt = Date.now();
      this.lastError = null;
      this.finish('COMPLETED', null);
      return this.accept(request, {});
    }
    if (result.permanent && result.type === EKO_ERROR.BiometricRejected) {
      this.biometricAttemptsLeft -= 1;
      this.lastError = result.error;
      if (this.biometricAttemptsLeft === 0) {
        this.finish('FAILED', {
          code: END_CODE.biometricAttemptsExhausted,
          message: 'every biometric attempt was rejected',
        });
      } else {
        this.transition('AWAITING_BIOMETRIC');
      }
    } else if (result.permanent) {
      this.finish('FAILED', result.error);
    } else {
      // Eko never judged the fingerprint, so no attempt is used up.
      this.lastError = result.error;
      this.transition('AWAITING_BIOMETRIC');
    }
    // Answered or given up: this PidData is never sent again (a session that ended destroys it with its Aadhaar).
    const pidKey = sealedKeyId(pidData, 'pid');
    if (pidKey && !isFinalStage(this.stage)) await this.destroySealed([pidKey], 'step_ended');
    return this.reject(request, {
      code: result.error.code,
      reason: result.error.message,
      attemptsLeft: this.biometricAttemptsLeft,
    });
  }

  private stepBase(step: EkycStep) {
    const { userCode, customerId, aadhaar, latlong } = this.input;
    this.calls[step] += 1;
    return {
      userCode,
      customerId,
      aadhaar,
      latlong,
      clientRefId: clientRefIdFor(userCode, step, workflowInfo().runId, this.calls[step]),
    };
  }

  // ---- sealed values (crypto-shredding) ---------------------------------------------------------------------

  /** The keys this session still holds: its Aadhaar's and those of every PidData it received. */
  private sessionKeys(): string[] {
    const aadhaarKey = sealedKeyId(this.input.aadhaar, 'aadhaar');
    return [...(aadhaarKey ? [aadhaarKey] : []), ...this.sealedPids];
  }

  private notePid(arg: unknown): void {
    const key = sealedKeyId((arg as { pidData?: unknown } | null | undefined)?.pidData, 'pid');
    if (key) this.sealedPids.add(key);
  }

  /** Destroys keys through the local activity; a failure is logged (the sweeper destroys them at their expiry). */
  private async destroySealed(keyIds: string[], reason: DestroyReason): Promise<void> {
    // Sessions with nothing sealed (all begun before sealing) never reach patched(), so their histories replay as they are.
    if (keyIds.length === 0 || !patched(SEAL_KEYS_PATCH)) return;
    try {
      await destroySealKeys({ keyIds, reason });
      for (const key of keyIds) this.sealedPids.delete(key);
    } catch (err) {
      if (!(err instanceof ActivityFailure)) throw err;
      log.error('the seal keys could not be destroyed; the sweeper destroys them at their expiry', { reason });
    }
  }

  // ---- stages and what ops see ------------------------------------------------------------------------------

  private transition(stage: Stage): void {
    if (stage !== this.stage) {
      this.stage = stage;
      upsertSearchAttributes([{ key: EKYC_STAGE_SA, value: stage }]);
    }
    this.showDetails();
  }

  private finish(stage: Stage, error: LastError | null): void {
    if (error) this.lastError = error;
    this.transition(stage);
    // Labels are stage and a code from a fixed set (Eko failure types and END_CODE), so cardinality stays small.
    sessionsEnded().add(1, { stage, code: this.lastError?.code ?? 'OK' });
    this.events.ekycEnded(this.input.userCode, stage, this.lastError?.code ?? null, iso(this.completedAt));
  }

  /** The workflow's current details in the Temporal UI: stage and attempts, nothing personal. */
  private showDetails(): void {
    const p = this.policy;
    const lines = [
      `**Stage:** ${this.stage}`,
      `OTP attempts left: ${this.otpAttemptsLeft}/${p.maxOtpAttempts}${this.otpExpired ? ' (OTP expired)' : ''}`,
      `Resends left: ${this.resendsLeft}/${p.maxResends}`,
      `Biometric attempts left: ${this.biometricAttemptsLeft}/${p.maxBiometricAttempts}`,
    ];
    if (this.lastError) lines.push(`Last error: ${this.lastError.code}`);
    setCurrentDetails(lines.join('\n\n'));
  }

  private resendAvailableAt(): number | null {
    return this.otpSentAt === null ? null : this.otpSentAt + durationToMs(this.policy.resendCooldown);
  }

  status(): EkycStatus {
    return {
      stage: this.stage,
      userCode: this.input.userCode,
      otpRefId: this.pair?.otpRefId ?? null,
      referenceTid: this.pair?.referenceTid ?? null,
      mobileHint: this.mobileHint,
      otpAttemptsLeft: this.otpAttemptsLeft,
      otpExpired: this.otpExpired,
      otpExpiresAt: iso(this.otpExpiresAt),
      resendsLeft: this.resendsLeft,
      resendAvailableAt: iso(this.resendAvailableAt()),
      biometricAttemptsLeft: this.biometricAttemptsLeft,
      lastError: this.lastError,
      ignoredSignals: [...this.ignoredSignals],
      startedAt: iso(this.startedAt)!,
      deadline: iso(this.deadline)!,
      completedAt: iso(this.completedAt),
      policy: this.policy,
    };
  }

  // ---- messages -------------------------------------------------------------------------------------------

  private installHandlers(): void {
    setHandler(statusQuery, () => this.status());

    setHandler(otpSignal, (arg) => this.onSignal('otp', 'AWAITING_OTP', arg, () => validateOtpArg(arg)));
    // Its argument is never used, so a plain one is harmless.
    setHandler(resendOtpSignal, () => this.onSignal('resend', 'AWAITING_OTP', undefined, () => ({})));
    setHandler(biometricSignal, (arg) => {
      this.notePid(arg);
      this.onSignal('biometric', 'AWAITING_BIOMETRIC', arg, () => validateBiometricArg(arg, SEALED));
    });
    setHandler(cancelSignal, (arg) => this.onCancel(arg));
    // Any argument is ignored: it only waits, and answers from the session's own state.
    setHandler(firstStepUpdate, async () => {
      await this.shielded(() => condition(() => this.firstSendSettled || isFinalStage(this.stage)));
      return this.firstStepOutcome();
    });

    setHandler(submitOtpUpdate, (arg) => this.request({ kind: 'otp', otp: arg.otp }), {
      validator: (arg) => this.validate('submitOtp', 'AWAITING_OTP', arg, () => validateOtpArg(arg)),
    });
    setHandler(requestOtpResendUpdate, (_arg) => this.request({ kind: 'resend' }), {
      // The argument is always `{}` and never used, so a plain one is harmless: only the stage is checked.
      validator: (_arg) => this.validate('requestOtpResend', 'AWAITING_OTP', undefined, () => undefined),
    });
    setHandler(
      submitBiometricUpdate,
      (arg) => {
        this.notePid(arg);
        return this.request({ kind: 'biometric', pidData: arg.pidData });
      },
      {
        validator: (arg) =>
          this.validate('submitBiometric', 'AWAITING_BIOMETRIC', arg, () => validateBiometricArg(arg, SEALED)),
      },
    );
  }

  /** How the first step went: accepted unless the session has ended without completing (e.g. Eko refused the OTP). */
  private firstStepOutcome(): UpdateOutcome {
    if (!isFinalStage(this.stage) || this.stage === 'COMPLETED') {
      return {
        accepted: true,
        stage: this.stage,
        ...(this.stage === 'AWAITING_OTP' ? { attemptsLeft: this.otpAttemptsLeft } : {}),
      };
    }
    return {
      accepted: false,
      stage: this.stage,
      code: this.lastError?.code ?? 'UNKNOWN',
      reason: this.lastError?.message ?? 'the session ended',
    };
  }

  /** Update validator: throwing here rejects the update before anything is written to history. */
  private validate(name: string, stage: Stage, arg: unknown, parse: () => unknown): void {
    if (this.stage !== stage || this.cancelReason !== null) {
      throw ApplicationFailure.create({
        type: VALIDATOR_REJECTION.wrongStage,
        message: this.cancelReason !== null ? 'the session is being cancelled' : `not accepted in stage ${this.stage}`,
        details: [{ stage: this.stage }],
      });
    }
    if (isUnencryptedMarker(arg)) {
      noteUnencrypted(name);
      throw ApplicationFailure.create({
        type: VALIDATOR_REJECTION.unencrypted,
        message: `the ${name} argument reached the worker unencrypted: it ${UNENCRYPTED_RULE}`,
        details: [{ stage: this.stage, errors: [{ field: '(argument)', rule: UNENCRYPTED_RULE }] }],
      });
    }
    try {
      parse();
    } catch (err) {
      // Whatever a client sent, the update is rejected and the session goes on: a validator never fails the task.
      const errors = err instanceof ValidationError ? err.errors : [{ field: '(argument)', rule: 'is malformed' }];
      throw ApplicationFailure.create({
        type: VALIDATOR_REJECTION.invalidArgument,
        message: err instanceof ValidationError ? err.message : 'invalid input: (argument): is malformed',
        details: [{ stage: this.stage, errors }],
      });
    }
  }

  /** Update handler: queue the request for the main loop and wait for its outcome. */
  private request(request: Request): Promise<UpdateOutcome> {
    const updateId = this.nextUpdateId++;
    this.queue.push({ ...request, updateId });
    // Not cancellable: even a workflow cancelled through Temporal answers every accepted update (see drain()).
    return this.shielded(() => condition(() => this.outcomes.has(updateId))).then(() => {
      const outcome = this.outcomes.get(updateId)!;
      this.outcomes.delete(updateId);
      return outcome;
    });
  }

  private onSignal<A extends object>(kind: Request['kind'], stage: Stage, arg: unknown, parse: () => A): void {
    const name = SIGNAL_NAME[kind];
    if (isUnencryptedMarker(arg)) {
      noteUnencrypted(name);
      return this.ignore(name, UNENCRYPTED_REASON);
    }
    if (this.stage !== stage || this.cancelReason !== null) {
      return this.ignore(name, `not accepted in stage ${this.stage}`);
    }
    try {
      this.queue.push({ kind, ...parse() } as Request);
    } catch (err) {
      // Whatever a client sent, the signal is ignored and the session goes on: a handler never fails the task.
      this.ignore(name, err instanceof ValidationError ? `malformed: ${describeErrors(err)}` : 'malformed');
    }
  }

  private onCancel(arg: unknown): void {
    if (isFinalStage(this.stage) || this.cancelReason !== null) {
      return this.ignore('cancel', `not accepted in stage ${this.stage}`);
    }
    // A plain cancel is honoured (its argument holds nothing personal), but its text is not kept.
    if (isUnencryptedMarker(arg)) noteUnencrypted('cancel');
    const reason = isUnencryptedMarker(arg) ? undefined : (arg as { reason?: unknown } | undefined)?.reason;
    this.cancelReason = typeof reason === 'string' && reason.trim() ? reason.trim().slice(0, 200) : 'cancelled';
  }

  private ignore(name: string, reason: string): void {
    this.ignoredSignals.push({ name, reason, at: iso(Date.now())! });
    if (this.ignoredSignals.length > MAX_IGNORED_SIGNALS) this.ignoredSignals.shift();
  }

  private wrongStage(): Refusal {
    return { code: OUTCOME_CODE.wrongStage, reason: `not accepted in stage ${this.stage}` };
  }

  private accept(request: Request | undefined, extra: Omit<UpdateOutcome, 'accepted' | 'stage'>): void {
    if (request?.updateId !== undefined) {
      this.outcomes.set(request.updateId, { accepted: true, stage: this.stage, ...extra });
    }
  }

  /** Eko's verdict on a request: the update's outcome; a signal's sender sees it in status() (lastError, attempts). */
  private reject(request: Request | undefined, refusal: Refusal): void {
    if (request?.updateId !== undefined) {
      this.outcomes.set(request.updateId, { accepted: false, stage: this.stage, ...refusal });
    }
  }

  /** The workflow's own refusal (never sent to Eko): the update's outcome, or an ignored signal noted in status(). */
  private refuse(request: Request, refusal: Refusal): void {
    if (request.updateId !== undefined) this.reject(request, refusal);
    else this.ignore(SIGNAL_NAME[request.kind], `${refusal.code}: ${refusal.reason}`);
  }

  /** Answer whatever is still queued, then let every update handler return before the run closes. */
  private async drain(): Promise<void> {
    for (let request = this.queue.shift(); request; request = this.queue.shift()) {
      this.refuse(request, this.wrongStage());
    }
    await this.events.flush();
    await condition(allHandlersFinished);
  }
}
