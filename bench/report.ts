// What every benchmark script shares around its measurements: CPU per unit of work from /proc, the verdict cell,
// the worker cache it measures with, waiting for Temporal's visibility to catch up, and writing the report.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import { loadWorkerCacheSize } from '../config/index.js';
import { cpuSeconds, round, sleep, THREAD_GROUPS, type ThreadGroup } from './stats.js';

/** CPU milliseconds per unit of work (session, agent) of each process, over one measured stretch. */
export interface CpuShare {
  temporalServer: number;
  worker: number;
  /** The driver: client calls (the client library's validation and encryption) and the bookkeeping. */
  driver: number;
  /** The Eko simulator's process: Eko's side of the calls, not ours (0 for the baseline). */
  sim: number;
}

export type CpuSnapshot = Record<keyof CpuShare, number>;

/** CPU seconds used so far by the server, the worker, this process (the driver) and the simulator. */
export function cpuSnapshot(pids: { server?: number; worker: number; sim: number }): CpuSnapshot {
  const self = process.cpuUsage();
  return {
    temporalServer: cpuSeconds(pids.server),
    worker: cpuSeconds(pids.worker),
    driver: (self.user + self.system) / 1e6,
    sim: cpuSeconds(pids.sim),
  };
}

const CPU_COLUMNS = ['temporalServer', 'worker', 'driver', 'sim'] as const;

/** CPU milliseconds per unit of each key, from two readings in seconds. */
function perUnit<K extends string>(
  keys: readonly K[],
  before: Record<K, number>,
  after: Record<K, number>,
  units: number,
) {
  const out = {} as Record<K, number>;
  for (const k of keys) out[k] = round(((after[k] - before[k]) * 1000) / Math.max(1, units), 2);
  return out;
}

/** The mean of each key over several stretches. */
function meanOf<K extends string>(keys: readonly K[], shares: Record<K, number>[]) {
  const out = {} as Record<K, number>;
  for (const k of keys) out[k] = round(shares.reduce((n, c) => n + c[k], 0) / Math.max(1, shares.length), 2);
  return out;
}

export const cpuPer = (before: CpuSnapshot, after: CpuSnapshot, units: number): CpuShare =>
  perUnit(CPU_COLUMNS, before, after, units);

/** The mean of each column over several stretches. */
export const meanCpu = (shares: CpuShare[]): CpuShare => meanOf(CPU_COLUMNS, shares);

/** A worker's CPU per unit of work by group of threads (main, workflow threads, Temporal core, ...), in ms. */
export type ThreadShare = Record<ThreadGroup, number>;

/** Per unit of work, from two threadCpuSeconds() readings. */
export const threadsPer = (before: ThreadShare, after: ThreadShare, units: number): ThreadShare =>
  perUnit(THREAD_GROUPS, before, after, units);

export const meanThreads = (shares: ThreadShare[]): ThreadShare => meanOf(THREAD_GROUPS, shares);

/** "main 30.1 / workflow threads 40.2 / ..." (groups that used no CPU left out). */
export const threadCells = (t: ThreadShare) =>
  THREAD_GROUPS.filter((g) => t[g] > 0)
    .map((g) => `${g} ${t[g]}`)
    .join(' / ');

export const cpuCells = (c: CpuShare) => `${c.temporalServer} / ${c.worker} / ${c.driver} / ${c.sim}`;

/** A whole-number option (from its flag or its variable), or the fallback; `name` is what the error calls it. */
export function wholeNumber(value: string | undefined, name: string, fallback: number, min = 0): number {
  const v = Number(value ?? fallback);
  if (!Number.isInteger(v) || v < min) throw new Error(`${name} must be a whole number ≥ ${min} (got ${value})`);
  return v;
}

export const verdict = (ok: boolean) => (ok ? 'met' : '**missed**');

/** The measured worker's sticky cache: what `ekyc worker` ships with unless told; 'all' caches every workflow. */
export function cacheOf(value: string | undefined): number | 'all' {
  if (value === 'all') return 'all';
  if (value === undefined) return loadWorkerCacheSize({});
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error('--cache takes a positive whole number or "all"');
  return n;
}

/** Polls a visibility count until it reaches `n` (visibility trails the workflows a little). */
export async function waitForCount(
  client: Client,
  query: string,
  n: number,
  { timeoutMs = 300_000, died }: { timeoutMs?: number; died?: () => Error | undefined } = {},
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const failure = died?.();
    if (failure) throw failure;
    const { count } = await client.workflow.count(query);
    if (count >= n) return;
    if (Date.now() > deadline) throw new Error(`only ${count} of ${n} workflows match ${query}`);
    await sleep(500);
  }
}

/** Writes `<name>-<date>.json` and `.md` to `outDir`, prints the JSON line then the Markdown, returns the path stem. */
export async function writeReport(
  outDir: string,
  name: string,
  date: string,
  report: object,
  md: string,
): Promise<string> {
  await mkdir(outDir, { recursive: true });
  const stem = join(outDir, `${name}-${date.replace(/[:.]/g, '-')}`);
  await writeFile(`${stem}.json`, `${JSON.stringify(report, null, 2)}\n`);
  await writeFile(`${stem}.md`, md);
  process.stdout.write(`${JSON.stringify(report)}\n\n${md}`);
  return stem;
}
