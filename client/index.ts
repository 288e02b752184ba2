// The client library for backends: one typed method per step of an agent's eKYC session. Input is validated
// here, before anything reaches Temporal, and every failure comes out as one of the typed errors of ./errors.ts.
import { randomUUID } from 'node:crypto';
import {
  Client,
  Connection,
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  WithStartWorkflowOperation,
  type WorkflowExecutionDescription,
  type WorkflowHandle,
} from '@temporalio/client';
import { TypedSearchAttributes } from '@temporalio/common';
import proto from '@temporalio/proto';
import {
  STAGES,
  WORKFLOW_TYPE,
  workflowIdFor,
  type EkycInput,
  type EkycStatus,
  type Stage,
  type UpdateOutcome,
} from '../common/domain.js';
import {
  RULES,
  userCodeSchema,
  validateBiometricArg,
  validateEkycInput,
  validateOtpArg,
  ValidationError,
} from '../common/validation.js';
import {
  DEFAULT_PID_TTL_SECONDS,
  type CodecConfig,
  type KeyStoreConfig,
  type TemporalConfig,
} from '../config/index.js';
import { durationToMs } from '../common/checks.js';
import { resolvePolicy } from '../common/domain.js';
import type { SealedKind } from '../common/sealed.js';
import { openKeyStore, Sealer } from '../keystore/index.js';
import {
  AGENT_CODE,
  agentWorkflowIdFor,
  type AgentStatus,
  type DailyAuthArg,
  type DailyAuthOutcome,
  type InvalidationReason,
} from '../common/agent.js';
import { checkedDailyAuthArg, checkedInvalidateArg } from '../common/checks.js';
import { createDataConverter } from '../codec/data-converter.js';
import { clientTracingInterceptors } from '../observability/otel-temporal.js';
import type { Tracing } from '../observability/tracing.js';
import {
  AgentNotFoundError,
  EkycAlreadyCompletedError,
  EkycClientError,
  EkycNotFoundError,
  EkycStepPendingError,
  EkycWrongStageError,
  TemporalUnavailableError,
} from './errors.js';
import {
  agentStatusQuery,
  cancelSignal,
  firstStepUpdate,
  invalidateDailyAuthSignal,
  submitDailyAuthUpdate,
  EKO_USER_CODE_SA,
  EKYC_STAGE_SA,
  requestOtpResendUpdate,
  statusQuery,
  submitBiometricUpdate,
  submitOtpUpdate,
  VALIDATOR_REJECTION,
} from '../workflows/messages.js';
import type { fingpayEkyc } from '../workflows/index.js';
import { dailyAuthRefusal, unavailableReason, validatorRejection } from './temporal-errors.js';

export * from './errors.js';
export { verifyWebhook, WebhookVerificationError } from '../events/signing.js';
export type { WebhookEvent, WebhookEventType, EkycEventData, AgentEventData } from '../events/model.js';
export { ValidationError } from '../common/validation.js';

export const DEFAULT_CALL_TIMEOUT_MS = 30_000;
/** After a call timed out: how long to ask Temporal whether the session took the update. */
const ACCEPTANCE_CHECK_MS = 1_000;
// @temporalio/proto is CommonJS: under Node's own ESM loader (the built CLI) only its default export exists.
const UPDATE_ACCEPTED =
  proto.temporal.api.enums.v1.UpdateWorkflowExecutionLifecycleStage.UPDATE_WORKFLOW_EXECUTION_LIFECYCLE_STAGE_ACCEPTED;

export interface StartResult {
  workflowId: string;
  runId: string;
  stage: Stage;
  /** true when a running session was returned instead of a new one being started. */
  resumed: boolean;
  /** With `waitForFirstStep`: how the first Send OTP went (Eko's refusal: `accepted: false` with its code). */
  outcome?: UpdateOutcome;
}

export interface StartOptions {
  /**
   * Return once the first Send OTP has settled (update-with-start: one call, no WRONG_STAGE for an OTP sent right
   * after), instead of as soon as the session is started. A running session answers with its current stage.
   */
  waitForFirstStep?: boolean;
}

export interface CancelResult {
  workflowId: string;
  cancelRequested: true;
}

export interface StepOptions {
  /** Idempotency: the same id on a repeated call joins the first call's update (1-64 of A-Z a-z 0-9 _ . : -). */
  updateId?: string;
}

const UPDATE_ID = /^[A-Za-z0-9_.:-]{1,64}$/;
const UPDATE_ID_RULE = 'must be 1-64 letters, digits, "_", ".", ":" or "-"';

export interface EkycClientOptions {
  client: Client;
  taskQueue: string;
  /** Bound on every call; one that overruns fails with TemporalUnavailableError. */
  callTimeoutMs?: number;
  /** Closed by close(): set when this EkycClient opened the connection itself. */
  ownedConnection?: Connection;
  /**
   * Seals the Aadhaar number and PidData before they reach Temporal (README "Aadhaar and PID: crypto-shredding").
   * Absent: they are sent as they are (encrypted by the codec only), as before sealing existed.
   */
  sealer?: Sealer;
  /** EKYC_PID_TTL: how long a sealed PidData (and a Daily KYC's Aadhaar) stays openable unused. */
  pidTtlMs?: number;
  /** Closed by close(): set when this EkycClient opened the key store itself. */
  ownsKeyStore?: boolean;
}

/** A session's sealed Aadhaar stays openable this long beyond the session's own timeout, should its end be missed. */
export const AADHAAR_KEY_GRACE_MS = 3_600_000;

export interface EkycConnectOptions {
  temporal: TemporalConfig;
  codec: CodecConfig;
  callTimeoutMs?: number;
  /** Do not dial until the first call (a server that is down shows up as TemporalUnavailableError per call). */
  lazy?: boolean;
  /** OpenTelemetry: every call carries the active trace context to the workflow. Absent or null: no interceptor. */
  tracing?: Tracing | null;
  /** The key store to seal with (opened here, closed by close()); absent: nothing is sealed. */
  keyStore?: KeyStoreConfig;
}

function stageOf(description: WorkflowExecutionDescription): Stage | undefined {
  const stage = description.typedSearchAttributes.get(EKYC_STAGE_SA);
  return STAGES.includes(stage as Stage) ? (stage as Stage) : undefined;
}

export class EkycClient {
  readonly client: Client;
  readonly taskQueue: string;
  readonly callTimeoutMs: number;
  private readonly ownedConnection: Connection | undefined;
  readonly sealer: Sealer | undefined;
  private readonly pidTtlMs: number;
  private readonly ownsKeyStore: boolean;

  constructor(options: EkycClientOptions) {
    this.client = options.client;
    this.taskQueue = options.taskQueue;
    this.callTimeoutMs = options.callTimeoutMs ?? DEFAULT_CALL_TIMEOUT_MS;
    this.ownedConnection = options.ownedConnection;
    this.sealer = options.sealer;
    this.pidTtlMs = options.pidTtlMs ?? DEFAULT_PID_TTL_SECONDS * 1000;
    this.ownsKeyStore = options.ownsKeyStore ?? false;
  }

  /** Connects to Temporal as configured, with the project's encrypting data converter. */
  static async connect(options: EkycConnectOptions): Promise<EkycClient> {
    const { address, tls, apiKey, metadata } = options.temporal.connection;
    const connectionOptions = { address, tls, apiKey, metadata };
    let connection: Connection;
    if (options.lazy) {
      connection = Connection.lazy(connectionOptions);
    } else {
      try {
        connection = await Connection.connect({
          ...connectionOptions,
          connectTimeout: options.callTimeoutMs ?? DEFAULT_CALL_TIMEOUT_MS,
        });
      } catch (err) {
        throw new TemporalUnavailableError(unavailableReason(err) ?? 'the server cannot be reached');
      }
    }
    const client = new Client({
      connection,
      namespace: options.temporal.namespace,
      dataConverter: createDataConverter(options.codec),
      ...(options.tracing ? { interceptors: clientTracingInterceptors(options.tracing) } : {}),
    });
    let sealer: Sealer | undefined;
    if (options.keyStore) {
      try {
        sealer = new Sealer(await openKeyStore(options.keyStore));
      } catch (err) {
        await connection.close();
        throw err;
      }
    }
    return new EkycClient({
      client,
      taskQueue: options.temporal.taskQueue,
      callTimeoutMs: options.callTimeoutMs,
      ownedConnection: connection,
      sealer,
      pidTtlMs: options.keyStore?.pidTtlMs,
      ownsKeyStore: sealer !== undefined,
    });
  }

  /**
   * Starts the agent's session, or returns the running one (USE_EXISTING). A failed, expired or cancelled
   * session starts afresh; a completed one throws EkycAlreadyCompletedError.
   */
  async startEkyc(input: EkycInput, options: StartOptions = {}): Promise<StartResult> {
    const valid = validateEkycInput(input);
    const workflowId = workflowIdFor(valid.userCode);
    // Sealed for as long as the session may run: its end (or the sweeper, should the end be missed) destroys the key.
    const ttlMs = durationToMs(resolvePolicy(valid.policy).sessionTimeout) + AADHAAR_KEY_GRACE_MS;
    const aadhaar = await this.seal('aadhaar', workflowId, valid.aadhaar, ttlMs);
    // A resumed session keeps the Aadhaar it began with: this seal was not used.
    const started = await this.destroyingUnused(
      [aadhaar],
      (result: StartResult) => result.resumed,
      () => this.startSealed({ ...valid, aadhaar: aadhaar.value }, workflowId, options),
    );
    return started;
  }

  private async startSealed(valid: EkycInput, workflowId: string, options: StartOptions): Promise<StartResult> {
    return this.call(async () => {
      // One RPC on the common path: the start itself. Only when Temporal refuses it (a run is open, or the last
      // one completed) does a describe say which, and at what stage a running session stands.
      // A completed eKYC blocks another, unless the agent's lifecycle says Eko asked for a new one (REKYC_REQUIRED).
      let reusePolicy: 'ALLOW_DUPLICATE_FAILED_ONLY' | 'ALLOW_DUPLICATE' = 'ALLOW_DUPLICATE_FAILED_ONLY';
      for (let attempt = 0; ; attempt++) {
        const startOptions = {
          taskQueue: this.taskQueue,
          workflowId,
          args: [valid] as [EkycInput],
          workflowIdConflictPolicy: 'FAIL' as const,
          workflowIdReusePolicy: reusePolicy,
          typedSearchAttributes: new TypedSearchAttributes([
            { key: EKYC_STAGE_SA, value: 'SENDING_OTP' },
            { key: EKO_USER_CODE_SA, value: valid.userCode },
          ]),
          staticSummary: `Fingpay eKYC of agent ${valid.userCode}`,
        };
        try {
          if (options.waitForFirstStep) {
            const start = new WithStartWorkflowOperation<typeof fingpayEkyc>(WORKFLOW_TYPE, startOptions);
            const outcome = await this.client.workflow.executeUpdateWithStart(firstStepUpdate, {
              args: [{}],
              startWorkflowOperation: start,
            });
            // The SDK's handle may lack the started run's id (the server's answer to the start can omit it).
            const handle = (await start.workflowHandle()) as WorkflowHandle & { firstExecutionRunId?: string };
            const runId = handle.firstExecutionRunId || (await handle.describe()).runId;
            return { workflowId, runId, stage: outcome.stage, resumed: false, outcome };
          }
          const handle = await this.client.workflow.start<typeof fingpayEkyc>(WORKFLOW_TYPE, startOptions);
          return { workflowId, runId: handle.firstExecutionRunId, stage: 'SENDING_OTP', resumed: false };
        } catch (err) {
          if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
        }
        const existing = await this.describeOrNull(workflowId);
        if (existing?.status.name === 'RUNNING') {
          const resumed = {
            workflowId,
            runId: existing.runId,
            stage: stageOf(existing) ?? 'SENDING_OTP',
            resumed: true,
          };
          if (!options.waitForFirstStep) return resumed;
          try {
            const outcome = await this.client.workflow
              .getHandle(workflowId, existing.runId)
              .executeUpdate(firstStepUpdate, { args: [{}] });
            return { ...resumed, stage: outcome.stage, outcome };
          } catch (err) {
            // A session begun on a worker version without the update (pinned to it): its stage as described.
            if (err instanceof WorkflowUpdateFailedError) return resumed;
            throw err;
          }
        }
        if (existing?.status.name === 'COMPLETED') {
          if (reusePolicy === 'ALLOW_DUPLICATE' || !(await this.reEkycAllowed(valid.userCode))) {
            throw new EkycAlreadyCompletedError(valid.userCode);
          }
          reusePolicy = 'ALLOW_DUPLICATE';
          continue;
        }
        // The run that refused the start closed (failed, cancelled, expired) before the describe: start afresh.
        if (attempt >= 2) throw new TemporalUnavailableError('the session changed state during the start; try again');
      }
    });
  }

  /** Enters the OTP and waits for the outcome of its verification. */
  async submitOtp(userCode: string, otp: string, options: StepOptions = {}): Promise<UpdateOutcome> {
    validateUserCode(userCode);
    const arg = validateOtpArg({ otp });
    return this.update(userCode, options, (h, updateId) => h.executeUpdate(submitOtpUpdate, { args: [arg], updateId }));
  }

  /** Asks for a new OTP; the outcome says when the cooldown or the limit stands in the way. */
  async requestOtpResend(userCode: string, options: StepOptions = {}): Promise<UpdateOutcome> {
    validateUserCode(userCode);
    return this.update(userCode, options, (h, updateId) =>
      h.executeUpdate(requestOtpResendUpdate, { args: [{} as Record<string, never>], updateId }),
    );
  }

  /** Hands over the RD service's PidData and waits for the outcome of the biometric step. */
  async submitBiometric(userCode: string, pidData: string, options: StepOptions = {}): Promise<UpdateOutcome> {
    validateUserCode(userCode);
    const arg = validateBiometricArg({ pidData });
    const sealed = await this.seal('pid', workflowIdFor(userCode), arg.pidData, this.pidTtlMs);
    const submit = (value: string) =>
      this.update(userCode, options, (h, updateId) =>
        h.executeUpdate(submitBiometricUpdate, { args: [{ pidData: value }], updateId }),
      );
    // Answered (or refused): the workflow has destroyed the key already, or never took it in.
    return this.destroyingUnused(
      [sealed],
      () => true,
      async () => {
        try {
          return await submit(sealed.value);
        } catch (err) {
          // A session begun before sealing (its worker version pinned) knows no sealed PidData: it gets it as before.
          if (sealed.sealed && err instanceof ValidationError && err.errors.some((e) => e.field === 'pidData')) {
            return submit(arg.pidData);
          }
          throw err;
        }
      },
    );
  }

  /** The value sealed under a new key for `owner` (a workflow id), or as it is when this client seals nothing. */
  private async seal(
    kind: SealedKind,
    owner: string,
    plain: string,
    ttlMs: number,
  ): Promise<{ value: string; sealed: boolean }> {
    if (!this.sealer) return { value: plain, sealed: false };
    return { value: await this.sealer.seal(kind, owner, plain, ttlMs), sealed: true };
  }

  /**
   * Runs `use`; destroys the keys of `sealed` when its result says they were not (or are no longer) needed, or when it
   * failed for a reason that proves the workflow never took them (not when the step may still be running).
   */
  private async destroyingUnused<T>(
    sealed: { value: string; sealed: boolean }[],
    unused: (result: T) => boolean,
    use: () => Promise<T>,
  ): Promise<T> {
    const destroy = async () => {
      if (!this.sealer) return;
      const values = sealed.filter((s) => s.sealed).map((s) => s.value);
      await this.sealer.shred('aadhaar', values);
      await this.sealer.shred('pid', values);
    };
    let result: T;
    try {
      result = await use();
    } catch (err) {
      if (!(err instanceof TemporalUnavailableError || err instanceof EkycStepPendingError)) await destroy();
      throw err;
    }
    if (unused(result)) await destroy();
    return result;
  }

  /** The session's state (no PII). */
  async status(userCode: string): Promise<EkycStatus> {
    validateUserCode(userCode);
    return this.call(async () => {
      try {
        return await this.client.workflow.getHandle(workflowIdFor(userCode)).query(statusQuery);
      } catch (err) {
        if (err instanceof WorkflowNotFoundError) throw new EkycNotFoundError(userCode);
        throw err;
      }
    });
  }

  /** Ends a session that is not final as CANCELLED. */
  async cancel(userCode: string, reason = 'cancelled'): Promise<CancelResult> {
    validateUserCode(userCode);
    const workflowId = workflowIdFor(userCode);
    return this.call(async () => {
      try {
        await this.client.workflow.getHandle(workflowId).signal(cancelSignal, { reason });
      } catch (err) {
        if (err instanceof WorkflowNotFoundError) throw await this.explainClosed(userCode, err);
        throw err;
      }
      return { workflowId, cancelRequested: true };
    });
  }

  /** The agent's lifecycle status (no PII); AgentNotFoundError when no lifecycle exists for it. */
  async agentStatus(userCode: string): Promise<AgentStatus> {
    validateUserCode(userCode);
    return this.call(async () => {
      try {
        return await this.client.workflow.getHandle(agentWorkflowIdFor(userCode)).query(agentStatusQuery);
      } catch (err) {
        if (err instanceof WorkflowNotFoundError) throw new AgentNotFoundError(userCode);
        throw err;
      }
    });
  }

  /**
   * The day's Daily KYC: Aadhaar and PidData (encrypted on the way), optional latlong/customerId/bankCode. The
   * outcome says accepted or why not (NOT_YET_ELIGIBLE, DAILY_AUTH_BLOCKED, Eko's verdict, …); an agent without a
   * lifecycle gets EKYC_NOT_COMPLETED.
   */
  async submitDailyAuth(userCode: string, arg: DailyAuthArg, options: StepOptions = {}): Promise<DailyAuthOutcome> {
    validateUserCode(userCode);
    const plain = checkedDailyAuthArg(arg);
    const updateId = options.updateId ?? randomUUID();
    if (!UPDATE_ID.test(updateId)) throw new ValidationError([{ field: 'updateId', rule: UPDATE_ID_RULE }]);
    const workflowId = agentWorkflowIdFor(userCode);
    // Both are sealed for this one call: Eko's answer (or the outcome here, or the sweeper) destroys their keys.
    const aadhaar = await this.seal('aadhaar', workflowId, plain.aadhaar, this.pidTtlMs);
    const pidData = await this.seal('pid', workflowId, plain.pidData, this.pidTtlMs);
    const valid = { ...plain, aadhaar: aadhaar.value, pidData: pidData.value };
    return this.destroyingUnused(
      [aadhaar, pidData],
      () => true,
      () => this.dailyAuthUpdate(userCode, workflowId, valid, updateId),
    );
  }

  private async dailyAuthUpdate(
    userCode: string,
    workflowId: string,
    valid: DailyAuthArg,
    updateId: string,
  ): Promise<DailyAuthOutcome> {
    try {
      return await this.call(async () => {
        try {
          return await this.client.workflow
            .getHandle(workflowId)
            .executeUpdate(submitDailyAuthUpdate, { args: [valid], updateId });
        } catch (err) {
          const refused = dailyAuthRefusal(err);
          if (refused) return refused;
          const rejection = validatorRejection(err);
          if (rejection?.type === VALIDATOR_REJECTION.invalidArgument) {
            throw new ValidationError(
              rejection.errors.length ? rejection.errors : [{ field: '(root)', rule: rejection.message }],
            );
          }
          if (err instanceof WorkflowNotFoundError) {
            return {
              accepted: false,
              state: 'EKYC_PENDING',
              code: AGENT_CODE.ekycNotCompleted,
              reason: 'no completed eKYC is known for this agent',
            };
          }
          throw err;
        }
      });
    } catch (err) {
      if (err instanceof TemporalUnavailableError && (await this.updateAccepted(workflowId, updateId))) {
        throw new EkycStepPendingError(userCode, updateId);
      }
      throw err;
    }
  }

  /** Makes the agent authenticate again today (FP069 from a cash withdrawal, or OPERATOR_CHANGED). */
  async invalidateDailyAuth(
    userCode: string,
    reason: InvalidationReason,
  ): Promise<{ workflowId: string; invalidated: true }> {
    validateUserCode(userCode);
    const arg = checkedInvalidateArg({ reason });
    const workflowId = agentWorkflowIdFor(userCode);
    return this.call(async () => {
      try {
        await this.client.workflow.getHandle(workflowId).signal(invalidateDailyAuthSignal, arg);
      } catch (err) {
        if (err instanceof WorkflowNotFoundError) throw new AgentNotFoundError(userCode);
        throw err;
      }
      return { workflowId, invalidated: true };
    });
  }

  /** Whether the agent's lifecycle allows a new eKYC although one completed (REKYC_REQUIRED). */
  private async reEkycAllowed(userCode: string): Promise<boolean> {
    try {
      const status = await this.client.workflow.getHandle(agentWorkflowIdFor(userCode)).query(agentStatusQuery);
      return status.state === 'REKYC_REQUIRED';
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return false;
      throw err;
    }
  }

  /** Resolves when Temporal answers a cheap call within the call timeout. */
  async ping(): Promise<void> {
    await this.call(() => this.client.connection.workflowService.getSystemInfo({}));
  }

  async close(): Promise<void> {
    await this.ownedConnection?.close();
    if (this.ownsKeyStore) await this.sealer?.store.close();
  }

  /**
   * Sends an update and waits for its outcome: one long-polling RPC on the common path. The update id makes a
   * repeated call (after a timeout, say) join the same update instead of asking again: Temporal answers it with
   * the first one's outcome.
   */
  private async update(
    userCode: string,
    options: StepOptions,
    execute: (handle: WorkflowHandle, updateId: string) => Promise<UpdateOutcome>,
  ): Promise<UpdateOutcome> {
    const updateId = options.updateId ?? randomUUID();
    // A string (RegExp.test would read 123 or ["id"] as text), its length before the pattern.
    if (typeof updateId !== 'string' || updateId.length > 64 || !UPDATE_ID.test(updateId)) {
      throw new ValidationError([{ field: 'updateId', rule: UPDATE_ID_RULE }]);
    }
    const workflowId = workflowIdFor(userCode);
    try {
      return await this.call(async () => {
        try {
          return await execute(this.client.workflow.getHandle(workflowId), updateId);
        } catch (err) {
          const rejection = validatorRejection(err);
          if (rejection?.type === VALIDATOR_REJECTION.wrongStage) {
            if (rejection.stage === 'COMPLETED') throw new EkycAlreadyCompletedError(userCode);
            throw new EkycWrongStageError(userCode, rejection.stage, rejection.message);
          }
          if (rejection?.type === VALIDATOR_REJECTION.invalidArgument) {
            throw new ValidationError(
              rejection.errors.length ? rejection.errors : [{ field: '(root)', rule: rejection.message }],
            );
          }
          if (err instanceof WorkflowNotFoundError) throw await this.explainClosed(userCode, err);
          throw err;
        }
      });
    } catch (err) {
      // Out of time: if the session took the message, its outcome is merely late and the step is still running.
      if (err instanceof TemporalUnavailableError && (await this.updateAccepted(workflowId, updateId))) {
        throw new EkycStepPendingError(userCode, updateId);
      }
      throw err;
    }
  }

  /** Whether the session has accepted the update (its outcome may still be on the way): one short poll. */
  private async updateAccepted(workflowId: string, updateId: string): Promise<boolean> {
    try {
      const response = await this.client.withDeadline(Date.now() + ACCEPTANCE_CHECK_MS, () =>
        this.client.workflowService.pollWorkflowExecutionUpdate({
          namespace: this.client.options.namespace,
          updateRef: { workflowExecution: { workflowId }, updateId },
          identity: this.client.options.identity,
          waitPolicy: { lifecycleStage: UPDATE_ACCEPTED },
        }),
      );
      return (response.stage ?? 0) >= UPDATE_ACCEPTED;
    } catch {
      return false; // not found, not accepted in time, or the server is out of reach: the step did not start.
    }
  }

  /** A message to a closed session: say whether it never existed, completed, or ended otherwise. */
  private async explainClosed(userCode: string, original: unknown): Promise<unknown> {
    const description = await this.describeOrNull(workflowIdFor(userCode));
    if (!description) return new EkycNotFoundError(userCode);
    if (description.status.name === 'RUNNING') return original;
    const stage = stageOf(description);
    if (stage === 'COMPLETED' || (!stage && description.status.name === 'COMPLETED')) {
      return new EkycAlreadyCompletedError(userCode);
    }
    return new EkycWrongStageError(userCode, stage, `the session has ended${stage ? ` (${stage})` : ''}`);
  }

  private async describeOrNull(workflowId: string): Promise<WorkflowExecutionDescription | null> {
    try {
      return await this.client.workflow.getHandle(workflowId).describe();
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return null;
      throw err;
    }
  }

  /** Runs Temporal calls under the call deadline and turns transport trouble into TemporalUnavailableError. */
  private async call<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await this.client.withDeadline(Date.now() + this.callTimeoutMs, fn);
    } catch (err) {
      if (err instanceof EkycClientError || err instanceof ValidationError) throw err;
      const reason = unavailableReason(err);
      if (reason) throw new TemporalUnavailableError(reason);
      throw err;
    }
  }
}

/** Throws a ValidationError naming `userCode` unless it is 8 digits. */
export function validateUserCode(userCode: string): void {
  if (!userCodeSchema.safeParse(userCode).success)
    throw new ValidationError([{ field: 'userCode', rule: RULES.userCode }]);
}
