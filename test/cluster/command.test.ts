// `ekyc cluster` (`npm run cluster`) as an operator runs it: a port another process holds stops it before anything
// starts, with one line naming the variable (exit 2); started for real, it prints the URLs, serves the API and the
// codec server, and SIGTERM stops every process it started (no orphans), PostgreSQL included.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { clusterPortsFromEnv, findTemporalBinaries } from '../../dev/cluster.js';
import { assertPortFree, freePort } from '../../dev/ports.js';

const ROOT = join(import.meta.dirname, '..', '..');
const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** A frontend port whose whole family (history +1, matching +2, worker +6, HTTP +10, membership -300…) is free. */
async function freeTemporalBase(): Promise<number> {
  for (;;) {
    const base = 21_000 + Math.floor(Math.random() * 11_000);
    const { ports } = clusterPortsFromEnv({ TEMPORAL_ADDRESS: `127.0.0.1:${base}` }, 0);
    const family = [ports.frontend, ports.frontendHttp, ports.history, ports.matching, ports.worker];
    try {
      for (const p of [...family, ...Object.values(ports.membership)]) await assertPortFree('x', '127.0.0.1', p);
      return base;
    } catch {
      // one is taken: another base
    }
  }
}

async function clusterEnv(): Promise<NodeJS.ProcessEnv> {
  const dir = mkdtempSync(join(tmpdir(), 'ekyc-cluster-cmd-'));
  dirs.push(dir);
  const base = await freeTemporalBase();
  const { variables } = clusterPortsFromEnv({ TEMPORAL_ADDRESS: `127.0.0.1:${base}` }, 0);
  // Below the ephemeral range, clear of Temporal's: a port the OS once handed out as free was taken by another
  // test's connection before the cluster bound it.
  const taken = new Set(variables.keys());
  const port = async (count = 1) => String(await freePort('127.0.0.1', taken, count));
  return {
    ...process.env,
    EKYC_CLUSTER_DIR: join(dir, 'cluster'),
    EKYC_DATA_DIR: dir,
    TEMPORAL_ADDRESS: `127.0.0.1:${base}`,
    EKYC_CLUSTER_PG_PORT: await port(),
    EKYC_API_PORT: await port(),
    EKYC_CODEC_PORT: await port(),
    // The cluster's two workers serve metrics on EKYC_METRICS_PORT and the port after it.
    EKYC_METRICS_PORT: await port(2),
    EKO_SIM_PORT: '0',
    EKYC_LOG_LEVEL: 'warn',
  };
}

function run(env: NodeJS.ProcessEnv) {
  const child = spawn(process.execPath, [join(ROOT, 'bin', 'ekyc.js'), 'cluster'], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return { child, exited, stdout: () => stdout, stderr: () => stderr };
}

/** Every descendant of `pid`, from /proc (children of each thread). */
function descendants(pid: number): number[] {
  const out: number[] = [];
  const walk = (p: number) => {
    let tasks: string[];
    try {
      tasks = readdirSync(`/proc/${p}/task`);
    } catch {
      return;
    }
    for (const t of tasks) {
      let children: string;
      try {
        children = readFileSync(`/proc/${p}/task/${t}/children`, 'utf8');
      } catch {
        continue;
      }
      for (const c of children.trim().split(/\s+/).filter(Boolean).map(Number)) {
        out.push(c);
        walk(c);
      }
    }
  };
  walk(pid);
  return out;
}

describe('ekyc cluster', () => {
  it('stops before starting anything when a port is taken, naming its variable (exit 2)', async () => {
    const env = await clusterEnv();
    const holder = createServer();
    const port = Number(env.EKYC_API_PORT);
    await new Promise<void>((r) => holder.listen(port, '127.0.0.1', () => r()));
    try {
      const proc = run(env);
      expect(await proc.exited).toBe(2);
      expect(proc.stderr()).toContain(`EKYC_API_PORT: 127.0.0.1:${port} is in use by another process`);
      expect(existsSync(join(env.EKYC_CLUSTER_DIR!, 'postgres'))).toBe(false);
    } finally {
      holder.close();
    }
  });

  it('starts every part as its own process, serves the API and the codec server, and SIGTERM leaves no process behind', async () => {
    expect(findTemporalBinaries(), 'Temporal server binaries: run deploy/temporal/build-server.sh').not.toBeNull();
    const env = await clusterEnv();
    const proc = run(env);
    const deadline = Date.now() + 300_000;
    while (!proc.stdout().includes('"devToken"')) {
      if (proc.child.exitCode !== null) throw new Error(`ekyc cluster exited: ${proc.stderr().slice(-2000)}`);
      if (Date.now() > deadline) throw new Error(`ekyc cluster not up: ${proc.stderr().slice(-2000)}`);
      await new Promise((r) => setTimeout(r, 500));
    }
    const printed = JSON.parse(proc.stdout()) as { urls: { api: string; codecServer: string; temporal: string } };
    expect(printed.urls.temporal).toBe(env.TEMPORAL_ADDRESS);
    expect((await fetch(`${printed.urls.api}/healthz`)).status).toBe(200);
    expect((await fetch(`${printed.urls.codecServer}/healthz`)).status).toBe(200);
    const started = descendants(proc.child.pid!);
    const commands = started.map((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
      } catch {
        return '';
      }
    });
    for (const service of ['frontend', 'history', 'matching', 'worker']) {
      expect(commands.filter((c) => c.includes(`start --service ${service}`))).toHaveLength(1);
    }
    expect(commands.filter((c) => c.includes('bin/ekyc.js worker'))).toHaveLength(2);
    expect(commands.filter((c) => c.includes('bin/ekyc.js api'))).toHaveLength(1);
    expect(commands.filter((c) => c.includes('bin/ekyc.js codec-server'))).toHaveLength(1);
    const postmaster = Number(
      readFileSync(join(env.EKYC_CLUSTER_DIR!, 'postgres', 'data', 'postmaster.pid'), 'utf8').split('\n')[0],
    );
    expect(existsSync(`/proc/${postmaster}`)).toBe(true);

    proc.child.kill('SIGTERM');
    expect(await proc.exited).toBe(0);
    const alive = (pid: number) => {
      try {
        // A zombie is gone already (nothing to stop), only not yet reaped.
        return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
      } catch {
        return false;
      }
    };
    const left = [...started, postmaster]
      .filter(alive)
      .map((pid) => `${pid}: ${commands[started.indexOf(pid)] ?? 'postgres'}`);
    expect(left).toEqual([]);
  }, 600_000);
});
