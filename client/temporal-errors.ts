// How the Temporal SDK's errors read for the client library: transport trouble, update validator rejections.
// The SDK wraps gRPC errors a few layers deep, so every check walks the cause chain.
import {
  isGrpcServiceError,
  WorkflowUpdateFailedError,
  WorkflowUpdateRPCTimeoutOrCancelledError,
} from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { STAGES, type Stage } from '../common/domain.js';
import { AGENT_STATES, type AgentState, type DailyAuthOutcome } from '../common/agent.js';
import type { FieldError } from '../common/validation.js';
import { VALIDATOR_REJECTION } from '../workflows/messages.js';

// gRPC status codes that mean "the server could not be reached, is overloaded, did not answer in time, or is moving
// work between its parts". ABORTED is what Temporal's history service answers while a shard changes hands (its
// ShardOwnershipLost, seen by the client library as "Workflow Update failed" when the history service was killed
// during the cluster failover test): the call is safe to repeat, updates with the same update id are deduplicated.
const GRPC = { CANCELLED: 1, DEADLINE_EXCEEDED: 4, RESOURCE_EXHAUSTED: 8, ABORTED: 10, UNAVAILABLE: 14 } as const;
const UNAVAILABLE_CODES = new Set<number>(Object.values(GRPC));
// Temporal's WorkflowNotReady (FAILED_PRECONDITION): the history service fails an update or a query fast while the
// run's workflow task is on its third attempt or later — after crashes, tasks lost with a killed worker, matching or
// history time out and are retried (seen in the cluster failover run). It clears when a workflow task completes, so
// it is a session recovering, safe to repeat with the same update id. Other FAILED_PRECONDITION answers are not.
const FAILED_PRECONDITION = 9;
const WORKFLOW_TASK_RETRYING = /due to Workflow Task in failed state/;

function* causes(err: unknown): Generator<unknown> {
  let current: unknown = err;
  for (let depth = 0; current && depth < 8; depth++) {
    yield current;
    current = (current as { cause?: unknown }).cause;
  }
}

/** A short, value-free description of why Temporal is unavailable, or null when the error is something else. */
export function unavailableReason(err: unknown): string | null {
  for (const e of causes(err)) {
    if (e instanceof WorkflowUpdateRPCTimeoutOrCancelledError) return 'the call timed out';
    if (isGrpcServiceError(e) && UNAVAILABLE_CODES.has(e.code)) {
      if (e.code === GRPC.UNAVAILABLE) return 'the server cannot be reached';
      if (e.code === GRPC.ABORTED) return 'the server is recovering';
      return e.code === GRPC.RESOURCE_EXHAUSTED ? 'the server is overloaded' : 'the call timed out';
    }
    if (
      isGrpcServiceError(e) &&
      e.code === FAILED_PRECONDITION &&
      WORKFLOW_TASK_RETRYING.test(String(e.details ?? '').slice(0, 500))
    ) {
      return "the session's workflow task is being retried";
    }
    const message = (e as { message?: unknown }).message;
    if (typeof message === 'string' && /Failed to connect|before the deadline|Deadline exceeded/i.test(message)) {
      return 'the server cannot be reached';
    }
  }
  return null;
}

export interface ValidatorRejection {
  type: (typeof VALIDATOR_REJECTION)[keyof typeof VALIDATOR_REJECTION];
  stage: Stage | undefined;
  errors: FieldError[];
  message: string;
}

/** The update validator's rejection carried by an executeUpdate error, if that is what it is. */
export function validatorRejection(err: unknown): ValidatorRejection | null {
  if (!(err instanceof WorkflowUpdateFailedError)) return null;
  const failure = err.cause;
  if (!(failure instanceof ApplicationFailure)) return null;
  if (failure.type !== VALIDATOR_REJECTION.wrongStage && failure.type !== VALIDATOR_REJECTION.invalidArgument)
    return null;
  const detail = (failure.details?.[0] ?? {}) as { stage?: unknown; errors?: unknown };
  const stage = STAGES.includes(detail.stage as Stage) ? (detail.stage as Stage) : undefined;
  const errors = Array.isArray(detail.errors)
    ? detail.errors
        .filter((e): e is FieldError => typeof e?.field === 'string' && typeof e?.rule === 'string')
        .map(({ field, rule }) => ({ field, rule }))
    : [];
  return { type: failure.type, stage, errors, message: failure.message };
}

/** A submitDailyAuth the lifecycle answered in its validator (no Eko call, nothing in history): its outcome. */
export function dailyAuthRefusal(err: unknown): DailyAuthOutcome | null {
  if (!(err instanceof WorkflowUpdateFailedError)) return null;
  const failure = err.cause;
  if (!(failure instanceof ApplicationFailure) || failure.type !== VALIDATOR_REJECTION.dailyAuthRefused) return null;
  const d = (failure.details?.[0] ?? {}) as Partial<DailyAuthOutcome>;
  if (!AGENT_STATES.includes(d.state as AgentState) || typeof d.accepted !== 'boolean') return null;
  const text = (v: unknown) => (typeof v === 'string' ? v : undefined);
  const outcome: DailyAuthOutcome = { accepted: d.accepted, state: d.state as AgentState };
  for (const k of ['code', 'reason', 'eligibleAt', 'validUntil', 'retryAfter'] as const) {
    const v = text(d[k]);
    if (v !== undefined) outcome[k] = v;
  }
  if (typeof d.attemptsLeft === 'number') outcome.attemptsLeft = d.attemptsLeft;
  return outcome;
}
