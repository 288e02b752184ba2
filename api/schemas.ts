// JSON schemas of the HTTP API (Fastify validates requests and serialises responses with them), and the
// translation of schema errors into the same `{ field, rule }` wording the client library uses.
import type { FastifySchemaValidationError } from 'fastify/types/schema.js';
import { STAGES } from '../common/domain.js';
import { AGENT_STATES, INVALIDATION_REASONS } from '../common/agent.js';
import { MAX_LENGTH, RULES, type FieldError } from '../common/validation.js';

export const MAX_PID_DATA_CHARS = MAX_LENGTH.pidData;

/**
 * A string of at most `maxLength` characters matching `pattern`. The pattern sits under `if`/`then` so that it runs
 * only on a string within the bound: with ajv's `allErrors` both would run otherwise (docs/SECURITY.md: no pattern
 * sees an unbounded string). A pattern failure also reports the `if` keyword, under the same field and rule.
 */
const boundedString = (maxLength: number, pattern: string) =>
  ({ type: 'string', maxLength, if: { maxLength }, then: { pattern } }) as const;

const stage = { type: 'string', enum: [...STAGES] } as const;
const nullableString = { type: ['string', 'null'] } as const;

const userCode = boundedString(MAX_LENGTH.userCode, '^\\d{8}$');

export const userCodeParams = {
  type: 'object',
  required: ['userCode'],
  properties: { userCode },
} as const;

/** `Idempotency-Key`: a repeated step request with the same key joins the first one (its Temporal update id). */
export const stepHeaders = {
  type: 'object',
  properties: { 'idempotency-key': boundedString(64, '^[A-Za-z0-9_.:-]{1,64}$') },
} as const;

export const startBody = {
  type: 'object',
  required: ['userCode', 'customerId', 'aadhaar', 'latlong', 'bankCode'],
  additionalProperties: false,
  properties: {
    userCode,
    customerId: boundedString(MAX_LENGTH.customerId, '^[6-9]\\d{9}$'),
    aadhaar: boundedString(MAX_LENGTH.aadhaar, '^[2-9]\\d{11}$'),
    latlong: { type: 'string', maxLength: MAX_LENGTH.latlong },
    bankCode: boundedString(MAX_LENGTH.bankCode, '^[A-Za-z0-9]{2,12}$'),
    // Checked field by field by the shared rules (common/validation.ts policySchema).
    policy: { type: 'object' },
  },
} as const;

export const otpBody = {
  type: 'object',
  required: ['otp'],
  additionalProperties: false,
  properties: { otp: boundedString(MAX_LENGTH.otp, '^\\d{6}$') },
} as const;

export const biometricBody = {
  type: 'object',
  required: ['pidData'],
  additionalProperties: false,
  properties: { pidData: { type: 'string', minLength: 1, maxLength: MAX_PID_DATA_CHARS } },
} as const;

export const emptyBody = { type: 'object', additionalProperties: false, properties: {} } as const;

export const cancelBody = {
  type: 'object',
  additionalProperties: false,
  properties: { reason: { type: 'string', maxLength: 200 } },
} as const;

/** `?wait=first-step`: answer once the first Send OTP has settled (update-with-start), not as soon as started. */
export const startQuery = {
  type: 'object',
  additionalProperties: false,
  properties: { wait: { type: 'string', enum: ['first-step'] } },
} as const;

export const updateOutcome = {
  type: 'object',
  required: ['accepted', 'stage'],
  properties: {
    accepted: { type: 'boolean' },
    stage,
    code: { type: 'string' },
    reason: { type: 'string' },
    attemptsLeft: { type: 'integer' },
    retryAfter: { type: 'string' },
  },
} as const;

export const startResult = {
  type: 'object',
  required: ['workflowId', 'runId', 'stage', 'resumed'],
  properties: {
    workflowId: { type: 'string' },
    runId: { type: 'string' },
    stage,
    resumed: { type: 'boolean' },
    // With ?wait=first-step: how the first Send OTP went.
    outcome: updateOutcome,
  },
} as const;

export const cancelResult = {
  type: 'object',
  required: ['workflowId', 'cancelRequested'],
  properties: { workflowId: { type: 'string' }, cancelRequested: { type: 'boolean' } },
} as const;

/** The `status` query (common/domain.ts EkycStatus); fields added later pass through. */
export const statusResult = {
  type: 'object',
  required: ['stage', 'userCode'],
  additionalProperties: true,
  properties: {
    stage,
    userCode: { type: 'string' },
    otpRefId: nullableString,
    referenceTid: nullableString,
    mobileHint: nullableString,
    otpAttemptsLeft: { type: 'integer' },
    otpExpired: { type: 'boolean' },
    otpExpiresAt: nullableString,
    resendsLeft: { type: 'integer' },
    resendAvailableAt: nullableString,
    biometricAttemptsLeft: { type: 'integer' },
    lastError: {
      type: ['object', 'null'],
      properties: { code: { type: 'string' }, message: { type: 'string' } },
    },
    deadline: { type: 'string' },
    completedAt: nullableString,
  },
} as const;

// ---- the agent lifecycle (fingpayAgent) ----------------------------------------------------------------------

const agentState = { type: 'string', enum: [...AGENT_STATES] } as const;

/** submitDailyAuth: every string bounded by length before any pattern is tried. */
export const dailyAuthBody = {
  type: 'object',
  required: ['aadhaar', 'pidData'],
  additionalProperties: false,
  properties: {
    aadhaar: { type: 'string', maxLength: 12, pattern: '^[2-9]\\d{11}$' },
    pidData: { type: 'string', minLength: 1, maxLength: MAX_PID_DATA_CHARS },
    latlong: { type: 'string', maxLength: 64 },
    customerId: { type: 'string', maxLength: 10, pattern: '^[6-9]\\d{9}$' },
    bankCode: { type: 'string', maxLength: 12, pattern: '^[A-Za-z0-9]{2,12}$' },
  },
} as const;

export const invalidateBody = {
  type: 'object',
  required: ['reason'],
  additionalProperties: false,
  properties: { reason: { type: 'string', maxLength: 32, enum: [...INVALIDATION_REASONS] } },
} as const;

export const dailyAuthOutcome = {
  type: 'object',
  required: ['accepted', 'state'],
  properties: {
    accepted: { type: 'boolean' },
    state: agentState,
    code: { type: 'string' },
    reason: { type: 'string' },
    attemptsLeft: { type: 'integer' },
    eligibleAt: { type: 'string' },
    validUntil: { type: 'string' },
    retryAfter: { type: 'string' },
  },
} as const;

export const invalidateResult = {
  type: 'object',
  required: ['workflowId', 'invalidated'],
  properties: { workflowId: { type: 'string' }, invalidated: { type: 'boolean' } },
} as const;

/** The agent's `status` query (common/agent.ts AgentStatus): no PII; fields added later pass through. */
export const agentStatusResult = {
  type: 'object',
  required: ['userCode', 'state', 'canTransact', 'today'],
  additionalProperties: true,
  properties: {
    userCode: { type: 'string' },
    state: agentState,
    ekycCompletedAt: nullableString,
    eligibleAt: nullableString,
    canTransact: { type: 'boolean' },
    ekycAllowed: { type: 'boolean' },
    today: {
      type: 'object',
      properties: {
        date: { type: 'string' },
        authenticatedAt: nullableString,
        attemptsLeft: { type: 'integer' },
        invalidations: { type: 'integer' },
      },
    },
    lastError: {
      type: ['object', 'null'],
      properties: { code: { type: 'string' }, message: { type: 'string' } },
    },
  },
} as const;

const RULE_BY_FIELD: Record<string, string> = {
  userCode: RULES.userCode,
  customerId: RULES.customerId,
  aadhaar: RULES.aadhaarFormat,
  latlong: RULES.latlong,
  bankCode: RULES.bankCode,
  otp: RULES.otp,
  pidData: RULES.pidData,
  reason: 'must be a string of at most 200 characters (for invalidation: FP069 or OPERATOR_CHANGED)',
  policy: 'must be an object',
  'idempotency-key': 'must be 1-64 letters, digits, "_", ".", ":" or "-"',
  wait: 'must be first-step',
};

/** Fastify (ajv) schema errors in the `{ field, rule }` wording of common/validation.ts. */
export function schemaFieldErrors(errors: FastifySchemaValidationError[]): FieldError[] {
  const out: FieldError[] = [];
  for (const e of errors) {
    const path = e.instancePath.split('/').filter(Boolean).join('.');
    const params = e.params as Record<string, unknown>;
    let fieldError: FieldError;
    if (e.keyword === 'required') {
      fieldError = { field: [path, params.missingProperty].filter(Boolean).join('.'), rule: 'is required' };
    } else if (e.keyword === 'additionalProperties') {
      fieldError = { field: [path, params.additionalProperty].filter(Boolean).join('.'), rule: 'is not a known field' };
    } else if (!path) {
      fieldError = { field: '(body)', rule: 'must be a JSON object' };
    } else if (path === 'pidData' && e.keyword === 'maxLength') {
      fieldError = { field: path, rule: RULES.pidDataSize };
    } else {
      fieldError = { field: path, rule: RULE_BY_FIELD[path] ?? e.message ?? 'is not valid' };
    }
    if (!out.some((f) => f.field === fieldError.field && f.rule === fieldError.rule)) out.push(fieldError);
  }
  return out;
}
