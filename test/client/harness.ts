// The client library's test harness: the real Temporal dev server (globalSetup), the Eko simulator, an in-process
// worker on a task queue of its own (the workflow tests' harness), and an EkycClient connected like a backend's.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inject } from 'vitest';
import { createActivities } from '../../activities/index.js';
import { EkycClient } from '../../client/index.js';
import type { EkycInput, EkycPolicy, EkycStatus, Stage } from '../../common/domain.js';
import { isFinalStage } from '../../common/domain.js';
import { loadCodecConfig, type TemporalConfig } from '../../config/index.js';
import type { EkoSimulator } from '../../sim/eko-sim.js';
import { openKeyStore, Sealer } from '../../keystore/index.js';
import { ekoConfigFor, ekycInput, newAgent, startSim, type Agent } from '../sim/eko-fixtures.js';
import { startWorker, TEST_CODEC_KEYS } from '../workflows/harness.js';

export { TEST_CODEC_KEYS };
export const testCodecConfig = () => loadCodecConfig({ EKYC_CODEC_KEYS: TEST_CODEC_KEYS });

/**
 * The embedded key store the harness's worker, its EkycClient and the CLI and API processes it starts all share (as
 * the processes of one machine do): the CLI and the API seal the Aadhaar and PidData, the worker opens them.
 */
export const HARNESS_DATA_DIR = mkdtempSync(join(tmpdir(), 'ekyc-client-keys-'));
export const harnessKeyStore = { url: null, dataDir: HARNESS_DATA_DIR, pidTtlMs: 600_000 };

export function temporalConfig(taskQueue: string): TemporalConfig {
  return {
    connection: { address: inject('temporalAddress') },
    namespace: inject('temporalNamespace'),
    taskQueue,
  };
}

/** The environment a CLI or API process needs to reach this harness. */
export function processEnv(taskQueue: string): Record<string, string> {
  return {
    TEMPORAL_ADDRESS: inject('temporalAddress'),
    TEMPORAL_NAMESPACE: inject('temporalNamespace'),
    EKYC_TASK_QUEUE: taskQueue,
    EKYC_CODEC_KEYS: TEST_CODEC_KEYS,
    EKYC_DATA_DIR: HARNESS_DATA_DIR,
    EKYC_LOG_LEVEL: 'silent',
  };
}

export interface ClientHarness {
  sim: EkoSimulator;
  ekyc: EkycClient;
  taskQueue: string;
  newAgent(): Agent;
  input(agent: Agent, policy?: Partial<EkycPolicy>): EkycInput;
  /** Polls the status until `predicate` holds; fails with the last stage seen. */
  waitFor(userCode: string, predicate: (s: EkycStatus) => boolean, what?: string): Promise<EkycStatus>;
  waitForStage(userCode: string, stage: Stage): Promise<EkycStatus>;
  close(): Promise<void>;
}

export async function startClientHarness(): Promise<ClientHarness> {
  const sim = await startSim();
  const store = await openKeyStore(harnessKeyStore);
  const worker = await startWorker(
    createActivities({ eko: ekoConfigFor(sim, { timeoutMs: 3_000 }), sealer: new Sealer(store) }),
  );
  const ekyc = await EkycClient.connect({
    temporal: temporalConfig(worker.taskQueue),
    codec: testCodecConfig(),
    callTimeoutMs: 30_000,
    keyStore: harnessKeyStore,
  });
  const waitFor = async (userCode: string, predicate: (s: EkycStatus) => boolean, what = 'the expected status') => {
    const deadline = Date.now() + 45_000;
    let last: EkycStatus | undefined;
    while (Date.now() < deadline) {
      try {
        last = await ekyc.status(userCode);
        if (predicate(last)) return last;
        if (isFinalStage(last.stage)) break;
      } catch {
        // The first workflow task may not have run yet.
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`timed out waiting for ${what}; last stage ${last?.stage ?? 'unknown'}`);
  };
  return {
    sim,
    ekyc,
    taskQueue: worker.taskQueue,
    newAgent: () => newAgent(sim),
    input: ekycInput,
    waitFor,
    waitForStage: (userCode, stage) => waitFor(userCode, (s) => s.stage === stage, `stage ${stage}`),
    async close() {
      // Each step named when it is slow: a close that times out (once in CI, at load 30) then says which one hung.
      const step = async (name: string, run: () => Promise<unknown>) => {
        const slow = setTimeout(
          () => process.stderr.write(`[client harness] close: ${name} still running after 20 s\n`),
          20_000,
        );
        try {
          await run();
        } finally {
          clearTimeout(slow);
        }
      };
      await step('the client', () => ekyc.close());
      await step('the worker', () => worker.stop());
      await step('the key store', () => store.close());
      await step('the Eko simulator', () => sim.stop());
    },
  };
}
