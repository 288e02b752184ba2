// Small measuring helpers for the benchmarks: percentiles, CPU time of any process from /proc, a bounded pool.
import { readdirSync, readFileSync } from 'node:fs';

export interface Summary {
  n: number;
  mean: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

/** Nearest-rank percentiles (no interpolation: every figure is a value that was measured). */
export function summarize(samples: number[]): Summary {
  const s = [...samples].sort((a, b) => a - b);
  const at = (p: number) =>
    s.length ? s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))] : NaN;
  const mean = s.length ? s.reduce((a, b) => a + b, 0) / s.length : NaN;
  return {
    n: s.length,
    mean: round(mean),
    p50: round(at(50)),
    p95: round(at(95)),
    p99: round(at(99)),
    max: round(at(100)),
  };
}

export const round = (x: number, digits = 1) => (Number.isFinite(x) ? Math.round(x * 10 ** digits) / 10 ** digits : x);
export const mib = (bytes: number) => round(bytes / 1024 / 1024);

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

/** User + system CPU seconds a process has used so far (from /proc/<pid>/stat), or NaN if it cannot be read. */
export function cpuSeconds(pid: number | undefined): number {
  if (!pid) return NaN;
  try {
    return statCpuSeconds(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return NaN;
  }
}

/** utime + stime of a /proc `stat` line (a process's or a thread's), in seconds. */
function statCpuSeconds(stat: string): number {
  // The command name may hold spaces; fields after ") " start at field 3.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
}

/** The groups a Node worker's threads fall in, by the name the kernel knows them by (/proc/<pid>/task/<tid>/comm). */
export const THREAD_GROUPS = [
  'main',
  'workflow threads',
  'Temporal core',
  'libuv pool',
  'V8 helpers',
  'other',
] as const;
export type ThreadGroup = (typeof THREAD_GROUPS)[number];

export function threadGroup(comm: string): ThreadGroup {
  if (comm === 'MainThread' || comm === 'node') return 'main';
  if (comm === 'WorkerThread') return 'workflow threads';
  if (comm.startsWith('tokio')) return 'Temporal core';
  if (comm.startsWith('libuv')) return 'libuv pool';
  if (comm === 'V8Worker' || comm.startsWith('DelayedTask')) return 'V8 helpers';
  return 'other';
}

/**
 * CPU seconds so far of each group of a process's live threads (from /proc/<pid>/task/<tid>/stat): unlike a sampling
 * profiler's, this is time on a CPU, not time a thread was inside a function (a thread descheduled in a native call
 * counts as busy there). A thread that ended between two readings takes its time with it.
 */
export function threadCpuSeconds(pid: number | undefined): Record<ThreadGroup, number> {
  const out = Object.fromEntries(THREAD_GROUPS.map((g) => [g, 0])) as Record<ThreadGroup, number>;
  if (!pid) return out;
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return out;
  }
  for (const tid of tids) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      out[threadGroup(comm)] += statCpuSeconds(stat);
    } catch {
      // the thread ended while being read
    }
  }
  return out;
}

/** Runs `task(i)` for i in [0, n) with at most `concurrency` in flight. */
export async function pool(n: number, concurrency: number, task: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.min(n, concurrency) }, async () => {
    while (next < n) await task(next++);
  });
  await Promise.all(lanes);
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Least-squares slope of y over x. */
export function slope(points: { x: number; y: number }[]): number {
  const n = points.length;
  const mx = points.reduce((a, p) => a + p.x, 0) / n;
  const my = points.reduce((a, p) => a + p.y, 0) / n;
  const num = points.reduce((a, p) => a + (p.x - mx) * (p.y - my), 0);
  const den = points.reduce((a, p) => a + (p.x - mx) ** 2, 0);
  return den ? num / den : NaN;
}
