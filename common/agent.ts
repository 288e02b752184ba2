// Names and types of the agent lifecycle (CONTRACT.md "Agent lifecycle and daily authentication"): the
// fingpayAgent workflow, its states, messages and status. Pure: the workflow sandbox, clients and page share it.

export const AGENT_WORKFLOW_TYPE = 'fingpayAgent';
export const AGENT_WORKFLOW_ID_PREFIX = 'fingpay-agent-';

export function agentWorkflowIdFor(userCode: string): string {
  return `${AGENT_WORKFLOW_ID_PREFIX}${userCode}`;
}

export const AGENT_STATES = [
  'EKYC_PENDING',
  'WAITING_ELIGIBILITY',
  'AUTH_REQUIRED',
  'AUTHENTICATED',
  'BLOCKED',
  'REKYC_REQUIRED',
] as const;
export type AgentState = (typeof AGENT_STATES)[number];

export const INVALIDATION_REASONS = ['FP069', 'OPERATOR_CHANGED'] as const;
export type InvalidationReason = (typeof INVALIDATION_REASONS)[number];

/** Operators' settings (worker configuration), carried by the lifecycle from run to run. */
export interface AgentPolicy {
  /** Daily KYC is allowed this long after the eKYC completed (EKYC_DAILY_AUTH_ELIGIBLE_AFTER). */
  eligibleAfter: string;
  /** Rejected captures allowed per IST day before BLOCKED (EKYC_DAILY_AUTH_MAX_ATTEMPTS). */
  maxAttempts: number;
  /** How long one Daily KYC call keeps retrying transient Eko failures. */
  ekoStepTimeout: string;
}

export const DEFAULT_AGENT_POLICY: AgentPolicy = { eligibleAfter: '3d', maxAttempts: 3, ekoStepTimeout: '3m' };

/** The completed eKYC the lifecycle remembers: its defaults for Daily KYC. `customerId` is PII (encrypted payloads only). */
export interface KnownEkyc {
  completedAt: string;
  customerId: string;
  latlong: string;
  bankCode: string;
}

/** What a run of fingpayAgent starts with, and carries to the next one by continue-as-new. No Aadhaar, no PID. */
export interface AgentInput {
  userCode: string;
  policy?: Partial<AgentPolicy>;
  ekyc?: KnownEkyc | null;
  rekycRequired?: boolean;
  today?: AgentDay | null;
  lastSuccessDate?: string | null;
  lastError?: { code: string; message: string } | null;
}

/** One IST day's record. */
export interface AgentDay {
  date: string;
  authenticatedAt: string | null;
  attemptsLeft: number;
  invalidations: number;
  /** An invalidation after today's success: another Daily KYC is needed. */
  invalidated: boolean;
}

/** Signal `ekycCompleted`: sent by fingpayEkyc when it completes (through an activity, signal-with-start). */
export interface EkycCompletedArg extends KnownEkyc {
  /** The eKYC's workflow run, for the record (not PII). */
  ekycRunId?: string;
}

/** Update `submitDailyAuth`. Missing latlong/customerId/bankCode default to those of the completed eKYC. */
export interface DailyAuthArg {
  aadhaar: string;
  pidData: string;
  latlong?: string;
  customerId?: string;
  bankCode?: string;
}

export interface InvalidateArg {
  reason: InvalidationReason;
}

export interface DailyAuthOutcome {
  accepted: boolean;
  state: AgentState;
  code?: string;
  reason?: string;
  attemptsLeft?: number;
  eligibleAt?: string;
  validUntil?: string;
  /** BLOCKED: when the next attempt is allowed (the next IST midnight). */
  retryAfter?: string;
}

/** `status` of fingpayAgent: no PII. */
export interface AgentStatus {
  userCode: string;
  state: AgentState;
  ekycCompletedAt: string | null;
  eligibleAt: string | null;
  canTransact: boolean;
  /** REKYC_REQUIRED (or no eKYC known): a new fingpayEkyc may be started even though one completed before. */
  ekycAllowed: boolean;
  today: { date: string; authenticatedAt: string | null; attemptsLeft: number; invalidations: number };
  lastError: { code: string; message: string } | null;
  /** Signals ignored as malformed, unencrypted or stale (this run only). */
  ignoredSignals: { name: string; reason: string; at: string }[];
  policy: AgentPolicy;
}

/** `DailyAuthOutcome.code` values the lifecycle decides itself (Eko's verdicts keep their failure type names). */
export const AGENT_CODE = {
  ekycNotCompleted: 'EKYC_NOT_COMPLETED',
  notYetEligible: 'NOT_YET_ELIGIBLE',
  alreadyAuthenticated: 'ALREADY_AUTHENTICATED',
  blocked: 'DAILY_AUTH_BLOCKED',
  rekycRequired: 'REKYC_REQUIRED',
  ekoUnavailable: 'EKO_UNAVAILABLE',
} as const;

/** The activity fingpayEkyc calls on completion: signal-with-start of the agent's lifecycle. */
export interface AgentActivities {
  notifyAgentOfEkyc(input: EkycCompletedArg & { userCode: string }): Promise<void>;
}
