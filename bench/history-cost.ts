// What a workflow's history costs, read from the history itself: events and bytes (protobuf as the server stores
// them, and JSON as `temporal workflow show --output json` exports them), split at the workflow task that took the
// first update: what the workflow wrote before it (its creation) and from it on (the day of the request).
import type { Client } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import proto from '@temporalio/proto';
import { round, summarize, type Summary } from './stats.js';

// @temporalio/proto is CommonJS: under Node's ESM loader only its default export exists.
const { History } = proto.temporal.api.history.v1;
const E = proto.temporal.api.enums.v1.EventType;
type HistoryEvent = proto.temporal.api.history.v1.IHistoryEvent;

export interface HistoryPart {
  events: number;
  bytes: number;
  jsonBytes: number;
  /** The event types in order, without the EVENT_TYPE_ prefix: the part's shape. */
  shape: string;
}

export interface HistoryCost {
  before: HistoryPart;
  from: HistoryPart;
}

export function part(events: HistoryEvent[]): HistoryPart {
  return {
    events: events.length,
    bytes: History.encode({ events }).finish().length,
    jsonBytes: Buffer.byteLength(historyToJSON({ events } as never)),
    shape: events.map((e) => String(E[e.eventType ?? 0]).replace(/^EVENT_TYPE_/, '')).join(' '),
  };
}

/** Events split at the workflow task that accepted the first update: [before, from] (null if none did). */
export function splitAtFirstUpdate(events: HistoryEvent[]): [HistoryEvent[], HistoryEvent[]] | null {
  const accepted = events.findIndex((e) => e.eventType === E.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED);
  if (accepted < 0) return null;
  let split = accepted;
  while (split > 0 && events[split].eventType !== E.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED) split--;
  return [events.slice(0, split), events.slice(split)];
}

/** The history of `workflowId`, split at the workflow task that accepted its first update (null if none did). */
export async function historyCost(client: Client, workflowId: string): Promise<HistoryCost | null> {
  const parts = splitAtFirstUpdate((await client.workflow.getHandle(workflowId).fetchHistory()).events ?? []);
  return parts && { before: part(parts[0]), from: part(parts[1]) };
}

export interface HistoryCostSummary {
  sampled: number;
  /** Workflows whose history had no accepted update (should be none). */
  withoutUpdate: number;
  before: { events: Summary; bytes: Summary; jsonBytes: Summary };
  from: { events: Summary; bytes: Summary; jsonBytes: Summary };
  /** The most common shape of each part, and how many of the sample had it. */
  shapes: { before: string; beforeCount: number; from: string; fromCount: number };
}

function mostCommon(values: string[]): [string, number] {
  const counts = new Map<string, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return [...counts.entries()].sort((a, b) => b[1] - a[1])[0] ?? ['', 0];
}

export async function historyCosts(client: Client, workflowIds: string[]): Promise<HistoryCostSummary> {
  const costs: HistoryCost[] = [];
  let withoutUpdate = 0;
  for (const id of workflowIds) {
    const cost = await historyCost(client, id);
    if (cost) costs.push(cost);
    else withoutUpdate += 1;
  }
  const of = (pick: (c: HistoryCost) => HistoryPart) => ({
    events: summarize(costs.map((c) => pick(c).events)),
    bytes: summarize(costs.map((c) => pick(c).bytes)),
    jsonBytes: summarize(costs.map((c) => pick(c).jsonBytes)),
  });
  const [before, beforeCount] = mostCommon(costs.map((c) => c.before.shape));
  const [from, fromCount] = mostCommon(costs.map((c) => c.from.shape));
  return {
    sampled: workflowIds.length,
    withoutUpdate,
    before: of((c) => c.before),
    from: of((c) => c.from),
    shapes: { before, beforeCount, from, fromCount },
  };
}

/** KiB with one decimal. */
export const kib = (bytes: number) => round(bytes / 1024);
