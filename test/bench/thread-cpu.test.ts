// The benchmarks' per-thread CPU (bench/stats.ts threadCpuSeconds): read from /proc, grouped by thread name, so a
// worker's CPU can be split into its main thread, its workflow threads and the rest without a sampling profiler.
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { threadCpuSeconds, threadGroup } from '../../bench/stats.js';

describe('threadCpuSeconds', () => {
  it('groups threads by the names Node, libuv and the Temporal core give them', () => {
    expect(threadGroup('MainThread')).toBe('main');
    expect(threadGroup('WorkerThread')).toBe('workflow threads');
    expect(threadGroup('tokio-runtime-w')).toBe('Temporal core');
    expect(threadGroup('libuv-worker')).toBe('libuv pool');
    expect(threadGroup('V8Worker')).toBe('V8 helpers');
    expect(threadGroup('SignalInspector')).toBe('other');
  });

  it("charges a worker thread's work to the workflow threads and the main thread's to main", async () => {
    // A fixed amount of work (about 0.3 s of CPU on an idle core), not a wall-clock loop: on a loaded box the work
    // takes longer but costs the same CPU, so the figures below do not depend on the load.
    const work = 'let x = 0; for (let i = 0; i < 5e7; i++) x = (x * 31 + i) % 1000003;';
    const before = threadCpuSeconds(process.pid);
    const worker = new Worker(
      `const { parentPort } = require('node:worker_threads'); ${work} parentPort.postMessage(x); setTimeout(() => {}, 60_000);`,
      {
        eval: true,
      },
    );
    // The thread stays alive after its answer: an ended thread's CPU leaves /proc with it.
    await new Promise((resolve) => worker.once('message', resolve));
    const during = threadCpuSeconds(process.pid);
    new Function(work)();
    const after = threadCpuSeconds(process.pid);
    await worker.terminate();
    const workerThreadWork = during['workflow threads'] - before['workflow threads'];
    const mainWork = after.main - during.main;
    expect(workerThreadWork).toBeGreaterThanOrEqual(0.1);
    expect(mainWork).toBeGreaterThanOrEqual(0.1);
    // Each loop is charged to its own thread: the other one was waiting (the main thread on the message).
    expect(during.main - before.main).toBeLessThan(workerThreadWork / 2);
    expect(after['workflow threads'] - during['workflow threads']).toBeLessThan(mainWork / 2);
  });

  it('reads nothing for a process that does not exist', () => {
    expect(Object.values(threadCpuSeconds(2 ** 22 + 7)).every((v) => v === 0)).toBe(true);
  });
});
