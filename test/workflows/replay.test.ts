// Replays the histories recorded from the integration tests (RECORD_HISTORIES=1 npx vitest run test/workflows
// test/worker) against the current workflow code: a change that breaks determinism for sessions already
// running in production fails here. The fixtures' payloads are encrypted with the harness's TEST-ONLY key.
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils.js';
import { Worker } from '@temporalio/worker';
import { DeterminismViolationError } from '@temporalio/workflow';
import { HISTORIES_DIR, testDataConverter, workflowCode } from './harness.js';

const fixtures = readdirSync(HISTORIES_DIR)
  .filter((f) => f.endsWith('.json'))
  .sort();

function load(file: string) {
  return historyFromJSON(JSON.parse(readFileSync(`${HISTORIES_DIR}${file}`, 'utf8')));
}

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
      // fingpayAgent: eligibility, Daily KYC, REKYC and a new eKYC; a run that began and ended with continue-as-new.
      'agent-rekyc-path',
      'agent-days-after-continue-as-new',
    ]) {
      expect(fixtures).toContain(`${name}.json`);
    }
  });

  it.each(fixtures)('replays %s deterministically', async (file) => {
    await replay(load(file), file);
  });

  it('detects a history that the workflow code would not produce', async () => {
    const history = load('happy-path-updates.json');
    const scheduled = history.events!.find((e) => e.activityTaskScheduledEventAttributes)!;
    scheduled.activityTaskScheduledEventAttributes!.activityType = { name: 'someOtherActivity' };
    await expect(replay(history, 'tampered')).rejects.toBeInstanceOf(DeterminismViolationError);
  });
});
