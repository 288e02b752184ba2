// The simulator's agents: each one's Aadhaar, mobile, onboarded and activated flags, and the OTP pair Eko
// would hold for it. In memory, and under `ekyc dev` also in its data folder, encrypted (eko-state.ts); never logged.
import { randomInt } from 'node:crypto';
import { verhoeffValid } from '../common/verhoeff.js';

export interface SimAgentInit {
  userCode: string;
  aadhaar: string;
  /** The agent's registered mobile (customer_id). */
  mobile: string;
  onboarded?: boolean;
  activated?: boolean;
}

/** An otp_ref_id / reference_tid pair as Eko issues it. Send OTP's pair carries the OTP. */
export interface OtpPair {
  otpRefId: string;
  referenceTid: string | null;
  otp?: string;
  issuedAt: number;
}

export interface SimAgent {
  userCode: string;
  aadhaar: string;
  /** Null only for an agent auto-registered by the early contract's Send OTP, which carries no mobile. */
  mobile: string | null;
  onboarded: boolean;
  activated: boolean;
  /** The latest Send OTP pair, until verified. */
  sent?: OtpPair;
  /** The pair Verify OTP returned, until used by a successful Biometric. */
  verified?: OtpPair;
  ekycCompletedAt?: string;
  /** Set on demand (tests): Daily KYC answers "Please complete bank eKYC" until a new eKYC completes. */
  rekycRequired?: boolean;
  /** The IST day (YYYY-MM-DD) of the latest successful Daily KYC. */
  dailyAuthDay?: string;
}

/** What tests may see of an agent: flags and progress, no PII. */
export interface SimAgentState {
  userCode: string;
  onboarded: boolean;
  activated: boolean;
  otpPending: boolean;
  otpVerified: boolean;
  ekycCompletedAt: string | null;
  rekycRequired: boolean;
  dailyAuthDay: string | null;
}

/** What tests may change of an agent. `ekycCompletedAt` (ISO) stands for an eKYC done before the test began. */
export interface SimAgentFlags {
  onboarded?: boolean;
  activated?: boolean;
  rekycRequired?: boolean;
  ekycCompletedAt?: string;
}

export function checkAgentInit(init: SimAgentInit): void {
  if (!/^\d{8}$/.test(String(init?.userCode))) throw new TypeError('userCode must be 8 digits');
  if (!/^[2-9]\d{11}$/.test(String(init.aadhaar)) || !verhoeffValid(String(init.aadhaar))) {
    throw new TypeError('aadhaar must be 12 digits with a valid Verhoeff check digit');
  }
  if (!/^[6-9]\d{9}$/.test(String(init.mobile))) throw new TypeError('mobile must be a 10-digit mobile starting 6-9');
}

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

function randomAlnum(length: number): string {
  let s = '';
  for (let i = 0; i < length; i++) s += ALNUM[randomInt(ALNUM.length)];
  return s;
}

/** A fresh pair in the shapes of Eko's examples (`2465238`, `EKYKF4719702240123152147525I`). */
export function newPair(prefix: 'EKYKF' | 'BEKYF', now: number, withReferenceTid = true): OtpPair {
  return {
    otpRefId: String(randomInt(1_000_000, 10_000_000)),
    referenceTid: withReferenceTid ? prefix + randomAlnum(23) : null,
    issuedAt: now,
  };
}

export function newOtp(): string {
  return String(randomInt(0, 1_000_000)).padStart(6, '0');
}

export class AgentRegistry {
  private readonly agents = new Map<string, SimAgent>();

  add(init: SimAgentInit): void {
    checkAgentInit(init);
    this.agents.set(init.userCode, {
      userCode: init.userCode,
      aadhaar: init.aadhaar,
      mobile: init.mobile,
      onboarded: init.onboarded ?? true,
      activated: init.activated ?? true,
    });
  }

  /** Registration without a mobile: only for the early contract's Send OTP under autoRegister. */
  register(agent: SimAgent): void {
    this.agents.set(agent.userCode, agent);
  }

  get(userCode: string): SimAgent | undefined {
    return this.agents.get(userCode);
  }

  update(userCode: string, flags: SimAgentFlags): void {
    const agent = this.agents.get(userCode);
    if (!agent) throw new Error(`no simulated agent ${userCode}`);
    if (flags.onboarded !== undefined) agent.onboarded = flags.onboarded;
    if (flags.activated !== undefined) agent.activated = flags.activated;
    if (flags.rekycRequired !== undefined) agent.rekycRequired = flags.rekycRequired;
    if (flags.ekycCompletedAt !== undefined) agent.ekycCompletedAt = flags.ekycCompletedAt;
  }

  /** Every agent, as copies (for the state file). */
  snapshot(): SimAgent[] {
    return structuredClone([...this.agents.values()]);
  }

  /** Takes agents back from a snapshot (a restarted simulator). */
  restore(agents: SimAgent[]): void {
    for (const agent of agents) this.agents.set(agent.userCode, structuredClone(agent));
  }

  state(userCode: string): SimAgentState | undefined {
    const a = this.agents.get(userCode);
    if (!a) return undefined;
    return {
      userCode: a.userCode,
      onboarded: a.onboarded,
      activated: a.activated,
      otpPending: a.sent !== undefined,
      otpVerified: a.verified !== undefined,
      ekycCompletedAt: a.ekycCompletedAt ?? null,
      rekycRequired: a.rekycRequired ?? false,
      dailyAuthDay: a.dailyAuthDay ?? null,
    };
  }
}
