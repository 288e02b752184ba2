// `npm run bench:rush` end to end with a handful of agents: it starts its own Temporal dev server, the Eko simulator
// and both workers, and its report must account for every agent. Nothing here is timed: the figures must be there and
// be numbers, every agent must end AUTHENTICATED (by the driver and by visibility) with exactly one Eko call, and the
// no-op must leave the same history as the lifecycle, or the ratio would compare unlike things.
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import type { RushReport } from '../../bench/rush.js';
import { ROOT } from '../../bench/workers.js';

const run = promisify(execFile);
const AGENTS = 8;
const WARMUP = 2;
const CACHE = 4;
let out: string | undefined;

afterAll(async () => {
  if (out) await rm(out, { recursive: true, force: true });
});

describe('bench:rush', () => {
  it('authenticates every agent of both kinds once and reports throughput, latency, history and memory', async () => {
    out = await mkdtemp(join(tmpdir(), 'ekyc-rush-test-'));
    const args = ['--agents', String(AGENTS), '--rounds', '1', '--warmup', String(WARMUP), '--concurrency', '4'];
    args.push('--idle-steps', '2', '--history-sample', '4', '--cache', String(CACHE), '--out', out);
    const { stdout } = await run(process.execPath, ['--import', 'tsx', 'bench/rush.ts', ...args], {
      cwd: ROOT,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, TMPDIR: process.env.TMPDIR },
      maxBuffer: 16 * 1024 * 1024,
      timeout: 540_000,
    });
    const report = JSON.parse(stdout.split('\n')[0]) as RushReport;
    expect(report.bench).toBe('morning-rush');
    expect(report.maxCachedWorkflows).toBe(CACHE);

    for (const kind of ['lifecycle', 'baseline'] as const) {
      const k = report.kinds[kind];
      expect({ kind, failed: k.failed, errors: k.errors }).toEqual({ kind, failed: 0, errors: [] });
      expect(k.agents).toBe(AGENTS);
      expect(k.submitDailyAuthRttMs.n).toBe(AGENTS);
      for (const x of [
        k.agentsPerSecond,
        k.submitDailyAuthRttMs.p50,
        k.submitDailyAuthRttMs.p99,
        k.cpuMsPerAgent.worker,
      ]) {
        expect(Number.isFinite(x) && x > 0).toBe(true);
      }
      // Each history sampled had its Daily KYC, and the day's part is the same for both kinds.
      expect(k.history.sampled).toBe(4);
      expect(k.history.withoutUpdate).toBe(0);
      expect(k.history.from.events.p50).toBeGreaterThan(0);
      expect(k.history.from.bytes.p50).toBeGreaterThan(0);
      expect(k.history.shapes.from).toContain('WORKFLOW_EXECUTION_UPDATE_COMPLETED');
    }
    const { lifecycle, baseline } = report.kinds;
    // The real lifecycles called Eko once per agent; the no-op never did.
    expect(lifecycle.ekoCallsPerAgent).toBe(1);
    expect(baseline.ekoCallsPerAgent).toBe(0);
    // Visibility agrees: every agent (warm-up, the round, the two untimed idle steps) is AUTHENTICATED today.
    expect(lifecycle.authenticatedByVisibility).toBe(WARMUP + AGENTS + 2 * AGENTS);
    expect(baseline.authenticatedByVisibility).toBe(WARMUP + AGENTS);
    expect(report.sameHistoryShape).toBe(true);
    expect(report.ratioToBaseline).toBeCloseTo(lifecycle.agentsPerSecond / baseline.agentsPerSecond, 2);
    // Memory read after the warm-up, the round and each idle step; three of them above the cache give both slopes.
    expect(lifecycle.idleMemory.map((p) => p.idle)).toEqual([
      WARMUP,
      WARMUP + AGENTS,
      WARMUP + 2 * AGENTS,
      WARMUP + 3 * AGENTS,
    ]);
    expect(baseline.idleMemory.map((p) => p.idle)).toEqual([WARMUP, WARMUP + AGENTS]);
    for (const p of lifecycle.idleMemory) {
      expect(p.rssMiB).toBeGreaterThan(0);
      // The workflow thread's heap, read from the worker process's side (not this thread's).
      expect(p.threadsHeapMiB).toBeGreaterThan(0);
    }
    expect(Number.isFinite(lifecycle.mibPer1000IdleBeyondCache)).toBe(true);
    expect(Number.isFinite(lifecycle.settledMibPer1000IdleBeyondCache)).toBe(true);
    // The worker's CPU by thread, from /proc: its main thread and its workflow thread both worked.
    for (const k of [lifecycle, baseline]) {
      expect(k.workerCpuMsByThread.main).toBeGreaterThan(0);
      expect(k.workerCpuMsByThread['workflow threads']).toBeGreaterThan(0);
    }
    expect(Number.isFinite(lifecycle.liveHeapMiBPer1000IdleBeyondCache)).toBe(true);

    // The Markdown follows the JSON line, with the verdicts; both are written to --out.
    expect(stdout).toContain('| ratio to baseline ≥ 0.9 |');
    expect(stdout).toMatch(
      /\| worker memory ≤ 25 MB per 1,000 idle lifecycles beyond the cache: RSS, every point above the cache \| -?[\d.]+ MiB \|/,
    );
    expect(stdout).toMatch(/\| the same: RSS, the last three points .* \| -?[\d.]+ MiB \|/);
    expect(stdout).toMatch(/Worker CPU ms per agent by thread \(\/proc\): fingpayAgent main [\d.]+ /);
    expect(stdout).toMatch(/\| the same: live heap of every thread .* \| -?[\d.]+ MiB \|/);
    expect((await readdir(out)).filter((f) => /^bench-rush-.*\.(json|md)$/.test(f))).toHaveLength(2);
  }, 600_000);
});
