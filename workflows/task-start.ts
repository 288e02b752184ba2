// Activity tasks that no worker starts. Temporal can lose a task that matching had handed to a poller when matching
// dies before the start is recorded (docs/PERFORMANCE.md, "Failover on the cluster": 169 Send OTP tasks at once);
// without a bound on the wait for a worker, only an activity's schedule-to-close ended it, as if the call had failed
// although it never ran. The server does not retry a schedule-to-start timeout, so the workflow schedules the same
// activity again, with the same input (so any idempotency key, e.g. Eko's client_ref_id, is the one a retry would
// carry), for what is left of the original budget: the deadline the caller set does not move.
import { ActivityFailure, TimeoutFailure, patched, proxyActivities, type ActivityOptions } from '@temporalio/workflow';
import { TimeoutType, type Duration } from '@temporalio/common';
import { msToNumber } from '@temporalio/common/lib/time.js';

/** patched() id of scheduling an activity again when no worker started its task (runs before it never did). */
export const LOST_TASK_PATCH = 'activity-task-start-timeout';
const TASK_START_MIN_MS = 2_000;
const TASK_START_MAX_MS = 60_000;
/** Below this much of the budget left, a task that was never started ends the call instead. */
const RESCHEDULE_MIN_MS = 1_000;

/** How long one scheduling may wait for a worker to start it: a third of the budget, within 2s–60s. */
export function taskStartTimeoutMs(budgetMs: number): number {
  return Math.min(TASK_START_MAX_MS, Math.max(TASK_START_MIN_MS, Math.floor(budgetMs / 3)));
}

/** The activity's task was not started by a worker within its schedule-to-start bound (lost, or no worker). */
export function neverStarted(err: unknown): boolean {
  return (
    err instanceof ActivityFailure &&
    err.cause instanceof TimeoutFailure &&
    err.cause.timeoutType === TimeoutType.SCHEDULE_TO_START
  );
}

interface TaskBounds {
  scheduleToCloseTimeout: number;
  scheduleToStartTimeout: number;
}

/**
 * Runs `schedule` with `budgetMs` as its schedule-to-close and a schedule-to-start bound; when the task was never
 * started, schedules it again with the rest of the budget. Any other outcome (and the last unstarted one) is the
 * caller's, as before.
 */
function startedWithin<T>(budgetMs: number, schedule: (bounds: TaskBounds) => Promise<T>): Promise<T> {
  const deadline = Date.now() + budgetMs;
  const taskStartMs = taskStartTimeoutMs(budgetMs);
  // A chain rather than an async loop: one promise per scheduling (each costs the SDK's promise hook a stack trace).
  const attempt = (leftMs: number): Promise<T> =>
    schedule({ scheduleToCloseTimeout: leftMs, scheduleToStartTimeout: Math.min(leftMs, taskStartMs) }).catch(
      (err: unknown) => {
        if (!neverStarted(err)) throw err;
        const rest = deadline - Date.now();
        if (rest < RESCHEDULE_MIN_MS || !patched(LOST_TASK_PATCH)) throw err;
        return attempt(rest);
      },
    );
  return attempt(budgetMs);
}

type ActivityFn = (...args: unknown[]) => Promise<unknown>;

/**
 * proxyActivities whose every call is startedWithin() its scheduleToCloseTimeout: that is the budget all schedulings
 * of one call share; the other options are the same for each.
 */
export function proxyActivitiesStartedWithin<A extends object>(
  options: ActivityOptions & { scheduleToCloseTimeout: Duration },
): A {
  const budgetMs = msToNumber(options.scheduleToCloseTimeout);
  return new Proxy({} as A, {
    get:
      (_, name) =>
      (...args: unknown[]) =>
        startedWithin(budgetMs, (bounds) => {
          const activities = proxyActivities({ ...options, ...bounds }) as Record<string | symbol, ActivityFn>;
          return activities[name](...args);
        }),
  });
}
