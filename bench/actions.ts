// Temporal Cloud billable Actions of one workflow run, read from its history, by the rules Temporal publishes
// ("Temporal Cloud Actions", docs.temporal.io/cloud/actions, read 2026-11-30). docs/CAPACITY.md uses it to price
// a session. Like Temporal's own estimate in the Cloud UI it sees only what a history holds: queries, activity
// heartbeats and rejected updates leave no event, so the capacity model adds the queries separately.
import proto from '@temporalio/proto';

// @temporalio/proto is CommonJS: under Node's ESM loader only its default export exists.
const E = proto.temporal.api.enums.v1.EventType;
type HistoryEvent = proto.temporal.api.history.v1.IHistoryEvent;

/** Actions by the rule that bills them. */
export interface Actions {
  /** Workflow started: by a client, by continue-as-new (this run's first event), a signal-with-start counts once. */
  workflowStarted: number;
  /** Each TimerStarted, including the implicit timers of `condition(…, timeout)` and `sleep`. */
  timers: number;
  /** Each UpsertWorkflowSearchAttributes command, except those that only set TemporalChangeVersion. */
  searchAttributeUpserts: number;
  /** Each signal received, except the one that came with a signal-with-start. */
  signals: number;
  /** Each accepted update (rejected ones bill too, but leave no event). */
  updates: number;
  /** Each activity attempt: an activity retried twice is three. */
  activityAttempts: number;
  /** Markers (local activities, patches) of one workflow task together: one per workflow task that has any. */
  markerTasks: number;
  /** Child workflows: two each (the start and the execution). */
  childWorkflows: number;
  /** Each signal sent to another workflow from this one. */
  signalsSent: number;
  total: number;
}

const type = (e: HistoryEvent) => e.eventType ?? E.EVENT_TYPE_UNSPECIFIED;

/** The billable Actions that this run's history shows. */
export function billableActions(events: readonly HistoryEvent[]): Actions {
  const a: Omit<Actions, 'total'> = {
    workflowStarted: 0,
    timers: 0,
    searchAttributeUpserts: 0,
    signals: 0,
    updates: 0,
    activityAttempts: 0,
    markerTasks: 0,
    childWorkflows: 0,
    signalsSent: 0,
  };
  const attemptsByScheduled = new Map<string, number>();
  const tasksWithMarkers = new Set<string>();
  events.forEach((e, i) => {
    switch (type(e)) {
      case E.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED:
        a.workflowStarted += 1;
        break;
      case E.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED:
        // A signal-with-start writes the signal right after the start: one Action for both.
        if (!(i === 1 && type(events[0]!) === E.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED)) a.signals += 1;
        break;
      case E.EVENT_TYPE_TIMER_STARTED:
        a.timers += 1;
        break;
      case E.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES: {
        const fields = Object.keys(
          e.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields ?? {},
        );
        if (fields.some((f) => f !== 'TemporalChangeVersion')) a.searchAttributeUpserts += 1;
        break;
      }
      case E.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED:
        a.updates += 1;
        break;
      case E.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
        attemptsByScheduled.set(String(e.eventId), 1);
        break;
      case E.EVENT_TYPE_ACTIVITY_TASK_STARTED: {
        // The server writes the started event once, with the attempt that ended the activity.
        const scheduled = String(e.activityTaskStartedEventAttributes?.scheduledEventId);
        attemptsByScheduled.set(scheduled, Math.max(1, e.activityTaskStartedEventAttributes?.attempt ?? 1));
        break;
      }
      case E.EVENT_TYPE_MARKER_RECORDED:
        tasksWithMarkers.add(String(e.markerRecordedEventAttributes?.workflowTaskCompletedEventId));
        break;
      case E.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED:
        a.childWorkflows += 2;
        break;
      case E.EVENT_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED:
        a.signalsSent += 1;
        break;
      default:
        break;
    }
  });
  a.activityAttempts = [...attemptsByScheduled.values()].reduce((s, n) => s + n, 0);
  a.markerTasks = tasksWithMarkers.size;
  const total = Object.values(a).reduce((s, n) => s + n, 0);
  return { ...a, total };
}
