// Typed errors of the client library. Backends and the HTTP API switch on these classes.
import type { Stage } from '../common/domain.js';

export class EkycClientError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** The agent's eKYC already completed; a completed session cannot be started again. */
export class EkycAlreadyCompletedError extends EkycClientError {
  constructor(readonly userCode: string) {
    super('ALREADY_COMPLETED', `eKYC of agent ${userCode} is already completed`);
  }
}

/** No session (running or closed) exists for this agent. */
export class EkycNotFoundError extends EkycClientError {
  constructor(readonly userCode: string) {
    super('NOT_FOUND', `no eKYC session for agent ${userCode}`);
  }
}

/** The message does not fit the session's current stage (rejected by the update validator). */
export class EkycWrongStageError extends EkycClientError {
  constructor(
    readonly userCode: string,
    readonly stage: Stage | undefined,
    detail: string,
  ) {
    super('WRONG_STAGE', detail);
  }
}

/** Temporal could not be reached or did not answer in time. */
export class TemporalUnavailableError extends EkycClientError {
  constructor(detail: string) {
    super('TEMPORAL_UNAVAILABLE', `Temporal unavailable: ${detail}`);
  }
}

/**
 * The session took the message, but its outcome (an Eko call, possibly retrying) was not known within the call
 * timeout. The step goes on: poll `status`, or repeat the call with the same update id to get its outcome.
 */
export class EkycStepPendingError extends EkycClientError {
  constructor(
    readonly userCode: string,
    readonly updateId: string,
  ) {
    super('STEP_PENDING', `the step is still running for agent ${userCode}; poll the status or retry with the same id`);
  }
}

/** No fingpayAgent lifecycle exists for this agent: no eKYC of it has completed since the lifecycle was introduced. */
export class AgentNotFoundError extends EkycClientError {
  constructor(readonly userCode: string) {
    super('AGENT_NOT_FOUND', `no agent lifecycle for agent ${userCode}`);
  }
}
