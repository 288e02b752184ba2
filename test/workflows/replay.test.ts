// Replays the histories recorded from the integration tests (RECORD_HISTORIES=1 npx vitest run test/workflows
// test/worker) against the current workflow code: a change that breaks determinism for sessions already
// running in production fails here. The fixtures' payloads are encrypted with the harness's TEST-ONLY key.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils.js';
import { Worker } from '@temporalio/worker';
import { DeterminismViolationError } from '@temporalio/workflow';
import { VERSIONING_BEHAVIOR } from '../../workflows/versioning.js';
import { HISTORIES_DIR, testDataConverter, workflowCode } from './harness.js';

const fixtures = readdirSync(HISTORIES_DIR)
  .filter((f) => f.endsWith('.json'))
  .sort();

/**
 * Per version: when a change that is not replay-safe ships as a new worker version (docs/OPS.md), the fixtures of
 * the release before it move to retired/<its build id>/ and new ones are recorded at the top. Its pinned sessions
 * finish on its own workers, so the current code need not replay those; every other type's histories (they follow
 * the current version) must still replay here.
 */
const RETIRED_DIR = `${HISTORIES_DIR}retired/`;
const retired = existsSync(RETIRED_DIR)
  ? readdirSync(RETIRED_DIR)
      .flatMap((release) => readdirSync(`${RETIRED_DIR}${release}`).map((f) => `retired/${release}/${f}`))
      .filter((f) => f.endsWith('.json'))
      .sort()
  : [];

function load(file: string) {
  return historyFromJSON(JSON.parse(readFileSync(`${HISTORIES_DIR}${file}`, 'utf8')));
}

type History = ReturnType<typeof load>;
const workflowTypeOf = (history: History) =>
  history.events?.[0]?.workflowExecutionStartedEventAttributes?.workflowType?.name ?? '';
/** Whether the current code must replay a retired release's history of this workflow type. */
const mustReplayRetired = (workflowType: string) =>
  (VERSIONING_BEHAVIOR as Record<string, string>)[workflowType] !== 'PINNED';

async function replay(history: ReturnType<typeof load>, workflowId: string) {
  return Worker.runReplayHistory(
    { workflowBundle: { code: await workflowCode() }, dataConverter: testDataConverter(), replayName: workflowId },
    history,
    workflowId,
  );
}

describe('replay of recorded histories', () => {
  it('has fixtures for the happy path, the OTP, ending, fault and crash scenarios, and the agent lifecycle', () => {
    for (const name of [
      'happy-path-updates',
      'happy-path-signals',
      'otp-wrong-then-right',
      'otp-attempts-exhausted-then-resend',
      'otp-timeout-then-resend',
      'session-timeout-expired',
      'cancel-signal',
      'temporal-cancel',
      'permanent-error-send-otp',
      'transient-faults-retried',
      'eko-unavailable-then-retry',
      'crash-while-awaiting-otp',
      'crash-mid-biometric',
      // With the agent-wide OTP quota (patched 'otp-send-quota'); the ones above predate it.
      'otp-quota-restart-waits-cooldown',
      'otp-quota-resend-refused',
      'otp-quota-restart-refused',
      // With the agent lifecycle told on completion (patched 'agent-lifecycle-notify').
      'ekyc-completed-tells-agent',
      // With sealed Aadhaar and PidData whose keys the session destroys (patched 'destroy-seal-keys').
      'sealed-completed-after-rejection',
      'sealed-cancelled-ignored-pid',
      // fingpayAgent: eligibility, Daily KYC, REKYC and a new eKYC; a run that began and ended with continue-as-new.
      'agent-rekyc-path',
      'agent-days-after-continue-as-new',
      // With partner events (patched 'webhook-events'): a session's end and Daily KYC outcomes handed over, and the
      // per-agent fingpayWebhooks queue retrying across a worker crash, failing and redelivering.
      'webhooks-ekyc-completed',
      'webhooks-agent-daily-auth',
      'webhooks-delivery-across-crash',
      'webhooks-failed-then-redelivered',
      // Started by update-with-start (POST /v1/ekyc?wait=first-step): the firstStep update.
      'start-waits-first-step',
      // An activity task no worker started, scheduled again (patched 'activity-task-start-timeout'): the OTP
      // quota's reservation in an eKYC, and a Daily KYC call in a lifecycle.
      'activity-task-unstarted-rescheduled',
      'daily-kyc-task-unstarted-rescheduled',
    ]) {
      expect(fixtures).toContain(`${name}.json`);
    }
  });

  it.each(fixtures)('replays %s deterministically', async (file) => {
    await replay(load(file), file);
  });

  if (retired.length) {
    it.each(retired)('replays %s unless its workflow type is pinned to its own release', async (file) => {
      const history = load(file);
      if (mustReplayRetired(workflowTypeOf(history))) await replay(history, file);
    });
  }

  it('requires retired histories of every workflow type but the pinned session to replay', () => {
    expect(mustReplayRetired('fingpayEkyc')).toBe(false);
    expect(mustReplayRetired('fingpayOtpQuota')).toBe(true);
    // A workflow type without a declared behaviour gets the worker's default, PINNED, but is not exempted here.
    expect(mustReplayRetired('fingpayAgent')).toBe(true);
    expect(mustReplayRetired('fingpayWebhooks')).toBe(true);
  });

  it('detects a history that the workflow code would not produce', async () => {
    const history = load('happy-path-updates.json');
    const scheduled = history.events!.find((e) => e.activityTaskScheduledEventAttributes)!;
    scheduled.activityTaskScheduledEventAttributes!.activityType = { name: 'someOtherActivity' };
    await expect(replay(history, 'tampered')).rejects.toBeInstanceOf(DeterminismViolationError);
  });
});
