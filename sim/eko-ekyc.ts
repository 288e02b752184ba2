// The simulator's eKYC logic for one authenticated request: field checks (97/-1), the agent's flags and details,
// and the OTP pair rules of API.md §2-4 (latest pair, right OTP, verified pair for Biometric, 1600/1604/1605).
import type { KeyObject } from 'node:crypto';
import { latlongSchema } from '../common/validation.js';
import { maskMobile } from '../common/domain.js';
import { decryptAadhaar } from './eko-aadhaar.js';
import { AgentRegistry, newOtp, newPair, type SimAgent } from './eko-agents.js';
import { checkPidData } from './eko-pid.js';
import { dailyKyc } from './eko-daily.js';
import {
  ANSWERS,
  INVALID,
  MISSING,
  invalidParams,
  success,
  type SimAnswer,
  type SimContract,
  type SimStepShape,
} from './eko-shapes.js';

export interface EkycContext {
  registry: AgentRegistry;
  privateKey: KeyObject;
  initiatorId: string;
  contract: SimContract;
  autoRegister: boolean;
  otpTtlMs: number;
  /** Return otp_ref_id as a JSON number, as some Eko answers do. */
  numericOtpRefId: boolean;
  /** How long after a completed eKYC Daily KYC starts to succeed. */
  dailyEligibleAfterMs: number;
  /** The simulator's clock (tests move it, eko-sim.ts); signatures are still checked against the real one. */
  now: () => number;
}

/** Field rules; a field not listed only has to be present. Ids may come as numbers. */
const RULES: Record<string, (v: string) => boolean> = {
  initiator_id: (v) => /^\d{10}$/.test(v),
  user_code: (v) => /^\d{8}$/.test(v),
  customer_id: (v) => /^[6-9]\d{9}$/.test(v),
  latlong: (v) => latlongSchema.safeParse(v).success,
  bank_code: (v) => /^[A-Za-z0-9]{2,12}$/.test(v),
  otp: (v) => /^\d{6}$/.test(v),
  otp_ref_id: (v) => v.length <= 64,
  reference_tid: (v) => v.length <= 64,
  client_ref_id: (v) => v.length <= 20,
  piddata: (v) => v.length <= 200_000,
};

type Fields = Record<string, string>;

function text(value: unknown): string | undefined {
  if (typeof value === 'string') return value.trim() === '' ? undefined : value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}

/** The request's fields as strings, or the 97/-1 answer naming every missing or invalid one. */
function readFields(
  shape: SimStepShape,
  body: Record<string, unknown>,
  ctx: EkycContext,
): { fields: Fields; aadhaar: string } | SimAnswer {
  const problems: Record<string, string> = {};
  const fields: Fields = {};
  for (const name of [...shape.required, ...shape.optional]) {
    const raw = body[name];
    const value = text(raw);
    if (value === undefined) {
      if (shape.required.includes(name)) problems[name] = MISSING;
      else if (raw !== undefined && raw !== null && raw !== '') problems[name] = INVALID;
      continue;
    }
    if (RULES[name] && !RULES[name](value)) problems[name] = INVALID;
    else fields[name] = value;
  }
  let aadhaar: string | undefined;
  const encrypted = fields[shape.aadhaarField];
  if (encrypted !== undefined) {
    aadhaar = decryptAadhaar(encrypted, ctx.privateKey);
    if (!aadhaar) problems[shape.aadhaarField] = INVALID;
  }
  if (fields.piddata !== undefined) {
    // A malformed PidData is an invalid field; a well-formed poor capture is the biometric step's to reject.
    const check = checkPidData(fields.piddata);
    if (!check.ok && check.kind === 'shape') problems.piddata = INVALID;
  }
  if (Object.keys(problems).length || !aadhaar) return invalidParams(problems);
  return { fields, aadhaar };
}

/** Aadhaar and (where the request carries one) mobile must be the agent's. */
function detailsMatch(agent: SimAgent, aadhaar: string, mobile: string | undefined): boolean {
  if (agent.aadhaar !== aadhaar) return false;
  if (mobile === undefined) return true;
  if (agent.mobile === null) {
    agent.mobile = mobile; // the early contract's auto-registered agent learns its mobile at Verify OTP
    return true;
  }
  return agent.mobile === mobile;
}

function otpRefIdOut(ctx: EkycContext, id: string): string | number {
  return ctx.numericOtpRefId ? Number(id) : id;
}

function sendOtp(ctx: EkycContext, shape: SimStepShape, agent: SimAgent): SimAnswer {
  const pair = { ...newPair('EKYKF', ctx.now(), ctx.contract === 'v3'), otp: newOtp() };
  agent.sent = pair;
  agent.verified = undefined; // a new OTP starts the exchange again
  if (ctx.contract === 'v3') {
    return success(shape, { reference_tid: pair.referenceTid, otp_ref_id: otpRefIdOut(ctx, pair.otpRefId) });
  }
  return success(shape, {
    otp_ref_id: otpRefIdOut(ctx, pair.otpRefId),
    ...(agent.mobile ? { mobile_hint: maskMobile(agent.mobile) } : {}),
  });
}

function verifyOtp(ctx: EkycContext, shape: SimStepShape, f: Fields, agent: SimAgent): SimAnswer {
  const sent = agent.sent;
  const latest =
    sent !== undefined &&
    sent.otpRefId === f.otp_ref_id &&
    (sent.referenceTid === null || sent.referenceTid === f.reference_tid) &&
    ctx.now() - sent.issuedAt <= ctx.otpTtlMs;
  if (!latest || sent.otp !== f.otp) return ANSWERS.otpRejected();
  const pair = newPair('BEKYF', ctx.now());
  agent.sent = undefined;
  agent.verified = pair;
  const data = { reference_tid: pair.referenceTid, otp_ref_id: otpRefIdOut(ctx, pair.otpRefId) };
  return success(shape, ctx.contract === 'v3' ? data : { user_code: agent.userCode, ...data });
}

function biometric(ctx: EkycContext, shape: SimStepShape, f: Fields, agent: SimAgent): SimAnswer {
  const pair = agent.verified;
  const verified =
    pair !== undefined &&
    pair.otpRefId === f.otp_ref_id &&
    (ctx.contract !== 'v3' || pair.referenceTid === f.reference_tid);
  // Eko's documented answer when the OTP steps were skipped or failed (§4.2).
  if (!verified) return ANSWERS.detailsRejected();
  const pid = checkPidData(f.piddata);
  if (!pid.ok) return ANSWERS.biometricRejected();
  agent.verified = undefined;
  agent.ekycCompletedAt = new Date(ctx.now()).toISOString();
  agent.rekycRequired = false; // a new eKYC is what "Please complete bank eKYC" asked for
  if (ctx.contract === 'v3') return success(shape, { user_code: agent.userCode });
  return success(shape, { kyc_status: 'completed', aadhaar_ref_num: newPair('EKYKF', ctx.now()).referenceTid });
}

/** Answer one request that passed the HTTP checks (route, content type, signature). */
export function handleEkyc(ctx: EkycContext, shape: SimStepShape, body: Record<string, unknown>): SimAnswer {
  const read = readFields(shape, body, ctx);
  if ('httpStatus' in read) return read;
  const { fields, aadhaar } = read;
  if (fields.initiator_id !== ctx.initiatorId) return ANSWERS.invalidInitiator();

  let agent = ctx.registry.get(fields.user_code);
  if (!agent && shape.step === 'sendOtp' && ctx.autoRegister) {
    agent = {
      userCode: fields.user_code,
      aadhaar,
      mobile: fields.customer_id ?? null,
      onboarded: true,
      activated: true,
    };
    ctx.registry.register(agent);
  }
  if (!agent) return ANSWERS.userNotFound();
  if (!agent.onboarded) return ANSWERS.notOnboarded();
  if (!agent.activated) return ANSWERS.notAllowed();
  if (!detailsMatch(agent, aadhaar, fields.customer_id)) return ANSWERS.detailsRejected();

  switch (shape.step) {
    case 'sendOtp':
      return sendOtp(ctx, shape, agent);
    case 'verifyOtp':
      return verifyOtp(ctx, shape, fields, agent);
    case 'biometric':
      return biometric(ctx, shape, fields, agent);
    case 'dailyKyc':
      return dailyKyc(ctx, shape, fields.piddata, agent);
  }
}
