// `ekyc worker` as a process: configuration checked at start, its JSON line, metrics, graceful shutdown.
import { randomUUID } from 'node:crypto';
import { connect, createServer, type AddressInfo, type Socket } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Client } from '@temporalio/client';
import { freePort } from '../../dev/ports.js';
import type { EkoSimulator } from '../../sim/eko-sim.js';
import { workflowIdFor, WORKFLOW_TYPE } from '../../common/domain.js';
import { ekycInput, newAgent, startSim } from '../sim/eko-fixtures.js';
import { connectClient, startEkyc } from '../workflows/harness.js';
import { crash, spawnWorker, workerEnv, type ChildWorker } from './child-worker.js';

let sim: EkoSimulator;
let client: Client;
let closeClient: () => Promise<void>;
const workers: ChildWorker[] = [];

beforeAll(async () => {
  sim = await startSim();
  ({ client, close: closeClient } = await connectClient());
});
afterEach(async () => {
  for (const w of workers.splice(0)) {
    if (w.child.exitCode === null && w.child.signalCode === null) await crash(w);
  }
});
afterAll(async () => {
  await closeClient?.();
  await sim?.stop();
});

function start(env: NodeJS.ProcessEnv): ChildWorker {
  const worker = spawnWorker(env);
  workers.push(worker);
  return worker;
}

describe('ekyc worker', () => {
  it('stops at start with one line naming a missing variable', async () => {
    const env = workerEnv(sim, 'unused');
    delete env.EKO_DEVELOPER_KEY;
    const worker = start(env);
    const { code } = await worker.exited;
    expect(code).toBe(2);
    expect(JSON.parse(worker.stdout())).toEqual({
      error: { code: 'CONFIG', message: 'EKO_DEVELOPER_KEY: is required' },
    });
    expect(worker.stderr().trim().split('\n')).toEqual(['ekyc: EKO_DEVELOPER_KEY: is required']);
  });

  it('stops at start naming a malformed variable without echoing its value', async () => {
    const worker = start(workerEnv(sim, 'unused', { EKYC_CODEC_KEYS: 'k1:c2VjcmV0' }));
    const { code } = await worker.exited;
    expect(code).toBe(2);
    const { error } = JSON.parse(worker.stdout());
    expect(error.message).toMatch(/^EKYC_CODEC_KEYS: /);
    expect(worker.stdout() + worker.stderr()).not.toContain('c2VjcmV0');
  });

  it('stops at start when EKO_BASE_URL is unset or http://, unless EKO_ALLOW_INSECURE_HTTP=true', async () => {
    const unset = workerEnv(sim, 'unused');
    delete unset.EKO_BASE_URL;
    const plain = workerEnv(sim, 'unused');
    delete plain.EKO_ALLOW_INSECURE_HTTP;
    for (const [env, message] of [
      [unset, 'EKO_BASE_URL: is required'],
      [plain, /^EKO_BASE_URL: must be an https:\/\/ URL/],
    ] as const) {
      const worker = start(env);
      expect((await worker.exited).code).toBe(2);
      expect(JSON.parse(worker.stdout()).error.message).toMatch(message);
    }
  });

  it('prints its task queue, namespace and identity, and exits 0 on SIGTERM', async () => {
    const taskQueue = `ekyc-main-${randomUUID()}`;
    const worker = start(workerEnv(sim, taskQueue));
    const printed = (await worker.ready) as { worker: Record<string, unknown> };
    expect(printed.worker).toMatchObject({
      taskQueue,
      namespace: 'default',
      metricsPort: 0,
      cacheSize: 500,
      workflowThreads: 1,
    });
    expect(printed.worker.identity).toMatch(new RegExp(`^ekyc-worker-${worker.child.pid}@`));
    worker.child.kill('SIGTERM');
    expect(await worker.exited).toEqual({ code: 0, signal: null });
  }, 90_000);

  it('runs with the sticky cache and workflow threads it is configured with', async () => {
    const worker = start(
      workerEnv(sim, `ekyc-main-${randomUUID()}`, { EKYC_WORKER_CACHE_SIZE: '40', EKYC_WORKER_WORKFLOW_THREADS: '3' }),
    );
    const printed = (await worker.ready) as { worker: Record<string, unknown> };
    expect(printed.worker).toMatchObject({ cacheSize: 40, workflowThreads: 3 });
    worker.child.kill('SIGTERM');
    expect(await worker.exited).toEqual({ code: 0, signal: null });
  }, 90_000);

  it('serves Prometheus metrics on EKYC_METRICS_PORT and exits 0 on SIGINT', async () => {
    const port = await freePort();
    const worker = start(workerEnv(sim, `ekyc-main-${randomUUID()}`, { EKYC_METRICS_PORT: String(port) }));
    await worker.ready;
    const response = await fetch(`http://127.0.0.1:${port}/metrics`);
    expect(response.status).toBe(200);
    expect(await response.text()).toMatch(/^temporal_/m);
    worker.child.kill('SIGINT');
    expect(await worker.exited).toEqual({ code: 0, signal: null });
  }, 90_000);

  it('stops with one line naming EKYC_METRICS_PORT when another process holds the port', async () => {
    // Another program's listener on the metrics port (the worker binds every interface).
    const holder = createServer();
    await new Promise<void>((resolve) => holder.listen(0, '0.0.0.0', resolve));
    const port = (holder.address() as AddressInfo).port;
    try {
      const worker = start(workerEnv(sim, `ekyc-main-${randomUUID()}`, { EKYC_METRICS_PORT: String(port) }));
      const { code } = await worker.exited;
      expect(code).toBe(2);
      const message = `EKYC_METRICS_PORT: cannot serve metrics on 0.0.0.0:${port} (the port is in use by another process): free it, choose another port, or 0 to turn the endpoint off`;
      expect(JSON.parse(worker.stdout())).toEqual({ error: { code: 'CONFIG', message } });
      // Nothing else: no worker started, no SDK log line printed past the redacting logger.
      expect(worker.stderr().trim().split('\n')).toEqual([`ekyc: ${message}`]);
    } finally {
      await new Promise((resolve) => holder.close(resolve));
    }
  }, 90_000);

  it('counts a session started without the codec in ekyc_unencrypted_payloads, and never calls Eko for it', async () => {
    const port = await freePort();
    const taskQueue = `ekyc-main-${randomUUID()}`;
    const worker = start(workerEnv(sim, taskQueue, { EKYC_METRICS_PORT: String(port) }));
    await worker.ready;
    const agent = newAgent(sim);
    const { client: plain, close } = await connectClient(null);
    try {
      const handle = await plain.workflow.start(WORKFLOW_TYPE, {
        taskQueue,
        workflowId: workflowIdFor(agent.userCode),
        args: [ekycInput(agent)],
      });
      await expect(handle.result()).rejects.toThrow();
    } finally {
      await close();
    }
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    expect(metrics).toMatch(/^ekyc_unencrypted_payloads\{[^}]*message="input"[^}]*\} 1$/m);
    expect(sim.ledger().filter((e) => e.userCode === agent.userCode)).toEqual([]);
    worker.child.kill('SIGTERM');
    expect(await worker.exited).toEqual({ code: 0, signal: null });
  }, 90_000);

  it("routes the Temporal core's own logs to stderr as JSON: stdout holds the one JSON object only", async () => {
    // A TCP relay to the test server that can be cut: once it is, the core's pollers log their retries (WARN).
    const [host, port] = inject('temporalAddress').split(':');
    const sockets = new Set<Socket>();
    const relay = createServer((client) => {
      const upstream = connect(Number(port), host);
      for (const s of [client, upstream]) {
        sockets.add(s);
        s.on('error', () => undefined);
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((r) => relay.listen(0, '127.0.0.1', () => r()));
    const relayAddress = `127.0.0.1:${(relay.address() as AddressInfo).port}`;
    try {
      const worker = start(workerEnv(sim, `ekyc-main-${randomUUID()}`, { TEMPORAL_ADDRESS: relayAddress }));
      await worker.ready;
      relay.close();
      for (const s of sockets) s.destroy();
      const lines = () =>
        worker
          .stderr()
          .split('\n')
          .filter((l) => l.startsWith('{'))
          .map((l) => JSON.parse(l) as { level: number; msg: string });
      const deadline = Date.now() + 30_000;
      while (!lines().some((l) => /retried|poll|connect/i.test(l.msg)) && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 200));
      }
      // The core's warning arrived as a JSON log line on stderr…
      expect(lines().filter((l) => l.level >= 40 && /retried|poll|connect/i.test(l.msg)).length).toBeGreaterThan(0);
      // …and stdout is still exactly the one JSON object the command prints: no raw core text beside it.
      expect(() => JSON.parse(worker.stdout())).not.toThrow();
      expect(worker.stdout()).not.toMatch(/WARN|temporalio_/);
      // No terminal colour codes anywhere: nothing bypassed the JSON logger.
      expect(worker.stdout().includes('\u001b[')).toBe(false);
      expect(worker.stderr().includes('\u001b[')).toBe(false);
      await crash(worker);
    } finally {
      relay.close();
      for (const s of sockets) s.destroy();
    }
  }, 90_000);

  it('on SIGTERM lets an Eko call in flight finish before it exits', async () => {
    const taskQueue = `ekyc-main-${randomUUID()}`;
    const worker = start(workerEnv(sim, taskQueue));
    await worker.ready;
    const agent = newAgent(sim);
    sim.injectFault(agent.userCode, 'sendOtp', { kind: 'latency', ms: 3_000 });
    const handle = await startEkyc(client, taskQueue, agent);
    // The fault is taken when the request reaches the simulator: the call is now in flight.
    const deadline = Date.now() + 60_000;
    while (sim.pendingFaults(agent.userCode, 'sendOtp') > 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
    }
    worker.child.kill('SIGTERM');
    expect(await worker.exited).toEqual({ code: 0, signal: null });

    expect(
      sim
        .ledger()
        .filter((e) => e.userCode === agent.userCode)
        .map((e) => e.code),
    ).toEqual(['0']);
    const events = (await handle.fetchHistory()).events ?? [];
    expect(events.some((e) => e.activityTaskCompletedEventAttributes)).toBe(true);
    expect(events.some((e) => e.activityTaskFailedEventAttributes || e.activityTaskTimedOutEventAttributes)).toBe(
      false,
    );
    await handle.terminate('test over');
  }, 90_000);
});
