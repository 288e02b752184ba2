// Problem details (RFC 9457): the one place that decides which HTTP status and body each failure gets.
// Bodies name fields and rules, never values; an outcome that was not accepted keeps its fields at the top level.
import type { FastifyReply } from 'fastify';
import { TokenError } from '../auth/jwt.js';
import {
  AgentNotFoundError,
  EkycAlreadyCompletedError,
  EkycNotFoundError,
  EkycStepPendingError,
  EkycWrongStageError,
  TemporalUnavailableError,
} from '../client/errors.js';
import type { UpdateOutcome } from '../common/domain.js';
import { ValidationError, type FieldError } from '../common/validation.js';
import { OUTCOME_CODE } from '../workflows/messages.js';
import { AGENT_CODE, type DailyAuthOutcome } from '../common/agent.js';
import { EKO_ERROR } from '../common/eko-steps.js';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';
/** Retry hint when Temporal (or the token key set) is out of reach. */
export const RETRY_AFTER_UNAVAILABLE_SECONDS = 5;
/** Retry hint when Eko kept failing for a whole step. */
export const RETRY_AFTER_EKO_DOWN_SECONDS = 30;

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail?: string;
  /** Machine-readable, stable: switch on this. */
  code: string;
  errors?: FieldError[];
  [extension: string]: unknown;
}

export interface ProblemResponse {
  problem: Problem;
  headers?: Record<string, string>;
}

const problemType = (code: string) => `urn:fingpay-ekyc:problem:${code.toLowerCase().replace(/_/g, '-')}`;

/** The standard members come first and cannot be overridden by `extra`; undefined extras are left out. */
export function problem(status: number, code: string, title: string, extra: Record<string, unknown> = {}): Problem {
  const body: Problem = { type: problemType(code), title, status, code };
  for (const [key, value] of Object.entries(extra)) if (value !== undefined && !(key in body)) body[key] = value;
  return body;
}

/** A bearer token that is missing, bad, or names another agent. */
export class ForbiddenError extends Error {
  constructor(detail: string) {
    super(detail);
    this.name = 'ForbiddenError';
  }
}

/** Over a per-IP or per-agent request budget (api/app.ts): 429 with Retry-After. */
export class RateLimitedError extends Error {
  constructor(
    readonly scope: 'ip' | 'agent',
    readonly retryAfterSeconds: number,
  ) {
    super(
      `too many requests ${scope === 'ip' ? 'from this address' : 'for this agent'}; retry in ${retryAfterSeconds}s`,
    );
    this.name = 'RateLimitedError';
  }
}

export function validationProblem(errors: FieldError[]): Problem {
  return problem(400, 'VALIDATION', 'The request is not valid', {
    detail: errors.map((e) => `${e.field}: ${e.rule}`).join('; '),
    errors,
  });
}

/** Known failures to problems; anything else is null (the caller answers 500). */
export function problemFor(err: unknown): ProblemResponse | null {
  if (err instanceof ValidationError) return { problem: validationProblem(err.errors) };
  if (err instanceof TokenError) {
    if (err.reason === 'unavailable') {
      return {
        problem: problem(503, 'AUTH_UNAVAILABLE', 'Token keys unavailable', { detail: err.message }),
        headers: { 'retry-after': String(RETRY_AFTER_UNAVAILABLE_SECONDS) },
      };
    }
    const error = err.reason === 'missing' ? '' : ', error="invalid_token"';
    return {
      problem: problem(401, 'UNAUTHORIZED', 'A valid bearer token is required', { detail: err.message }),
      headers: { 'www-authenticate': `Bearer realm="ekyc"${error}` },
    };
  }
  if (err instanceof RateLimitedError) {
    return {
      problem: problem(429, 'RATE_LIMITED', 'Too many requests', { detail: err.message }),
      headers: { 'retry-after': String(Math.max(1, err.retryAfterSeconds)) },
    };
  }
  if (err instanceof ForbiddenError) {
    return { problem: problem(403, 'FORBIDDEN', 'The token does not allow this', { detail: err.message }) };
  }
  if (err instanceof EkycNotFoundError) {
    return { problem: problem(404, err.code, 'No such eKYC session', { detail: err.message }) };
  }
  if (err instanceof AgentNotFoundError) {
    return { problem: problem(404, err.code, 'No such agent', { detail: err.message }) };
  }
  if (err instanceof EkycAlreadyCompletedError) {
    return { problem: problem(409, err.code, 'eKYC already completed', { detail: err.message, stage: 'COMPLETED' }) };
  }
  if (err instanceof EkycWrongStageError) {
    return {
      problem: problem(409, err.code, 'Not possible in the current stage', {
        detail: err.message,
        ...(err.stage ? { stage: err.stage } : {}),
      }),
    };
  }
  if (err instanceof EkycStepPendingError) {
    return {
      problem: problem(503, err.code, 'The step is still running', {
        detail:
          'the session took the request but its outcome is not known yet; poll the status, or repeat the request with the same Idempotency-Key',
        updateId: err.updateId,
      }),
      headers: { 'retry-after': String(RETRY_AFTER_UNAVAILABLE_SECONDS) },
    };
  }
  if (err instanceof TemporalUnavailableError) {
    return {
      problem: problem(503, err.code, 'Service temporarily unavailable', { detail: err.message }),
      headers: { 'retry-after': String(RETRY_AFTER_UNAVAILABLE_SECONDS) },
    };
  }
  return null;
}

/** Whole seconds until `retryAfter` (an ISO instant), at least 1. */
export function retryAfterSeconds(retryAfter: string | undefined, now = Date.now()): number {
  const at = retryAfter ? Date.parse(retryAfter) : NaN;
  return Number.isFinite(at) ? Math.max(1, Math.ceil((at - now) / 1000)) : 1;
}

/**
 * An update outcome that was not accepted: 429 for the resend cooldown or the agent's OTP cap, 503 when Eko stayed down (nothing was
 * used up), 409 when the session moved on meanwhile, else 422 with the attempts left.
 */
export function notAcceptedProblem(outcome: UpdateOutcome, title: string, now = Date.now()): ProblemResponse {
  const fields = { detail: outcome.reason, ...outcome };
  const code = outcome.code ?? 'NOT_ACCEPTED';
  switch (outcome.code) {
    case OUTCOME_CODE.resendCooldown:
      return {
        problem: problem(429, code, 'Too soon to resend the OTP', fields),
        headers: { 'retry-after': String(retryAfterSeconds(outcome.retryAfter, now)) },
      };
    case OUTCOME_CODE.otpSendLimitReached:
      return {
        problem: problem(429, code, 'Too many OTPs sent to this agent', fields),
        headers: { 'retry-after': String(retryAfterSeconds(outcome.retryAfter, now)) },
      };
    case OUTCOME_CODE.ekoUnavailable:
      return {
        problem: problem(503, code, 'Eko is unavailable; nothing was used up, try again', fields),
        headers: { 'retry-after': String(RETRY_AFTER_EKO_DOWN_SECONDS) },
      };
    case OUTCOME_CODE.wrongStage:
      return { problem: problem(409, code, 'Not possible in the current stage', fields) };
    default:
      return { problem: problem(422, code, title, fields) };
  }
}

/**
 * A Daily KYC outcome that was not accepted (CONTRACT.md): 409 when the agent is not in a state to authenticate
 * (NOT_YET_ELIGIBLE, EKYC_NOT_COMPLETED, REKYC_REQUIRED, also Eko's own "complete bank eKYC"), 429 with Retry-After
 * when blocked for the day, 503 when Eko stayed down (nothing was used up), else 422: Eko refused the capture.
 */
export function dailyAuthProblem(outcome: DailyAuthOutcome, now = Date.now()): ProblemResponse {
  const fields = { detail: outcome.reason, ...outcome };
  const code = outcome.code ?? 'NOT_ACCEPTED';
  switch (outcome.code) {
    case AGENT_CODE.notYetEligible:
    case AGENT_CODE.ekycNotCompleted:
    case AGENT_CODE.rekycRequired:
    case EKO_ERROR.RekycRequired:
      return { problem: problem(409, code, 'Daily KYC is not possible for this agent now', fields) };
    case AGENT_CODE.blocked:
      return {
        problem: problem(429, code, "Today's Daily KYC attempts are used up", fields),
        headers: { 'retry-after': String(retryAfterSeconds(outcome.retryAfter, now)) },
      };
    case AGENT_CODE.ekoUnavailable:
      return {
        problem: problem(503, code, 'Eko is unavailable; nothing was used up, try again', fields),
        headers: { 'retry-after': String(RETRY_AFTER_EKO_DOWN_SECONDS) },
      };
    default:
      return { problem: problem(422, code, 'Daily KYC not accepted', fields) };
  }
}

export function sendProblem(reply: FastifyReply, { problem: body, headers }: ProblemResponse): FastifyReply {
  if (headers) reply.headers(headers);
  return reply.code(body.status).type(PROBLEM_CONTENT_TYPE).send(body);
}
