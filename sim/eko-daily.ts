// The simulator's Daily KYC (API.md §5): the agent must have completed eKYC (else, or when a test asks for it,
// 1714 "Please complete bank eKYC"), and be past the eligibility window after it (else 1714 "Transaction Not
// Completed": Eko documents no answer for this case); a poor capture is 1714 "Invalid Biometric data"; success is
// 1713 and records the IST day. Eko charges every call, so the ledger (eko-sim.ts) is what tests count.
import { istDate } from '../common/ist.js';
import type { SimAgent } from './eko-agents.js';
import { checkPidData } from './eko-pid.js';
import { ANSWERS, REASON_BIOMETRIC, REASON_NOT_COMPLETED, REASON_REKYC, success } from './eko-shapes.js';
import type { SimAnswer, SimStepShape } from './eko-shapes.js';

/** Eko's own rule for the first Daily KYC after eKYC ([DEV] v3: 3 days; [DEV] v1 says T+2). */
export const DEFAULT_DAILY_ELIGIBLE_AFTER_MS = 3 * 24 * 60 * 60_000;

export interface DailyContext {
  contract: 'v3' | 'eps-2026-06';
  dailyEligibleAfterMs: number;
  now: () => number;
}

export function dailyKyc(ctx: DailyContext, shape: SimStepShape, pidData: string, agent: SimAgent): SimAnswer {
  if (agent.rekycRequired || agent.ekycCompletedAt === undefined) return ANSWERS.dailyKycFailed(REASON_REKYC);
  const now = ctx.now();
  if (now < Date.parse(agent.ekycCompletedAt) + ctx.dailyEligibleAfterMs) {
    return ANSWERS.dailyKycFailed(REASON_NOT_COMPLETED);
  }
  if (!checkPidData(pidData).ok) return ANSWERS.dailyKycFailed(REASON_BIOMETRIC);
  agent.dailyAuthDay = istDate(now);
  if (ctx.contract === 'v3') return success(shape, { user_code: agent.userCode });
  // The early page's data (declared non-existent by Eko later); the client reads none of it.
  return success(shape, { reference_id: `DAKYC${now}`, auth_status: 'success' });
}
