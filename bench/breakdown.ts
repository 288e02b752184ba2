// Where a submitOtp round trip goes, read from each session's own history: the client's send and receive times
// around the server's event times for the update's acceptance, the Verify OTP activity and the update's completion.
import type { Client } from '@temporalio/client';
import { tsToMs } from '@temporalio/common/lib/time.js';
import proto from '@temporalio/proto';
import { summarize, type Summary } from './stats.js';

// @temporalio/proto is CommonJS: under Node's ESM loader only its default export exists.
const E = proto.temporal.api.enums.v1.EventType;

export interface OtpCall {
  workflowId: string;
  /** Epoch ms when the client sent the accepted submitOtp, and when its outcome came back. */
  sentAt: number;
  doneAt: number;
}

/** The segments of one submitOtp round trip, in ms; they add up to the round trip. */
export interface OtpSegments {
  /** Client → server → worker runs the validator and accepts → UpdateAccepted written. */
  toAccepted: number;
  /** Verify OTP activity scheduled → picked up by a worker. */
  activityDispatch: number;
  /** The activity's own time, minus the Eko latency the simulator adds (HTTP, crypto, codec, logging). */
  activityWork: number;
  /** Activity completed → workflow task run → UpdateCompleted written. */
  toCompleted: number;
  /** UpdateCompleted written → the client has the outcome. */
  delivery: number;
}

export type OtpBreakdown = Record<keyof OtpSegments, Summary>;

export async function otpSegments(client: Client, call: OtpCall, latencyMs: number): Promise<OtpSegments | null> {
  const history = await client.workflow.getHandle(call.workflowId).fetchHistory();
  const events = history.events ?? [];
  const at = (i: number) => tsToMs(events[i].eventTime);
  const find = (type: number, from = 0) => events.findIndex((e, i) => i >= from && e.eventType === type);
  const accepted = find(E.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED);
  const scheduled = find(E.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED, accepted);
  const started = find(E.EVENT_TYPE_ACTIVITY_TASK_STARTED, scheduled);
  const completed = find(E.EVENT_TYPE_ACTIVITY_TASK_COMPLETED, started);
  const updateDone = find(E.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED, completed);
  if ([accepted, scheduled, started, completed, updateDone].some((i) => i < 0)) return null;
  return {
    toAccepted: at(accepted) - call.sentAt,
    activityDispatch: at(started) - at(scheduled),
    activityWork: at(completed) - at(started) - latencyMs,
    toCompleted: at(updateDone) - at(completed),
    delivery: call.doneAt - at(updateDone),
  };
}

/** p50/p95/p99 of each segment over (a sample of) the calls. */
export async function otpBreakdown(
  client: Client,
  calls: OtpCall[],
  latencyMs: number,
  sample = 1_000,
): Promise<OtpBreakdown> {
  const picked = calls.slice(0, sample);
  const segments = (await Promise.all(picked.map((c) => otpSegments(client, c, latencyMs)))).filter(
    (s): s is OtpSegments => s !== null,
  );
  const keys: (keyof OtpSegments)[] = ['toAccepted', 'activityDispatch', 'activityWork', 'toCompleted', 'delivery'];
  return Object.fromEntries(keys.map((k) => [k, summarize(segments.map((s) => s[k]))])) as OtpBreakdown;
}
