// The Actions count of bench/actions.ts on recorded histories: each expected figure is counted by hand from the
// fixture's events under Temporal's published rules (the comments say which events), not by the code under test.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils.js';
import { billableActions } from '../../bench/actions.js';

const events = (name: string) =>
  historyFromJSON(JSON.parse(readFileSync(new URL(`../fixtures/histories/${name}.json`, import.meta.url), 'utf8')))
    .events ?? [];

describe('billableActions', () => {
  it('prices the happy path: a start, two timers, six upserts, three activities, two updates', () => {
    expect(billableActions(events('happy-path-updates'))).toEqual({
      workflowStarted: 1,
      timers: 2,
      searchAttributeUpserts: 6,
      signals: 0,
      updates: 2,
      activityAttempts: 3,
      markerTasks: 0,
      childWorkflows: 0,
      signalsSent: 0,
      total: 14,
    });
  });

  it('counts every attempt of a retried activity (three activities, each ending on attempt 3)', () => {
    const a = billableActions(events('transient-faults-retried'));
    expect(a.activityAttempts).toBe(9);
  });

  it('leaves out TemporalChangeVersion-only upserts and counts markers once per workflow task', () => {
    // 11 upserts, 3 of them only TemporalChangeVersion (after each core_patch marker); markers in the workflow
    // tasks completed at events 4, 48 (a patch and a local activity) and 66 (a local activity and a patch).
    const a = billableActions(events('sealed-completed-after-rejection'));
    expect(a.searchAttributeUpserts).toBe(8);
    expect(a.markerTasks).toBe(3);
    expect(a.activityAttempts).toBe(6);
    expect(a.total).toBe(1 + 3 + 8 + 3 + 6 + 3);
  });

  it('counts a signal-with-start once, as the start', () => {
    // fingpayAgent is started by signal-with-start: event 2 is the signal that came with it.
    const a = billableActions(events('webhooks-agent-daily-auth'));
    expect(a.workflowStarted).toBe(1);
    expect(a.signals).toBe(0);
  });
});
