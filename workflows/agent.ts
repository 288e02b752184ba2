// The fingpayAgent lifecycle (CONTRACT.md "Agent lifecycle and daily authentication"): one workflow per agent, for
// ever. It remembers the agent's completed eKYC, runs each IST day's Daily KYC (one Eko call per request, from one
// main loop), counts the day's rejected captures, wakes at IST midnights and when the eligibility window opens, and
// continues as new every few weeks carrying its state (never an Aadhaar or a PID).
import {
  ApplicationFailure,
  allHandlersFinished,
  condition,
  continueAsNew,
  setWorkflowOptions,
  metricMeter,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import {
  AGENT_CODE,
  DEFAULT_AGENT_POLICY,
  type AgentDay,
  type AgentInput,
  type AgentPolicy,
  type AgentState,
  type AgentStatus,
  type DailyAuthArg,
  type DailyAuthOutcome,
  type KnownEkyc,
} from '../common/agent.js';
import {
  COUNT_BOUNDS,
  PATTERNS,
  ValidationError,
  checkedDailyAuthArg,
  checkedEkycCompletedArg,
  checkedInvalidateArg,
  durationToMs,
} from '../common/checks.js';
import { EKO_ERROR, type EkoErrorType } from '../common/eko-steps.js';
import { istDate, nextIstMidnight } from '../common/ist.js';
import { isUnencryptedMarker, UNENCRYPTED_REASON } from '../common/unencrypted.js';
import { noteUnencrypted, UNENCRYPTED_RULE } from './unencrypted.js';
import { clientRefIdFor, dailyKycCall } from './eko-calls.js';
import { versioningOptions } from './versioning.js';
import { WorkflowEvents } from './events.js';
import { shield } from './shield.js';
import {
  AGENT_STATE_SA,
  DAILY_AUTH_DATE_SA,
  EKO_USER_CODE_SA,
  VALIDATOR_REJECTION,
  agentStatusQuery,
  canTransactQuery,
  ekycCompletedSignal,
  invalidateDailyAuthSignal,
  submitDailyAuthUpdate,
} from './messages.js';

/**
 * A run ends (continue-as-new) after this many IST midnights or this many events, whichever comes first. A quiet day
 * costs ~6 events (timer, task, search attribute), a day with a Daily KYC ~20, so a run stays near 600 events and
 * far below Temporal's 10,240-event warning, and a replay after a worker restart is short.
 */
export const MIDNIGHTS_PER_RUN = 30;
export const EVENTS_PER_RUN = 2_000;
// Ignored signals are kept for status() only; a cap keeps the state small whatever a client sends.
const MAX_IGNORED_SIGNALS = 20;

/** Rejections that cost one of the day's attempts: Eko judged the capture (or the agent's details) and refused. */
const COSTS_AN_ATTEMPT: readonly EkoErrorType[] = [
  EKO_ERROR.BiometricRejected,
  EKO_ERROR.DailyKycFailed,
  EKO_ERROR.DetailsRejected,
];

const iso = (ms: number) => new Date(ms).toISOString();

// Emitted by the worker's Runtime; labels come from fixed sets (Eko failure types and AGENT_CODE), never PII.
const dailyAuthOutcomes = () =>
  metricMeter.createCounter('ekyc_daily_auth_outcomes', 'requests', 'Daily KYC requests by outcome code');
// The day's first success, by whether it came before 10:00 IST: the share of authenticated agents ready for the morning.
const firstDailyAuths = () =>
  metricMeter.createCounter(
    'ekyc_daily_auth_first_success',
    'agents',
    "agents' first successful Daily KYC of the IST day, by before_10_ist",
  );
/** The operators' policy as given, each field falling back to the default when absent or out of bounds. */
function resolveAgentPolicy(policy: Partial<AgentPolicy> | undefined): AgentPolicy {
  const p = policy ?? {};
  const duration = (v: unknown, fallback: string, min: number, max: number) => {
    if (typeof v !== 'string' || !PATTERNS.duration.test(v)) return fallback;
    const ms = durationToMs(v);
    return ms >= min && ms <= max ? v : fallback;
  };
  const [minAttempts, maxAttempts] = COUNT_BOUNDS.maxBiometricAttempts;
  return {
    eligibleAfter: duration(p.eligibleAfter, DEFAULT_AGENT_POLICY.eligibleAfter, 0, 30 * 86_400_000),
    maxAttempts:
      typeof p.maxAttempts === 'number' &&
      Number.isInteger(p.maxAttempts) &&
      p.maxAttempts >= minAttempts &&
      p.maxAttempts <= maxAttempts
        ? p.maxAttempts
        : DEFAULT_AGENT_POLICY.maxAttempts,
    ekoStepTimeout: duration(p.ekoStepTimeout, DEFAULT_AGENT_POLICY.ekoStepTimeout, 5_000, 3_600_000),
  };
}

setWorkflowOptions(versioningOptions('fingpayAgent'), fingpayAgent);
export async function fingpayAgent(input: AgentInput): Promise<void> {
  if (isUnencryptedMarker(input) || typeof input?.userCode !== 'string' || !PATTERNS.userCode.test(input.userCode)) {
    if (isUnencryptedMarker(input)) noteUnencrypted('agentInput');
    throw ApplicationFailure.create({
      type: isUnencryptedMarker(input) ? VALIDATOR_REJECTION.unencrypted : VALIDATOR_REJECTION.invalidArgument,
      message: isUnencryptedMarker(input)
        ? `the agent input reached the worker unencrypted: it ${UNENCRYPTED_RULE}`
        : 'invalid input: userCode: must be 8 digits',
      nonRetryable: true,
    });
  }
  return new AgentLifecycle(input).run();
}

interface Request {
  updateId: number;
  arg: DailyAuthArg;
}

class AgentLifecycle {
  private readonly userCode: string;
  private readonly policy: AgentPolicy;
  private ekyc: KnownEkyc | null;
  private rekycRequired: boolean;
  private day: AgentDay;
  private lastSuccessDate: string | null;
  private lastError: { code: string; message: string } | null;
  private readonly ignoredSignals: { name: string; reason: string; at: string }[] = [];

  private readonly queue: Request[] = [];
  private readonly outcomes = new Map<number, DailyAuthOutcome>();
  private nextUpdateId = 1;
  /** Bumped by every signal that changes the state, so the main loop wakes to publish it. */
  private version = 0;
  private calls = 0;
  private inFlight = false;
  private midnights = 0;
  private published: { state: AgentState | null; date: string | null } = { state: null, date: null };
  private readonly dailyKyc: ReturnType<typeof dailyKycCall>;
  /** The run's non-cancellable scope (workflows/shield.ts): the Daily KYC call and the partner events' hand-over. */
  private readonly shielded = shield();
  /** Partner webhooks (workflows/events.ts): Daily KYC outcomes, handed over without holding the loop. */
  private readonly events = new WorkflowEvents(this.shielded);

  constructor(input: AgentInput) {
    this.userCode = input.userCode;
    this.policy = resolveAgentPolicy(input.policy);
    this.ekyc = input.ekyc ?? null;
    this.rekycRequired = input.rekycRequired === true;
    this.lastSuccessDate = input.lastSuccessDate ?? null;
    this.lastError = input.lastError ?? null;
    const today = istDate(Date.now());
    this.day = input.today && input.today.date === today ? input.today : this.freshDay(today);
    this.dailyKyc = dailyKycCall(this.policy.ekoStepTimeout, this.shielded);
    this.installHandlers();
  }

  async run(): Promise<void> {
    upsertSearchAttributes([
      { key: EKO_USER_CODE_SA, value: this.userCode },
      ...(this.lastSuccessDate ? [{ key: DAILY_AUTH_DATE_SA, value: this.lastSuccessDate }] : []),
    ]);
    this.published.date = this.lastSuccessDate;
    for (;;) {
      this.rollDay();
      this.publish();
      const request = this.queue.shift();
      if (request) {
        await this.serve(request);
        continue;
      }
      if (this.runIsLong() && allHandlersFinished()) {
        // Nothing is queued and no handler is mid-way: the next run starts from exactly this state.
        await this.events.flush();
        await continueAsNew<typeof fingpayAgent>(this.carry());
      }
      const now = Date.now();
      const eligibleAt = this.eligibleAt();
      const wakeAt = Math.min(nextIstMidnight(now), eligibleAt !== null && eligibleAt > now ? eligibleAt : Infinity);
      const seen = this.version;
      const woken = await condition(() => this.queue.length > 0 || this.version !== seen, Math.max(1, wakeAt - now));
      if (!woken && istDate(Date.now()) !== this.day.date) this.midnights += 1;
    }
  }

  private runIsLong(): boolean {
    const info = workflowInfo();
    return this.midnights >= MIDNIGHTS_PER_RUN || info.historyLength >= EVENTS_PER_RUN || info.continueAsNewSuggested;
  }

  /** What the next run starts with: the eKYC and today's record, nothing a request carried. */
  private carry(): AgentInput {
    return {
      userCode: this.userCode,
      policy: this.policy,
      ekyc: this.ekyc,
      rekycRequired: this.rekycRequired,
      today: this.day,
      lastSuccessDate: this.lastSuccessDate,
      lastError: this.lastError,
    };
  }

  // ---- the day and the state ------------------------------------------------------------------------------

  private freshDay(date: string): AgentDay {
    return { date, authenticatedAt: null, attemptsLeft: this.policy.maxAttempts, invalidations: 0, invalidated: false };
  }

  /** Today's record, a fresh one once an IST midnight has passed. */
  private currentDay(): AgentDay {
    const today = istDate(Date.now());
    return this.day.date === today ? this.day : this.freshDay(today);
  }

  private rollDay(): void {
    this.day = this.currentDay();
  }

  private eligibleAt(): number | null {
    return this.ekyc ? Date.parse(this.ekyc.completedAt) + durationToMs(this.policy.eligibleAfter) : null;
  }

  state(): AgentState {
    if (this.rekycRequired) return 'REKYC_REQUIRED';
    if (!this.ekyc) return 'EKYC_PENDING';
    if (Date.now() < this.eligibleAt()!) return 'WAITING_ELIGIBILITY';
    const day = this.currentDay();
    if (day.authenticatedAt !== null && !day.invalidated) return 'AUTHENTICATED';
    if (day.attemptsLeft <= 0) return 'BLOCKED';
    return 'AUTH_REQUIRED';
  }

  /** Search attributes (only when they change: each upsert is an event) and the Temporal UI's details. */
  private publish(): void {
    const state = this.state();
    const updates = [];
    if (state !== this.published.state) updates.push({ key: AGENT_STATE_SA, value: state });
    if (this.lastSuccessDate !== null && this.lastSuccessDate !== this.published.date) {
      updates.push({ key: DAILY_AUTH_DATE_SA, value: this.lastSuccessDate });
    }
    if (updates.length) upsertSearchAttributes(updates);
    this.published = { state, date: this.lastSuccessDate };
    const day = this.currentDay();
    const lines = [
      `**State:** ${state}`,
      `Today (IST): ${day.date}, attempts left ${day.attemptsLeft}/${this.policy.maxAttempts}, invalidations ${day.invalidations}`,
      `Last Daily KYC: ${this.lastSuccessDate ?? 'never'}`,
    ];
    if (this.lastError) lines.push(`Last error: ${this.lastError.code}`);
    setCurrentDetails(lines.join('\n\n'));
  }

  status(): AgentStatus {
    const state = this.state();
    const day = this.currentDay();
    const eligibleAt = this.eligibleAt();
    return {
      userCode: this.userCode,
      state,
      ekycCompletedAt: this.ekyc?.completedAt ?? null,
      eligibleAt: eligibleAt === null ? null : iso(eligibleAt),
      canTransact: state === 'AUTHENTICATED',
      ekycAllowed: state === 'REKYC_REQUIRED' || state === 'EKYC_PENDING',
      today: {
        date: day.date,
        authenticatedAt: day.authenticatedAt,
        attemptsLeft: day.attemptsLeft,
        invalidations: day.invalidations,
      },
      lastError: this.lastError,
      ignoredSignals: [...this.ignoredSignals],
      policy: this.policy,
    };
  }

  /** Why a Daily KYC request is answered without calling Eko now, if it is. */
  private refusal(): DailyAuthOutcome | null {
    const state = this.state();
    const now = Date.now();
    switch (state) {
      case 'EKYC_PENDING':
        return {
          accepted: false,
          state,
          code: AGENT_CODE.ekycNotCompleted,
          reason: 'no completed eKYC is known for this agent',
        };
      case 'REKYC_REQUIRED':
        return {
          accepted: false,
          state,
          code: AGENT_CODE.rekycRequired,
          reason: 'Eko asks for a new eKYC ("Please complete bank eKYC"); complete it first',
        };
      case 'WAITING_ELIGIBILITY':
        return {
          accepted: false,
          state,
          code: AGENT_CODE.notYetEligible,
          reason: `Daily KYC is allowed ${this.policy.eligibleAfter} after the eKYC`,
          eligibleAt: iso(this.eligibleAt()!),
        };
      case 'AUTHENTICATED':
        return {
          accepted: true,
          state,
          code: AGENT_CODE.alreadyAuthenticated,
          reason: 'already authenticated today',
          validUntil: iso(nextIstMidnight(now)),
        };
      case 'BLOCKED':
        return {
          accepted: false,
          state,
          code: AGENT_CODE.blocked,
          reason: `all ${this.policy.maxAttempts} attempts of today were used; try again after midnight IST`,
          attemptsLeft: 0,
          retryAfter: iso(nextIstMidnight(now)),
        };
      default:
        return null;
    }
  }

  // ---- the Daily KYC call --------------------------------------------------------------------------------

  private async serve(request: Request): Promise<void> {
    const refusal = this.refusal();
    if (refusal) return this.answer(request, refusal);
    const ekyc = this.ekyc!;
    const { arg } = request;
    const startedAt = Date.now();
    const day = this.day;
    this.calls += 1;
    this.inFlight = true;
    const result = await this.dailyKyc({
      userCode: this.userCode,
      customerId: arg.customerId ?? ekyc.customerId,
      aadhaar: arg.aadhaar,
      latlong: arg.latlong ?? ekyc.latlong,
      bankCode: arg.bankCode ?? ekyc.bankCode,
      pidData: arg.pidData,
      clientRefId: clientRefIdFor(this.userCode, 'dailyKyc', workflowInfo().runId, this.calls),
    });
    this.inFlight = false;
    // The call counts for the IST day it was made on: a success at 23:59:59 does not cover the next day.
    const validUntil = nextIstMidnight(startedAt);
    if (result.ok) {
      if (day.authenticatedAt === null) {
        const minutesIst = Math.floor((startedAt - Date.parse(`${day.date}T00:00:00+05:30`)) / 60_000);
        firstDailyAuths().add(1, { before_10_ist: String(minutesIst < 600) });
      }
      day.authenticatedAt = iso(Date.now());
      day.invalidated = false;
      // A success ends the day's failures: after an invalidation the agent has every attempt again.
      day.attemptsLeft = this.policy.maxAttempts;
      this.lastSuccessDate = day.date;
      this.lastError = null;
      this.events.agent('agent.daily_auth.succeeded', this.userCode, this.state(), day.date, {
        validUntil: iso(validUntil),
      });
      // Eko accepted; if an IST midnight passed during the call, the state already asks for the new day's.
      return this.answer(request, {
        accepted: true,
        state: this.state(),
        validUntil: iso(validUntil),
      });
    }
    this.lastError = result.error;
    if (result.permanent && result.type === EKO_ERROR.RekycRequired) {
      this.rekycRequired = true;
    } else if (result.permanent && COSTS_AN_ATTEMPT.includes(result.type)) {
      day.attemptsLeft = Math.max(0, day.attemptsLeft - 1);
    }
    const state = this.state();
    this.emitRefused(state, day.date, result.error.code);
    return this.answer(request, {
      accepted: false,
      state,
      code: result.error.code,
      reason: result.error.message,
      attemptsLeft: this.currentDay().attemptsLeft,
      ...(state === 'BLOCKED' ? { retryAfter: iso(nextIstMidnight(Date.now())) } : {}),
    });
  }

  /** A Daily KYC call Eko refused: failed, and blocked or re-eKYC required when that followed from it. */
  private emitRefused(state: AgentState, date: string, code: string): void {
    const attemptsLeft = this.currentDay().attemptsLeft;
    this.events.agent('agent.daily_auth.failed', this.userCode, state, date, { code, attemptsLeft });
    if (state === 'BLOCKED') {
      const retryAfter = iso(nextIstMidnight(Date.now()));
      this.events.agent('agent.daily_auth.blocked', this.userCode, state, date, { code, attemptsLeft, retryAfter });
    } else if (state === 'REKYC_REQUIRED') {
      this.events.agent('agent.rekyc_required', this.userCode, state, date, { code });
    }
  }

  private answer(request: Request, outcome: DailyAuthOutcome): void {
    dailyAuthOutcomes().add(1, { code: outcome.code ?? 'OK' });
    this.outcomes.set(request.updateId, outcome);
  }

  // ---- messages -------------------------------------------------------------------------------------------

  private installHandlers(): void {
    setHandler(agentStatusQuery, () => this.status());
    setHandler(canTransactQuery, () => this.state() === 'AUTHENTICATED');

    setHandler(
      submitDailyAuthUpdate,
      async (arg) => {
        const updateId = this.nextUpdateId++;
        // Only what the call needs is queued; the request is dropped once answered.
        this.queue.push({ updateId, arg: checkedDailyAuthArg(arg, { sealed: true }) });
        await condition(() => this.outcomes.has(updateId));
        const outcome = this.outcomes.get(updateId)!;
        this.outcomes.delete(updateId);
        return outcome;
      },
      { validator: (arg) => this.validateDailyAuth(arg) },
    );

    setHandler(invalidateDailyAuthSignal, (arg) => {
      const parsed = this.parseSignal('invalidateDailyAuth', arg, () => checkedInvalidateArg(arg));
      if (!parsed) return;
      this.rollDay();
      this.day.invalidations += 1;
      if (this.day.authenticatedAt !== null) this.day.invalidated = true;
      this.lastError = { code: parsed.reason, message: `today's Daily KYC was invalidated (${parsed.reason})` };
      this.version += 1;
    });

    setHandler(ekycCompletedSignal, (arg) => {
      const parsed = this.parseSignal('ekycCompleted', arg, () => checkedEkycCompletedArg(arg));
      if (!parsed) return;
      const known = this.ekyc ? Date.parse(this.ekyc.completedAt) : -Infinity;
      if (Date.parse(parsed.completedAt) <= known) return this.ignore('ekycCompleted', 'not newer than the known eKYC');
      // A newer eKYC is what REKYC_REQUIRED waits for; its own eligibility window starts now.
      this.ekyc = parsed;
      this.rekycRequired = false;
      if (this.lastError?.code === EKO_ERROR.RekycRequired) this.lastError = null;
      this.version += 1;
    });
  }

  /** Update validator: a malformed, unencrypted or refused request is rejected before it reaches history. */
  private validateDailyAuth(arg: unknown): void {
    const state = this.state();
    if (isUnencryptedMarker(arg)) {
      noteUnencrypted('submitDailyAuth');
      throw ApplicationFailure.create({
        type: VALIDATOR_REJECTION.unencrypted,
        message: `the submitDailyAuth argument reached the worker unencrypted: it ${UNENCRYPTED_RULE}`,
        details: [{ state, errors: [{ field: '(argument)', rule: UNENCRYPTED_RULE }] }],
      });
    }
    try {
      // Sealed by the client (common/sealed.ts), which checked the plain values first.
      checkedDailyAuthArg(arg, { sealed: true });
    } catch (err) {
      const errors = err instanceof ValidationError ? err.errors : [{ field: '(argument)', rule: 'is malformed' }];
      throw ApplicationFailure.create({
        type: VALIDATOR_REJECTION.invalidArgument,
        message: err instanceof ValidationError ? err.message : 'invalid input: (argument): is malformed',
        details: [{ state, errors }],
      });
    }
    // While a call is in flight or a request waits in line the answer may still change (the call ahead may fail):
    // such a request is queued and answered by the loop instead.
    const refusal = this.queue.length === 0 && !this.inFlight ? this.refusal() : null;
    if (refusal) {
      throw ApplicationFailure.create({
        type: VALIDATOR_REJECTION.dailyAuthRefused,
        message: `${refusal.code}: ${refusal.reason}`,
        details: [refusal],
      });
    }
  }

  private parseSignal<T>(name: string, arg: unknown, parse: () => T): T | undefined {
    if (isUnencryptedMarker(arg)) {
      noteUnencrypted(name);
      this.ignore(name, UNENCRYPTED_REASON);
      return undefined;
    }
    try {
      return parse();
    } catch (err) {
      const why = err instanceof ValidationError ? err.errors.map((e) => `${e.field} ${e.rule}`).join('; ') : '';
      this.ignore(name, why ? `malformed: ${why}` : 'malformed');
      return undefined;
    }
  }

  private ignore(name: string, reason: string): void {
    this.ignoredSignals.push({ name, reason, at: iso(Date.now()) });
    if (this.ignoredSignals.length > MAX_IGNORED_SIGNALS) this.ignoredSignals.shift();
  }
}
