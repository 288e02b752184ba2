// Helpers for the fingpayAgent tests: start a lifecycle as a completed eKYC does (signal-with-start), the Daily KYC
// argument of a synthetic agent, and the worker/client pair on any Temporal server (dev server or time-skipping).
import { randomUUID } from 'node:crypto';
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { agentWorkflowIdFor, type AgentPolicy, type DailyAuthArg, type KnownEkyc } from '../../common/agent.js';
import { createActivities } from '../../activities/index.js';
import { EkycClient } from '../../client/index.js';
import { createEkycWorker } from '../../worker/worker.js';
import type { fingpayAgent } from '../../workflows/agent.js';
import { ekycCompletedSignal } from '../../workflows/messages.js';
import type { EkoSimulator } from '../../sim/eko-sim.js';
import { LATLONG, ekoConfigFor, pidData, type Agent, type PidOptions } from '../sim/eko-fixtures.js';
import { testDataConverter, workflowCode } from './harness.js';
import { stopWorker } from '../support/stop-worker.js';

export function knownEkyc(agent: Agent, completedAt: number): KnownEkyc {
  return {
    completedAt: new Date(completedAt).toISOString(),
    customerId: agent.customerId,
    latlong: LATLONG,
    bankCode: 'HDFC',
  };
}

/** What fingpayEkyc's completion does (activities/agent.ts), for tests that start from an eKYC done earlier. */
export function startLifecycle(
  client: Client,
  taskQueue: string,
  agent: Agent,
  completedAt: number,
  policy?: Partial<AgentPolicy>,
): Promise<WorkflowHandle<typeof fingpayAgent>> {
  return client.workflow.signalWithStart<typeof fingpayAgent, [KnownEkyc]>('fingpayAgent', {
    workflowId: agentWorkflowIdFor(agent.userCode),
    taskQueue,
    args: [{ userCode: agent.userCode, ...(policy ? { policy } : {}) }],
    signal: ekycCompletedSignal,
    signalArgs: [knownEkyc(agent, completedAt)],
  });
}

/** Only the Aadhaar and the capture: the rest defaults to the completed eKYC's. */
export function dailyArg(agent: Agent, pid: PidOptions = {}): DailyAuthArg {
  return { aadhaar: agent.aadhaar, pidData: pidData(pid) };
}

export interface AgentRig {
  client: Client;
  ekyc: EkycClient;
  taskQueue: string;
  stop(): Promise<void>;
}

/** A worker (real activities against `sim`) and clients on the given server. */
export async function startAgentRig(
  address: string,
  namespace: string,
  sim: EkoSimulator,
  agentPolicy?: Partial<AgentPolicy>,
  connections?: { connection: Connection; nativeConnection: NativeConnection },
): Promise<AgentRig> {
  const taskQueue = `agent-test-${randomUUID()}`;
  const nativeConnection = connections?.nativeConnection ?? (await NativeConnection.connect({ address }));
  const connection = connections?.connection ?? (await Connection.connect({ address }));
  const worker = await createEkycWorker({
    connection: nativeConnection,
    namespace,
    taskQueue,
    activities: createActivities({ eko: ekoConfigFor(sim, { timeoutMs: 3_000 }), agentPolicy }),
    dataConverter: testDataConverter(),
    workflowBundle: { code: await workflowCode() },
    shutdownGraceTime: '2s',
  });
  const running = worker.run();
  const client = new Client({ connection, namespace, dataConverter: testDataConverter() });
  return {
    client,
    ekyc: new EkycClient({ client, taskQueue }),
    taskQueue,
    async stop() {
      const outcome = await stopWorker(worker, running, connections ? undefined : nativeConnection);
      if (!connections && outcome === 'stopped') await connection.close();
    },
  };
}
