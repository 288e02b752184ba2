// The cost of crypto-shredding per session (docs/PERFORMANCE.md "Crypto-shredding"): completed eKYC sessions with
// and without sealing, one after another on a Temporal dev server, the Eko simulator and an in-process worker, for
// history events and bytes and the client's wall time; then the key store's operations on both backends (the
// embedded file store and a throwaway PostgreSQL 15 cluster). Prints one JSON object. Run:
// node --import tsx bench/shredding.ts  (BENCH_SESSIONS, BENCH_KEY_OPS to change the counts)
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { randomBytes, randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { createActivities } from '../activities/index.js';
import { EkycClient } from '../client/index.js';
import { createDataConverter } from '../codec/data-converter.js';
import { workflowIdFor } from '../common/domain.js';
import { loadCodecConfig } from '../config/index.js';
import { startDevServer } from '../dev/temporal-server.js';
import { openKeyStore, Sealer, type KeyStore } from '../keystore/index.js';
import { bundleWorkflows } from '../worker/bundle.js';
import { createEkycWorker } from '../worker/worker.js';
import { ekoConfigFor, ekycInput, newAgent, pidData, startSim } from '../test/sim/eko-fixtures.js';
import { startTestPostgres } from '../test/support/postgres.js';
import { round, summarize } from './stats.js';

const SESSIONS = Number(process.env.BENCH_SESSIONS ?? 20);
const KEY_OPS = Number(process.env.BENCH_KEY_OPS ?? 500);
const codec = loadCodecConfig({ EKYC_CODEC_KEYS: `bench:${randomBytes(32).toString('base64')}` });

async function sessions(server: { address: string; namespace: string }, sealer: Sealer | undefined, bundle: string) {
  const sim = await startSim();
  const taskQueue = `bench-shred-${randomUUID()}`;
  const dataConverter = createDataConverter(codec);
  const native = await NativeConnection.connect({ address: server.address });
  const worker = await createEkycWorker({
    connection: native,
    namespace: server.namespace,
    taskQueue,
    activities: createActivities({ eko: ekoConfigFor(sim, { timeoutMs: 5_000 }), sealer }),
    dataConverter,
    workflowBundle: { code: bundle },
  });
  const running = worker.run();
  const connection = await Connection.connect({ address: server.address });
  const client = new Client({ connection, namespace: server.namespace, dataConverter });
  const ekyc = new EkycClient({ client, taskQueue, sealer });
  const wall: number[] = [];
  const events: number[] = [];
  const bytes: number[] = [];
  try {
    for (let i = 0; i < SESSIONS; i++) {
      const agent = newAgent(sim);
      const t = performance.now();
      await ekyc.startEkyc(ekycInput(agent));
      for (let n = 0; n < 200 && (await ekyc.status(agent.userCode)).stage !== 'AWAITING_OTP'; n++) {
        await new Promise((r) => setTimeout(r, 20));
      }
      await ekyc.submitOtp(agent.userCode, sim.currentOtp(agent.userCode)!);
      await ekyc.submitBiometric(agent.userCode, pidData());
      await client.workflow.getHandle(workflowIdFor(agent.userCode)).result();
      wall.push(performance.now() - t);
      const history = await client.workflow.getHandle(workflowIdFor(agent.userCode)).fetchHistory();
      events.push(history.events?.length ?? 0);
      bytes.push(Buffer.byteLength(JSON.stringify(history)));
    }
  } finally {
    worker.shutdown();
    await running;
    await native.close();
    await connection.close();
    await sim.stop();
  }
  return { wallMs: summarize(wall), events: summarize(events), historyJsonBytes: summarize(bytes) };
}

async function keyOps(store: KeyStore) {
  const sealer = new Sealer(store);
  const pid = pidData();
  const seal: number[] = [];
  const open: number[] = [];
  const destroy: number[] = [];
  // CPU of this process (the calling thread and libuv's pool) per operation: what the worker pays for each.
  const cpuUs = { seal: 0, open: 0, destroy: 0 };
  async function timed<T>(k: keyof typeof cpuUs, wall: number[], op: () => Promise<T>): Promise<T> {
    const t = performance.now();
    const c = process.cpuUsage();
    const value = await op();
    wall.push(performance.now() - t);
    const used = process.cpuUsage(c);
    cpuUs[k] += used.user + used.system;
    return value;
  }
  for (let i = 0; i < KEY_OPS; i++) {
    const token = await timed('seal', seal, () => sealer.seal('pid', 'fingpay-ekyc-bench', pid, 60_000));
    await timed('open', open, () => sealer.open('pid', token));
    await timed('destroy', destroy, () => sealer.shred('pid', [token]));
  }
  const ms = (s: number[]) => ({ p50: round(summarize(s).p50, 2), p99: round(summarize(s).p99, 2) });
  const mean = (us: number) => round(us / KEY_OPS, 1);
  return {
    ops: KEY_OPS,
    sealMs: ms(seal),
    openMs: ms(open),
    destroyMs: ms(destroy),
    cpuUsPerOp: { seal: mean(cpuUs.seal), open: mean(cpuUs.open), destroy: mean(cpuUs.destroy) },
  };
}

async function run() {
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const dataDir = mkdtempSync(join(tmpdir(), 'ekyc-bench-keys-'));
  const pg = await startTestPostgres();
  const server = await startDevServer({ startTimeoutMs: 120_000 });
  try {
    const bundle = await bundleWorkflows(new DefaultLogger('WARN'));
    const fileStore = await openKeyStore({ url: null, dataDir });
    const pgStore = await openKeyStore({ url: pg.url, dataDir });
    const plain = await sessions(server, undefined, bundle);
    const sealedFile = await sessions(server, new Sealer(fileStore), bundle);
    const sealedPg = await sessions(server, new Sealer(pgStore), bundle);
    const result = {
      sessions: SESSIONS,
      plain,
      sealedFileStore: sealedFile,
      sealedPostgres: sealedPg,
      keyStore: { file: await keyOps(fileStore), postgres: await keyOps(pgStore) },
    };
    await fileStore.close();
    await pgStore.close();
    console.log(JSON.stringify(result, null, 2));
  } finally {
    await server.stop();
    await pg.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

run().catch((err) => {
  console.error(err);
  process.exit(1);
});
