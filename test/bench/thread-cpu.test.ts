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

  it("charges a worker thread's busy loop to the workflow threads and the main thread's to main", async () => {
    const before = threadCpuSeconds(process.pid);
    // 300 ms of CPU in a worker thread, then 300 ms on this (the main) thread.
    const worker = new Worker('const end = Date.now() + 300; while (Date.now() < end); setTimeout(() => {}, 2000);', {
      eval: true,
    });
    await new Promise((r) => setTimeout(r, 600));
    const during = threadCpuSeconds(process.pid);
    const end = Date.now() + 300;
    while (Date.now() < end);
    const after = threadCpuSeconds(process.pid);
    await worker.terminate();
    expect(during['workflow threads'] - before['workflow threads']).toBeGreaterThanOrEqual(0.2);
    expect(after.main - during.main).toBeGreaterThanOrEqual(0.2);
    expect(after['workflow threads'] - during['workflow threads']).toBeLessThan(0.1);
  });

  it('reads nothing for a process that does not exist', () => {
    expect(Object.values(threadCpuSeconds(2 ** 22 + 7)).every((v) => v === 0)).toBe(true);
  });
});
