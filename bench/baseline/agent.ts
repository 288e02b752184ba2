// The morning rush's baseline (bench/rush.ts): a workflow that does nothing of its own but leaves the same history as
// a fingpayAgent lifecycle on the day of its Daily KYC: started by signal-with-start with the completed eKYC, its
// search-attribute upserts (EkoUserCode, AgentState, then AgentState + DailyAuthDate), a timer to the next IST
// midnight that a request cancels and the loop starts again, one update with a validator, one activity (a no-op).
// The same main loop as workflows/agent.ts, so the same commands in the same order. No Node imports.
import {
  ApplicationFailure,
  CancellationScope,
  condition,
  patched,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import { istDate, nextIstMidnight } from '../../common/ist.js';
import { EVENT_HANDOVER_OPTIONS, WEBHOOK_EVENTS_PATCH } from '../../workflows/events.js';
import { AGENT_STATE_SA, DAILY_AUTH_DATE_SA, EKO_USER_CODE_SA } from '../../workflows/messages.js';
import {
  baselineEkycCompleted,
  baselineSubmitDailyAuth,
  type BaselineAgentActivities,
  type BaselineDailyAuthArg,
  type BaselineDailyAuthOutcome,
  type BaselineEkycArg,
} from './shared.js';

// The real Daily KYC call's options (workflows/eko-calls.ts): they shape the activity's events, not its cost.
const { submitDailyKyc } = proxyActivities<BaselineAgentActivities>({
  scheduleToCloseTimeout: '3m',
  startToCloseTimeout: '150s',
  heartbeatTimeout: '20s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s' },
});
// The partner event's hand-over (workflows/events.ts): same options, not awaited by the loop.
const { emitWebhookEvent } = proxyActivities<BaselineAgentActivities>(EVENT_HANDOVER_OPTIONS);

type State = BaselineDailyAuthOutcome['state'];

export async function baselineAgent(input: { userCode: string }): Promise<void> {
  let ekyc: BaselineEkycArg | null = null;
  let authenticatedOn: string | null = null;
  let published: { state: State | null; date: string | null } = { state: null, date: null };
  let version = 0;
  let inFlight = false;
  let nextId = 1;
  const queue: { id: number; arg: BaselineDailyAuthArg }[] = [];
  const outcomes = new Map<number, BaselineDailyAuthOutcome>();
  const state = (): State =>
    !ekyc ? 'EKYC_PENDING' : authenticatedOn === istDate(Date.now()) ? 'AUTHENTICATED' : 'AUTH_REQUIRED';

  setHandler(baselineEkycCompleted, (arg) => {
    ekyc = arg;
    version += 1;
  });
  setHandler(
    baselineSubmitDailyAuth,
    async (arg) => {
      const id = nextId++;
      queue.push({ id, arg });
      await condition(() => outcomes.has(id));
      const outcome = outcomes.get(id)!;
      outcomes.delete(id);
      return outcome;
    },
    {
      validator: (_arg) => {
        if (queue.length === 0 && !inFlight && state() !== 'AUTH_REQUIRED') {
          throw ApplicationFailure.create({ type: 'DailyAuthRefused', message: state() });
        }
      },
    },
  );

  upsertSearchAttributes([{ key: EKO_USER_CODE_SA, value: input.userCode }]);
  for (;;) {
    // Only what changed, as the lifecycle's publish() does (each upsert is an event).
    const now = state();
    const updates = [];
    if (now !== published.state) updates.push({ key: AGENT_STATE_SA, value: now });
    if (authenticatedOn !== null && authenticatedOn !== published.date) {
      updates.push({ key: DAILY_AUTH_DATE_SA, value: authenticatedOn });
    }
    if (updates.length) upsertSearchAttributes(updates);
    published = { state: now, date: authenticatedOn };
    const request = queue.shift();
    if (request) {
      inFlight = true;
      const startedAt = Date.now();
      await submitDailyKyc({ ...request.arg, ...ekyc!, userCode: input.userCode });
      inFlight = false;
      authenticatedOn = istDate(startedAt);
      if (patched(WEBHOOK_EVENTS_PATCH)) {
        void CancellationScope.nonCancellable(() =>
          emitWebhookEvent({ type: 'agent.daily_auth.succeeded', userCode: input.userCode }),
        );
      }
      outcomes.set(request.id, {
        accepted: true,
        state: state(),
        validUntil: new Date(nextIstMidnight(startedAt)).toISOString(),
      });
      continue;
    }
    const seen = version;
    await condition(() => queue.length > 0 || version !== seen, Math.max(1, nextIstMidnight(Date.now()) - Date.now()));
  }
}
