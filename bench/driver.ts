// Drives complete sessions for the benchmark: start, wait until the OTP is out, submitOtp, submitBiometric, wait
// for the run to close. The eKYC driver goes through the client library (EkycClient) as a backend would and reads
// the OTP from the simulator; the baseline driver sends the same-shaped calls with the plain SDK client.
import { randomInt } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import { TypedSearchAttributes } from '@temporalio/common';
import { EkycClient, EkycWrongStageError } from '../client/index.js';
import { workflowIdFor, type EkycInput } from '../common/domain.js';
import { verhoeffCheckDigit } from '../common/verhoeff.js';
import type { Logger } from '../observability/logger.js';
import { EKO_USER_CODE_SA, EKYC_STAGE_SA } from '../workflows/messages.js';
import { LATLONG, pidData } from '../test/sim/eko-fixtures.js';
import { BASELINE_WORKFLOW_TYPE, baselineSubmitBiometric, baselineSubmitOtp } from './baseline/shared.js';
import { pool, sleep } from './stats.js';
import type { BenchWorker } from './workers.js';

/**
 * Resolves waiters when something says a user's OTP is out (the simulator, or the baseline worker), with the OTP
 * when the simulator tells it ('' otherwise).
 */
export class OtpBoard {
  private readonly waiting = new Map<string, (otp: string) => void>();
  private readonly sent = new Map<string, string>();

  notify(userCode: string, otp = ''): void {
    const waiter = this.waiting.get(userCode);
    if (waiter) {
      this.waiting.delete(userCode);
      waiter(otp);
    } else this.sent.set(userCode, otp);
  }

  wait(userCode: string): Promise<string> {
    const otp = this.sent.get(userCode);
    if (otp !== undefined) {
      this.sent.delete(userCode);
      return Promise.resolve(otp);
    }
    return new Promise((resolve) => this.waiting.set(userCode, resolve));
  }

  /** A stand-in logger for EkoSimulator: each successful Send OTP it records notifies the board. */
  simLogger(): Logger {
    const log = {
      info: (entry: { step?: string; code?: string; userCode?: string | null }) => {
        if (entry.step === 'sendOtp' && entry.code === '0' && entry.userCode) this.notify(entry.userCode);
      },
    };
    return log as unknown as Logger;
  }
}

let nextUserCode = randomInt(10_000_000, 80_000_000);
/** A synthetic agent: Verhoeff-valid Aadhaar, 6-9 mobile, fresh 8-digit user code. Never a real person. */
export function syntheticAgent(): EkycInput {
  const body = String(randomInt(2, 10)) + String(randomInt(0, 10_000_000_000)).padStart(10, '0');
  return {
    userCode: String(nextUserCode++),
    customerId: String(randomInt(6, 10)) + String(randomInt(0, 1_000_000_000)).padStart(9, '0'),
    aadhaar: body + String(verhoeffCheckDigit(body)),
    latlong: LATLONG,
    bankCode: 'HDFC',
  };
}

export interface SessionTimings {
  workflowId: string;
  /** submitOtp round trip of the accepted call, ms; sent and answered at (epoch ms). */
  otpRttMs: number;
  otpSentAt: number;
  otpDoneAt: number;
  biometricRttMs: number;
  /** Update calls refused because the workflow had not yet taken the Send OTP result. */
  wrongStageRetries: number;
}

export interface RoundResult {
  kind: 'ekyc' | 'baseline';
  sessions: number;
  failed: number;
  errors: string[];
  elapsedMs: number;
  sessionsPerSecond: number;
  timings: SessionTimings[];
}

export interface EkycTarget {
  kind: 'ekyc';
  ekyc: EkycClient;
  /** Told by the simulator process (bench/sim-process.ts, auto-registering agents) when and which OTP is out. */
  board: OtpBoard;
}

export interface BaselineTarget {
  kind: 'baseline';
  client: Client;
  taskQueue: string;
  board: OtpBoard;
}

export type Target = EkycTarget | BaselineTarget;

/** Connects the baseline worker's "OTP sent" notes to a board. */
export function baselineBoard(worker: BenchWorker): OtpBoard {
  const board = new OtpBoard();
  worker.onOtpSent((userCode) => board.notify(userCode));
  return board;
}

const PID = pidData();
const WRONG_STAGE_PAUSE_MS = 5;

/** How long the agent takes to type the OTP and to give the fingerprint: none (closed loop) or [min, max] ms. */
export type Think = [number, number] | null;
const think = (t: Think) => (t ? sleep(t[0] + Math.random() * (t[1] - t[0])) : Promise.resolve());

type OtpTiming = Pick<SessionTimings, 'otpRttMs' | 'otpSentAt' | 'otpDoneAt' | 'wrongStageRetries'>;

/**
 * Times the accepted submitOtp: `submit` again, after a short pause, while `tooEarly` says the workflow refused it
 * because it had not yet taken the Send OTP result (about once per session, for both kinds alike).
 */
async function timedOtp(submit: () => Promise<unknown>, tooEarly: (err: unknown) => boolean): Promise<OtpTiming> {
  for (let wrongStageRetries = 0; ; wrongStageRetries++) {
    const started = performance.now();
    const otpSentAt = Date.now();
    try {
      await submit();
      return { otpRttMs: performance.now() - started, otpSentAt, otpDoneAt: Date.now(), wrongStageRetries };
    } catch (err) {
      if (!tooEarly(err)) throw err;
      await sleep(WRONG_STAGE_PAUSE_MS);
    }
  }
}

async function ekycSession(t: EkycTarget, pace: Think): Promise<SessionTimings> {
  const input = syntheticAgent();
  const otpOut = t.board.wait(input.userCode);
  await t.ekyc.startEkyc(input);
  const otp = await otpOut;
  await think(pace);
  const otpTiming = await timedOtp(
    async () => {
      const outcome = await t.ekyc.submitOtp(input.userCode, otp);
      if (!outcome.accepted) throw new Error(`submitOtp not accepted: ${outcome.code}`);
    },
    (err) => err instanceof EkycWrongStageError && err.stage === 'SENDING_OTP',
  );
  await think(pace);
  const started = performance.now();
  const outcome = await t.ekyc.submitBiometric(input.userCode, PID);
  const biometricRttMs = performance.now() - started;
  if (!outcome.accepted || outcome.stage !== 'COMPLETED') throw new Error(`submitBiometric: ${outcome.code}`);
  const workflowId = workflowIdFor(input.userCode);
  await t.ekyc.client.workflow.getHandle(workflowId).result();
  return { workflowId, ...otpTiming, biometricRttMs };
}

async function baselineSession(t: BaselineTarget, pace: Think): Promise<SessionTimings> {
  const input = syntheticAgent();
  const otpOut = t.board.wait(input.userCode);
  const handle = await t.client.workflow.start(BASELINE_WORKFLOW_TYPE, {
    taskQueue: t.taskQueue,
    workflowId: `bench-baseline-${input.userCode}`,
    args: [input],
    typedSearchAttributes: new TypedSearchAttributes([
      { key: EKYC_STAGE_SA, value: 'SENDING_OTP' },
      { key: EKO_USER_CODE_SA, value: input.userCode },
    ]),
  });
  await otpOut;
  await think(pace);
  const otpTiming = await timedOtp(
    () => handle.executeUpdate(baselineSubmitOtp, { args: [{ otp: '123456' }] }),
    (err) => err instanceof WorkflowUpdateFailedError,
  );
  await think(pace);
  const started = performance.now();
  await handle.executeUpdate(baselineSubmitBiometric, { args: [{ pidData: PID }] });
  const biometricRttMs = performance.now() - started;
  await handle.result();
  return { workflowId: handle.workflowId, ...otpTiming, biometricRttMs };
}

/**
 * `n` complete sessions with at most `concurrency` in flight. With `pace`, every agent pauses before each step
 * and the first agents arrive spread over the longest pause instead of all at once.
 */
export async function runRound(
  target: Target,
  n: number,
  concurrency: number,
  pace: Think = null,
): Promise<RoundResult> {
  const timings: SessionTimings[] = [];
  const errors: string[] = [];
  const started = performance.now();
  await pool(n, concurrency, async (i) => {
    if (pace && i < concurrency) await sleep(Math.random() * pace[1]);
    try {
      timings.push(await (target.kind === 'ekyc' ? ekycSession(target, pace) : baselineSession(target, pace)));
    } catch (err) {
      // Names and codes only: messages of this code base carry no PII, but keep the report short anyway.
      errors.push(`${(err as Error).name}: ${(err as Error).message}`.slice(0, 200));
    }
  });
  const elapsedMs = performance.now() - started;
  return {
    kind: target.kind,
    sessions: timings.length,
    failed: errors.length,
    errors: [...new Set(errors)].slice(0, 5),
    elapsedMs,
    sessionsPerSecond: (timings.length * 1000) / elapsedMs,
    timings,
  };
}
