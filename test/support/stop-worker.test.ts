// The tests' worker teardown (test/support/stop-worker.ts) on the real Temporal dev server: a worker whose drain
// cannot end (an activity that ignores its cancellation) is reported and left after the patience, instead of hanging
// the hook; a worker that drains is stopped and its connection closed.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { inject } from 'vitest';
import type { Client } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { createActivities } from '../../activities/index.js';
import { createEkycWorker } from '../../worker/worker.js';
import type { EkoSimulator } from '../../sim/eko-sim.js';
import { ekoConfigFor, newAgent, startSim } from '../sim/eko-fixtures.js';
import { connectClient, startEkyc, testDataConverter, workflowCode } from '../workflows/harness.js';
import { stopWorker } from './stop-worker.js';

let sim: EkoSimulator;
let client: Client;
let closeClient: () => Promise<void>;

beforeAll(async () => {
  sim = await startSim();
  ({ client, close: closeClient } = await connectClient());
});
afterAll(async () => {
  await closeClient?.();
  await sim?.stop();
});

async function worker(sendOtp?: () => Promise<never>) {
  const connection = await NativeConnection.connect({ address: inject('temporalAddress') });
  const activities = createActivities({ eko: ekoConfigFor(sim, { timeoutMs: 3_000 }) });
  const w = await createEkycWorker({
    connection,
    namespace: inject('temporalNamespace'),
    taskQueue: `stop-worker-${randomUUID()}`,
    activities: sendOtp ? { ...activities, sendOtp } : activities,
    dataConverter: testDataConverter(),
    workflowBundle: { code: await workflowCode() },
    shutdownGraceTime: '200ms',
  });
  return { w, connection, running: w.run() };
}

describe('stopWorker', () => {
  it('leaves a worker whose drain outlasts the patience, naming its in-flight activity, and does not hang', async () => {
    let release!: (err: Error) => void;
    let started!: () => void;
    const inFlight = new Promise<void>((r) => (started = r));
    // Ignores the cancellation that shutdown delivers after the grace time: the drain waits on it.
    const stuck = () =>
      new Promise<never>((_, reject) => {
        release = reject;
        started();
      });
    const { w, connection, running } = await worker(stuck);
    await startEkyc(client, w.options.taskQueue, newAgent(sim));
    await inFlight;
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    let outcome: string;
    let written: string[];
    try {
      outcome = await stopWorker(w, running, connection, 1_500);
    } finally {
      written = stderr.mock.calls.map((c) => String(c[0]));
      stderr.mockRestore();
    }
    expect(outcome).toBe('abandoned');
    const line = written.find((c) => c.includes('not drained'));
    expect(line).toContain(w.options.taskQueue);
    expect(line).toMatch(/"numInFlightActivities":1/);
    // Let it drain after all, and close what the helper left.
    release(new Error('released by the test'));
    await running;
    await connection.close();
  });

  it('stops a worker that drains and closes its connection', async () => {
    const { w, connection, running } = await worker();
    expect(await stopWorker(w, running, connection, 30_000)).toBe('stopped');
    expect(w.getState()).toBe('STOPPED');
    // Closed: a second close of a NativeConnection is refused by the SDK.
    await expect(connection.close()).rejects.toThrow();
  });
});
