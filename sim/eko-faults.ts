// Fault injection for the Eko simulator: faults scripted per agent and step, consumed in order, plus seeded
// random transient faults across all agents (for chaos tests that must replay the same sequence).
import type { EkoStep } from '../common/eko-steps.js';

export type EkoFault = (
  | { kind: 'http500' | 'http502' | 'http503' | 'http504' }
  /** HTTP 429 with a Retry-After header of `retryAfterSeconds` (default 1). */
  | { kind: 'http429'; retryAfterSeconds?: number }
  /** Accept the request and never answer: the client's timeout fires. Nothing is processed. */
  | { kind: 'hang' }
  /** Reset the TCP connection without an answer. Nothing is processed. */
  | { kind: 'reset' }
  /** Process the request (the ledger records Eko's real answer), then reset the connection: the answer is lost. */
  | { kind: 'lostResponse' }
  /** Eko's `response_status_id -2`: another transaction is in progress for the user. */
  | { kind: 'busy' }
  /** 346 "Agent not allowed to this transaction", whatever the agent's flags say. */
  | { kind: 'notAllowed' }
  /** Delay the answer by `ms`, then process the request normally. */
  | { kind: 'latency'; ms: number }
) & {
  /** How many consecutive calls the fault applies to (default 1). */
  times?: number;
};

export type EkoFaultKind = EkoFault['kind'];
export const FAULT_KINDS: readonly EkoFaultKind[] = [
  'http500',
  'http502',
  'http503',
  'http504',
  'http429',
  'hang',
  'reset',
  'lostResponse',
  'busy',
  'notAllowed',
  'latency',
];
export const SIM_STEPS: readonly EkoStep[] = ['sendOtp', 'verifyOtp', 'biometric', 'dailyKyc'];

/** Checks a fault that came over the wire (POST /__sim/faults); the message names what is wrong. */
export function parseFault(value: unknown): EkoFault {
  const f = value as Record<string, unknown> | null;
  if (!f || typeof f !== 'object' || !FAULT_KINDS.includes(f.kind as EkoFaultKind)) {
    throw new TypeError(`fault.kind must be one of ${FAULT_KINDS.join(', ')}`);
  }
  const times = f.times ?? 1;
  if (!Number.isInteger(times) || (times as number) < 1 || (times as number) > 1000) {
    throw new TypeError('fault.times must be an integer 1-1000');
  }
  if (f.kind === 'latency' && (!Number.isInteger(f.ms) || (f.ms as number) < 0 || (f.ms as number) > 600_000)) {
    throw new TypeError('fault.ms must be an integer 0-600000');
  }
  if (
    f.kind === 'http429' &&
    f.retryAfterSeconds !== undefined &&
    (!Number.isInteger(f.retryAfterSeconds) || (f.retryAfterSeconds as number) < 0)
  ) {
    throw new TypeError('fault.retryAfterSeconds must be a non-negative integer');
  }
  return { ...(f as EkoFault), times: times as number };
}

/** mulberry32: small, fast and good enough to make a chaos run repeatable from its seed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The transient faults random injection picks from: quick ones only, so a chaos run is not a timeout run. */
export const RANDOM_FAULTS: readonly EkoFault[] = [
  { kind: 'http500' },
  { kind: 'http503' },
  { kind: 'http429', retryAfterSeconds: 1 },
  { kind: 'reset' },
  { kind: 'busy' },
];

export class FaultBook {
  private readonly scripted = new Map<string, { fault: EkoFault; left: number }[]>();
  private readonly random: () => number;

  constructor(
    private readonly faultRate = 0,
    seed = 1,
  ) {
    if (!(faultRate >= 0 && faultRate <= 1)) throw new RangeError('faultRate must be between 0 and 1');
    this.random = seededRandom(seed);
  }

  inject(userCode: string, step: EkoStep, fault: EkoFault): void {
    const key = `${userCode}|${step}`;
    const queue = this.scripted.get(key) ?? [];
    queue.push({ fault, left: fault.times ?? 1 });
    this.scripted.set(key, queue);
  }

  /** The fault for this call, if any: the agent's scripted queue first, then the random draw. */
  take(userCode: string | undefined, step: EkoStep): EkoFault | undefined {
    if (userCode !== undefined) {
      const key = `${userCode}|${step}`;
      const queue = this.scripted.get(key);
      const head = queue?.[0];
      if (queue && head) {
        head.left -= 1;
        if (head.left <= 0) queue.shift();
        if (!queue.length) this.scripted.delete(key);
        return head.fault;
      }
    }
    if (this.faultRate > 0 && this.random() < this.faultRate) {
      return RANDOM_FAULTS[Math.floor(this.random() * RANDOM_FAULTS.length)];
    }
    return undefined;
  }

  /** Scripted faults not consumed yet, per agent and step. */
  pending(userCode: string, step: EkoStep): number {
    return (this.scripted.get(`${userCode}|${step}`) ?? []).reduce((n, e) => n + e.left, 0);
  }

  clear(): void {
    this.scripted.clear();
  }
}
