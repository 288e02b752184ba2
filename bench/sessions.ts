// The scripted agents of the chaos runs (bench/chaos.ts on the dev server, bench/chaos-cluster.ts on the cluster):
// each drives one complete eKYC session through the client library as a backend would, riding out Temporal being
// away (retrying with the same update id), resending when an OTP was consumed by a repeated Verify OTP; then the
// judge reads every session's run and the simulator's ledger: every session COMPLETED, exactly one successful
// biometric per agent, none stuck, no workflow task failed.
import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import proto from '@temporalio/proto';
import {
  EkycClient,
  EkycStepPendingError,
  EkycWrongStageError,
  TemporalUnavailableError,
  type StepOptions,
} from '../client/index.js';
import { workflowIdFor, WORKFLOW_TYPE, type EkycInput, type EkycStatus, type UpdateOutcome } from '../common/domain.js';
import type { EkoStep } from '../common/eko-steps.js';
import type { SimAgentInit } from '../sim/eko-agents.js';
import type { EkoLedgerEntry } from '../sim/eko-sim.js';
import type { EkoFault } from '../sim/eko-faults.js';
import { pidData } from '../test/sim/eko-fixtures.js';
import { round, sleep } from './stats.js';

const E = proto.temporal.api.enums.v1.EventType;
const SCHEDULE_TO_START = proto.temporal.api.enums.v1.TimeoutType.TIMEOUT_TYPE_SCHEDULE_TO_START;

/** What both chaos runs (dev server and cluster) set for their agents and the simulator. */
export interface ChaosAgentOptions {
  /** Share of Eko calls the simulator faults at random (5xx, 429, resets, busy). */
  faultRate: number;
  /** Share of agents that also get one scripted hang and one gateway error on a random step. */
  scriptedFaultShare: number;
  seed: number;
  /** The Eko client's per-request timeout in the workers: how long a hang costs. */
  ekoTimeoutMs: number;
  /** A session not final by then is stuck. */
  sessionDeadlineMs: number;
  /**
   * Hold worker kills, server restarts and crashes until no submitBiometric is in flight (and hold new ones
   * meanwhile). A worker killed after Eko accepted the fingerprint but before Temporal recorded it leaves the session
   * FAILED EkoOutcomeUncertain by design (Eko documents no de-duplication); this isolates that one window.
   */
  guardBiometric: boolean;
  log?: (line: string) => void;
}

/**
 * What the agents and the judge need of the Eko simulator: an EkoSimulator in this process (`npm run chaos`), or
 * one in a process of its own reached through its loopback test API (`npm run chaos:cluster`, simOverHttp).
 */
export interface SimControl {
  addAgent(agent: SimAgentInit): void | Promise<void>;
  injectFault(userCode: string, step: EkoStep, fault: EkoFault): void | Promise<void>;
  currentOtp(userCode: string): string | undefined | Promise<string | undefined>;
  ledger(): EkoLedgerEntry[] | Promise<EkoLedgerEntry[]>;
}

/** A simulator in another process, through its /__sim test API (loopback only). `baseUrl`: its EKO_BASE_URL. */
export function simOverHttp(baseUrl: string): SimControl {
  const root = `${new URL(baseUrl).origin}/__sim`;
  const call = async (path: string, init?: { method: string; body: unknown }) => {
    const res = await fetch(`${root}${path}`, {
      method: init?.method ?? 'GET',
      ...(init ? { headers: { 'content-type': 'application/json' }, body: JSON.stringify(init.body) } : {}),
      signal: AbortSignal.timeout(30_000),
    });
    if (res.status === 404 && path.startsWith('/otp/')) return undefined;
    if (!res.ok) throw new Error(`the simulator answered ${res.status} to ${init?.method ?? 'GET'} /__sim${path}`);
    return (await res.json()) as unknown;
  };
  return {
    addAgent: async (agent) => void (await call('/agents', { method: 'POST', body: agent })),
    injectFault: async (userCode, step, fault) =>
      void (await call('/faults', { method: 'POST', body: { userCode, step, fault } })),
    currentOtp: async (userCode) => ((await call(`/otp/${userCode}`)) as { otp: string } | undefined)?.otp,
    ledger: async () => ((await call('/ledger')) as { entries: EkoLedgerEntry[] }).entries,
  };
}

/**
 * Lets chaos events wait for a moment with no biometric in flight, holding new ones meanwhile. A biometric is in
 * flight from its submitBiometric until the workflow has recorded Eko's answer (the stage has left
 * SUBMITTING_BIOMETRIC): the update completes when the fingerprint is accepted, and the Eko call runs after it.
 */
export class BiometricGuard {
  private inFlight = 0;
  private closed = false;
  private waiters: (() => void)[] = [];

  constructor(readonly enabled: boolean) {}

  async around<T>(call: () => Promise<T>): Promise<T> {
    while (this.enabled && this.closed) await new Promise<void>((r) => this.waiters.push(r));
    this.inFlight++;
    try {
      return await call();
    } finally {
      this.inFlight--;
    }
  }

  async quiet<T>(event: () => Promise<T>): Promise<T> {
    if (!this.enabled) return event();
    this.closed = true;
    try {
      while (this.inFlight > 0) await sleep(50);
      return await event();
    } finally {
      this.closed = false;
      for (const w of this.waiters.splice(0)) w();
    }
  }
}

/** Runs `call` until it answers, retrying while Temporal is away; other errors go to the caller. */
export async function persist<T>(
  call: () => Promise<T>,
  deadline: number,
  onRetry: (err: unknown) => void,
): Promise<T> {
  for (let pause = 250; ; pause = Math.min(pause * 2, 3000)) {
    try {
      return await call();
    } catch (err) {
      const transient =
        err instanceof TemporalUnavailableError ||
        err instanceof EkycStepPendingError ||
        /unavailable|deadline|connect|ECONNREFUSED|shutting down/i.test((err as Error).message ?? '');
      if (!transient || Date.now() > deadline) throw err;
      onRetry(err);
      await sleep(pause);
    }
  }
}

/** A flag's or variable's value as a non-negative number (undefined when not given). */
export function numberOption(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new Error(`${name} must be a non-negative number`);
  return n;
}

/** The error and its causes as a short line: names, gRPC codes and messages (no payloads). */
export function describeError(err: unknown): string {
  const parts: string[] = [];
  let current: unknown = err;
  for (let depth = 0; current && depth < 5; depth++) {
    const e = current as { name?: string; code?: unknown; details?: string; message?: string; cause?: unknown };
    parts.push(
      `${e.name ?? 'Error'}${typeof e.code === 'number' ? `(code ${e.code})` : ''}: ${e.details ?? e.message ?? ''}`,
    );
    current = e.cause;
  }
  return parts.join(' <- ').slice(0, 400);
}

/** A deterministic generator in [0, 1) (the chaos schedule and scripts repeat with the seed). */
export function seededRandom(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32;
}

/** What the agents record: each session's last stage (STUCK until final), end codes, retries, step times. */
export interface SessionBook {
  outcomes: Map<string, EkycStatus['stage'] | 'STUCK' | 'ERROR'>;
  endCodes: Map<string, string>;
  clientRetries: number;
  /** The retried errors by kind: name and message, numbers masked (which gRPC answers were ridden out). */
  retriedBy: Record<string, number>;
  retried: (err: unknown) => void;
  /** When each step a worker had to take (OTP, resend, biometric) returned, epoch ms. */
  stepsDoneAt: number[];
}

export function newSessionBook(): SessionBook {
  const book: SessionBook = {
    outcomes: new Map(),
    endCodes: new Map(),
    clientRetries: 0,
    retriedBy: {},
    retried: (err) => {
      book.clientRetries++;
      const e = err as { name?: string; message?: string };
      const kind = `${e?.name ?? 'Error'}: ${String(e?.message ?? '')
        .replace(/[0-9a-f]{8}-[0-9a-f-]{27}/gi, '<id>')
        .replace(/\d+/g, '#')
        .slice(0, 100)}`;
      book.retriedBy[kind] = (book.retriedBy[kind] ?? 0) + 1;
    },
    stepsDoneAt: [],
  };
  return book;
}

export interface SessionScript {
  ekyc: EkycClient;
  sim: SimControl;
  rng: () => number;
  guard: BiometricGuard;
  book: SessionBook;
  /** Share of agents that also get one scripted hang and one gateway error on a random step. */
  scriptedFaultShare: number;
  /** A session not final by then is stuck. */
  sessionDeadlineMs: number;
  /** The agent's pause before typing the OTP and before giving the fingerprint: [min, max] ms, or none. */
  thinkMs?: [number, number] | null;
}

/** One agent's complete eKYC session: resolves when it reaches a final stage (recorded in the book). */
export function sessionDriver(script: SessionScript): (input: EkycInput) => Promise<void> {
  const { ekyc, sim, rng, guard, book } = script;
  const retried = book.retried;
  const think = () =>
    script.thinkMs ? sleep(script.thinkMs[0] + rng() * (script.thinkMs[1] - script.thinkMs[0])) : Promise.resolve();
  return async (input) => {
    const { userCode } = input;
    const deadline = Date.now() + script.sessionDeadlineMs;
    await sim.addAgent({ userCode, aadhaar: input.aadhaar, mobile: input.customerId });
    // Scripted faults are, like the random ones, of kinds Eko never processed (a hang, a gateway error): the
    // session's intended end is COMPLETED whatever the script, and the judge holds every session to it.
    if (rng() < script.scriptedFaultShare) {
      const steps = ['sendOtp', 'verifyOtp', 'biometric'] as const;
      const faults: EkoFault[] = [{ kind: 'hang' }, { kind: rng() < 0.5 ? 'http502' : 'http504' }];
      for (const fault of faults) await sim.injectFault(userCode, steps[Math.floor(rng() * 3)], fault);
    }
    // The session's resends: a consumed OTP (Verify OTP answered twice after a crash) needs a new one.
    await persist(() => ekyc.startEkyc({ ...input, policy: { resendCooldown: '1s' } }), deadline, retried);
    const step = async (send: (options: StepOptions) => Promise<UpdateOutcome>) => {
      const options = { updateId: randomUUID() };
      try {
        // The same update id on every retry: a repeated call joins the first instead of asking again.
        const outcome = await persist(() => send(options), deadline, retried);
        book.stepsDoneAt.push(Date.now());
        return outcome;
      } catch (err) {
        if (err instanceof EkycWrongStageError) return null; // the session moved on; look again
        throw err;
      }
    };
    let thought: string | null = null;
    while (Date.now() < deadline) {
      let status: EkycStatus;
      try {
        status = await persist(() => ekyc.status(userCode), deadline, retried);
      } catch (err) {
        // Before the first workflow task the status query has no answer yet.
        if (Date.now() > deadline) throw err;
        await sleep(500);
        continue;
      }
      // The agent's pause before each step, once per stage reached.
      const waiting = status.stage === 'AWAITING_OTP' || status.stage === 'AWAITING_BIOMETRIC';
      if (script.thinkMs && waiting && thought !== status.stage) {
        thought = status.stage;
        await think();
        continue;
      }
      switch (status.stage) {
        case 'AWAITING_OTP': {
          const otp = await sim.currentOtp(userCode);
          const resend = status.otpExpired || status.otpAttemptsLeft === 0 || otp === undefined;
          if (resend) {
            const wait = status.resendAvailableAt ? Date.parse(status.resendAvailableAt) - Date.now() : 0;
            if (wait > 0) await sleep(wait + 100);
            await step((o) => ekyc.requestOtpResend(userCode, o));
          } else {
            await step((o) => ekyc.submitOtp(userCode, otp, o));
          }
          break;
        }
        case 'AWAITING_BIOMETRIC':
          await guard.around(async () => {
            await step((o) => ekyc.submitBiometric(userCode, pidData(), o));
            // The guard covers the Eko call too, which runs after the update completed: until its answer is in.
            while (guard.enabled && Date.now() < deadline) {
              const now = await persist(() => ekyc.status(userCode), deadline, retried);
              if (now.stage !== 'SUBMITTING_BIOMETRIC') break;
              await sleep(300);
            }
          });
          break;
        case 'COMPLETED':
        case 'FAILED':
        case 'EXPIRED':
        case 'CANCELLED':
          book.outcomes.set(userCode, status.stage);
          if (status.lastError) book.endCodes.set(userCode, status.lastError.code);
          return;
        default:
          await sleep(300); // an Eko call is in flight
      }
    }
  };
}

export interface Judgement {
  problems: string[];
  sessions: number;
  completed: number;
  notCompleted: Record<string, number>;
  /** For each session not COMPLETED: the last events of its history (types and attempts only). */
  diagnoses: string[];
  stuck: number;
  ekoCalls: number;
  faultsInjected: Record<string, number>;
  faultShare: number;
  successfulBiometrics: { exactlyOne: number; none: number; moreThanOne: number };
  workflowTasksFailed: number;
  workflowTasksTimedOut: number;
  /**
   * Activity tasks no worker started within their schedule-to-start bound (lost by the cluster, or no worker free),
   * each scheduled again by the workflow (workflows/task-start.ts), by activity type.
   */
  activityTasksUnstarted: Record<string, number>;
  /** Sessions that ended FAILED EkoOutcomeUncertain: a biometric answer lost with a killed worker. */
  uncertainOutcomes: number;
  /** Client calls that failed for want of Temporal and were retried. */
  clientRetries: number;
  retriedBy: Record<string, number>;
  /** History events and bytes (the encoded events) of every session's run, summed. */
  historyEvents: number;
  historyBytes: number;
}

/** Reads every session's run and the simulator's ledger, and says what is wrong. */
export async function judgeSessions(args: {
  address: string;
  namespace?: string;
  taskQueue: string;
  book: SessionBook;
  sim: SimControl;
  retried: (err: unknown) => void;
}): Promise<Judgement> {
  const { address, taskQueue, book, sim, retried } = args;
  const namespace = args.namespace ?? 'default';
  const { outcomes, endCodes } = book;
  const sessions = outcomes.size;
  const problems: string[] = [];
  const connection = await Connection.connect({ address });
  const client = new Client({ connection, namespace });
  const notCompleted: Record<string, number> = {};
  const diagnoses: string[] = [];
  let workflowTasksFailed = 0;
  let workflowTasksTimedOut = 0;
  const activityTasksUnstarted: Record<string, number> = {};
  let historyEvents = 0;
  let historyBytes = 0;
  const HistoryEvent = proto.temporal.api.history.v1.HistoryEvent;
  for (const [userCode, stage] of outcomes) {
    const handle = client.workflow.getHandle(workflowIdFor(userCode));
    if (stage === 'COMPLETED') {
      // A completed session closes its run once it has told the agent's lifecycle (an activity that may have to
      // wait out a killed worker's heartbeat): give it that time before judging the run.
      for (const until = Date.now() + 90_000; Date.now() < until;) {
        const d = await persist(() => handle.describe(), Date.now() + 60_000, retried);
        if (d.status.name !== 'RUNNING') break;
        await new Promise((r) => setTimeout(r, 500));
      }
    }
    const description = await persist(() => handle.describe(), Date.now() + 60_000, retried);
    const closedCompleted = description.status.name === 'COMPLETED';
    const history = await persist(() => handle.fetchHistory(), Date.now() + 60_000, retried);
    const events = history.events ?? [];
    if (stage !== 'COMPLETED' || !closedCompleted) {
      // Event types and activity attempts only (no payloads): where the run lost its way.
      diagnoses.push(
        events
          .slice(-14)
          .map((e) => {
            const name = E[e.eventType ?? 0]?.replace('EVENT_TYPE_', '') ?? String(e.eventType);
            const attempt = e.activityTaskStartedEventAttributes?.attempt;
            return attempt && attempt > 1 ? `${name}(attempt ${attempt})` : name;
          })
          .join(' > '),
      );
      const key =
        stage === 'COMPLETED'
          ? `COMPLETED but run ${description.status.name}`
          : `${stage}${endCodes.has(userCode) ? ` ${endCodes.get(userCode)}` : ''}`;
      notCompleted[key] = (notCompleted[key] ?? 0) + 1;
    }
    for (const e of events) {
      if (e.eventType === E.EVENT_TYPE_WORKFLOW_TASK_FAILED) workflowTasksFailed++;
      if (e.eventType === E.EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT) workflowTasksTimedOut++;
      const timedOut = e.activityTaskTimedOutEventAttributes;
      if (timedOut?.failure?.timeoutFailureInfo?.timeoutType === SCHEDULE_TO_START) {
        const scheduled = events.find((s) => s.eventId?.toString() === timedOut.scheduledEventId?.toString());
        const type = scheduled?.activityTaskScheduledEventAttributes?.activityType?.name ?? '?';
        activityTasksUnstarted[type] = (activityTasksUnstarted[type] ?? 0) + 1;
      }
      historyBytes += HistoryEvent.encode(e as proto.temporal.api.history.v1.IHistoryEvent).finish().length;
    }
    historyEvents += events.length;
  }
  // eKYC sessions only: each agent's fingpayOtpQuota runs on for a day after its last OTP, by design.
  const running = (
    await client.workflow.count(
      `TaskQueue = '${taskQueue}' AND WorkflowType = '${WORKFLOW_TYPE}' AND ExecutionStatus = 'Running'`,
    )
  ).count;
  await connection.close();

  const ledger = await sim.ledger();
  const biometricOk = new Map<string, number>();
  for (const userCode of outcomes.keys()) biometricOk.set(userCode, 0);
  const faultsInjected: Record<string, number> = {};
  for (const entry of ledger) {
    if (entry.fault) faultsInjected[entry.fault] = (faultsInjected[entry.fault] ?? 0) + 1;
    if (entry.step === 'biometric' && entry.code === '0' && entry.userCode) {
      biometricOk.set(entry.userCode, (biometricOk.get(entry.userCode) ?? 0) + 1);
    }
  }
  const counts = [...biometricOk.values()];
  const successfulBiometrics = {
    exactlyOne: counts.filter((c) => c === 1).length,
    none: counts.filter((c) => c === 0).length,
    moreThanOne: counts.filter((c) => c > 1).length,
  };
  const completed = sessions - Object.values(notCompleted).reduce((a, b) => a + b, 0);
  const stuck = [...outcomes.values()].filter((s) => s === 'STUCK').length + running;

  if (completed !== sessions) problems.push(`${sessions - completed} session(s) not COMPLETED`);
  if (successfulBiometrics.exactlyOne !== sessions) {
    problems.push(
      `successful biometrics per agent: ${successfulBiometrics.none} with none, ${successfulBiometrics.moreThanOne} with more than one`,
    );
  }
  if (stuck) problems.push(`${stuck} session(s) stuck (${running} still running)`);
  if (workflowTasksFailed) problems.push(`${workflowTasksFailed} WorkflowTaskFailed event(s)`);
  const faultTotal = Object.values(faultsInjected).reduce((a, b) => a + b, 0);
  return {
    problems,
    sessions,
    completed,
    notCompleted,
    diagnoses,
    stuck,
    ekoCalls: ledger.length,
    faultsInjected,
    faultShare: round(faultTotal / Math.max(1, ledger.length), 3),
    successfulBiometrics,
    workflowTasksFailed,
    workflowTasksTimedOut,
    activityTasksUnstarted,
    uncertainOutcomes: [...endCodes.values()].filter((c) => c === 'EkoOutcomeUncertain').length,
    clientRetries: book.clientRetries,
    retriedBy: book.retriedBy,
    historyEvents,
    historyBytes,
  };
}
