// `npm run bench:cluster-capacity`: what one Daily KYC costs on the production-shaped cluster (dev/cluster.ts:
// PostgreSQL 15, Temporal's four services as separate processes, two `ekyc worker` processes), for docs/CAPACITY.md.
// N agents whose eKYC completed three days ago (as `npm run bench:rush` prepares them: the simulator knows the eKYC,
// the lifecycle learns of it through signalEkycCompleted) each make the day's Daily KYC through the client library;
// around that rush it reads PostgreSQL's counters (rows, WAL, database sizes) and the CPU of every process, and from
// a sample of lifecycles the day's history (events, bytes) and its Temporal Cloud Actions (bench/actions.ts).
// The eKYC session's figures come from `npm run chaos:cluster -- --faults none` (its "per session" line).
//
// Flags: --agents (500), --concurrency (50), --sample (50), --shards (4).
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { signalEkycCompleted } from '../activities/agent.js';
import { EkycClient } from '../client/index.js';
import { agentWorkflowIdFor } from '../common/agent.js';
import { durationToMs } from '../common/checks.js';
import { loadCodecConfig, loadDailyAuthPolicy } from '../config/index.js';
import { Cluster, ensureTemporalBinaries, freeClusterPorts } from '../dev/cluster.js';
import { EkoSimulator } from '../sim/eko-sim.js';
import { CREDENTIALS, pidData } from '../test/sim/eko-fixtures.js';
import { billableActions, type Actions } from './actions.js';
import { costPer, pgSnapshot } from './chaos-cluster.js';
import { syntheticAgent } from './driver.js';
import { part, splitAtFirstUpdate } from './history-cost.js';
import { pool, round, sleep } from './stats.js';

const { values } = parseArgs({
  options: {
    agents: { type: 'string', default: '500' },
    concurrency: { type: 'string', default: '50' },
    sample: { type: 'string', default: '50' },
    shards: { type: 'string', default: '4' },
  },
});
const AGENTS = Number(values.agents);
const CONCURRENCY = Number(values.concurrency);
const SAMPLE = Math.min(AGENTS, Number(values.sample));
const log = (line: string) => process.stderr.write(`${line}\n`);

const POLICY = loadDailyAuthPolicy({});
const PID = pidData();

async function main(): Promise<void> {
  const binaries = await ensureTemporalBinaries(process.env, log);
  const sim = await EkoSimulator.start({ ...CREDENTIALS, modulusLength: 1024 });
  const dir = mkdtempSync(join(tmpdir(), 'ekyc-capacity-'));
  const cluster = new Cluster({
    dir,
    ports: await freeClusterPorts(2),
    binaries,
    workers: 2,
    eko: { baseUrl: sim.baseUrl, publicKey: sim.publicKeySpkiBase64, contract: sim.contract, ...CREDENTIALS },
    numHistoryShards: Number(values.shards),
    env: { ...process.env, EKYC_LOG_LEVEL: 'warn' },
    log: (line) => log(`cluster: ${line}`),
  });
  let ekyc: EkycClient | null = null;
  try {
    await cluster.start();
    ekyc = await EkycClient.connect({
      temporal: {
        connection: { address: cluster.address },
        namespace: cluster.namespace,
        taskQueue: cluster.taskQueue,
      },
      codec: loadCodecConfig({ EKYC_CODEC_KEYS: cluster.codecKeys }),
      callTimeoutMs: 60_000,
    });
    const client = ekyc.client;

    // Agents whose eKYC completed three days and an hour ago, each with its lifecycle waiting for the day's request.
    const completedAt = new Date(Date.now() - durationToMs(POLICY.eligibleAfter) - 3_600_000).toISOString();
    const agents = Array.from({ length: AGENTS }, () => syntheticAgent());
    for (const a of agents) {
      sim.addAgent({ userCode: a.userCode, aadhaar: a.aadhaar, mobile: a.customerId });
      sim.updateAgent(a.userCode, { ekycCompletedAt: completedAt });
    }
    await pool(AGENTS, CONCURRENCY, async (i) => {
      const a = agents[i];
      await signalEkycCompleted(client, cluster.taskQueue, POLICY, {
        userCode: a.userCode,
        completedAt,
        customerId: a.customerId,
        latlong: a.latlong,
        bankCode: a.bankCode,
      });
    });
    const ready = `WorkflowType = 'fingpayAgent' AND AgentState = 'AUTH_REQUIRED' AND ExecutionStatus = 'Running'`;
    for (const until = Date.now() + 300_000; (await client.workflow.count(ready)).count < AGENTS;) {
      if (Date.now() > until) throw new Error('the lifecycles did not all reach AUTH_REQUIRED within 5 minutes');
      await sleep(1_000);
    }
    await sleep(5_000); // let the creation's tail (timers, visibility) settle out of the measured window

    const before = await pgSnapshot(cluster);
    const cpuBefore = cluster.cpuSeconds();
    const loadBefore = loadavg()[0];
    const started = performance.now();
    await pool(AGENTS, CONCURRENCY, async (i) => {
      const a = agents[i];
      const outcome = await ekyc!.submitDailyAuth(a.userCode, { aadhaar: a.aadhaar, pidData: PID });
      if (!outcome.accepted || outcome.state !== 'AUTHENTICATED') {
        throw new Error(`Daily KYC of an agent ended ${outcome.code ?? outcome.state}`);
      }
    });
    const elapsed = (performance.now() - started) / 1000;
    await sleep(5_000); // the day's tail: the key destruction, the next midnight's timer, visibility
    const after = await pgSnapshot(cluster);
    const cpuAfter = cluster.cpuSeconds();

    const cost = costPer(AGENTS, { before, after, cpuBefore, cpuAfter });

    // The day's part of a sample of lifecycles: from the workflow task that took the Daily KYC request on.
    let events = 0;
    let bytes = 0;
    const actions: Actions[] = [];
    for (const a of agents.slice(0, SAMPLE)) {
      const history = await client.workflow.getHandle(agentWorkflowIdFor(a.userCode)).fetchHistory();
      const parts = splitAtFirstUpdate(history.events ?? []);
      if (!parts) throw new Error('a lifecycle has no accepted Daily KYC request');
      const day = part(parts[1]);
      events += day.events;
      bytes += day.bytes;
      actions.push(billableActions(parts[1]));
    }
    const actionsPerDay: Record<string, number> = {};
    for (const key of Object.keys(actions[0]) as (keyof Actions)[]) {
      actionsPerDay[key] = round(actions.reduce((s, x) => s + x[key], 0) / actions.length, 2);
    }
    const ekoCalls = sim.ledger().filter((e) => e.step === 'dailyKyc' && e.code === '0').length;
    const report = {
      agents: AGENTS,
      concurrency: CONCURRENCY,
      shards: Number(values.shards),
      agentsPerSecond: round(AGENTS / elapsed, 1),
      loadAverage: [round(loadBefore, 1), round(loadavg()[0], 1)],
      successfulDailyKycCalls: ekoCalls,
      lifecycleDay: { sampled: SAMPLE, events: round(events / SAMPLE, 1), bytes: round(bytes / SAMPLE) },
      actionsPerDay,
      rowsPerAgent: cost.rows,
      walBytesPerAgent: cost.walBytes,
      dbBytesPerAgent: cost.dbBytes,
      cpuMsPerAgent: cost.cpuMs,
    };
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    if (ekoCalls !== AGENTS) throw new Error(`${ekoCalls} successful Daily KYC calls for ${AGENTS} agents`);
  } finally {
    await ekyc?.close().catch(() => undefined);
    await cluster.stop();
    await sim.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
