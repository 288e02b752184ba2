// The pre-bundled workflow code (what `npm run build` writes to dist/workflow-bundle.js) runs sessions, and
// carries the project's failure converter into the sandbox so failure messages are encrypted too.
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from '@temporalio/client';
import { NativeConnection, type Worker } from '@temporalio/worker';
import { inject } from 'vitest';
import { createActivities } from '../../activities/index.js';
import type { EkoSimulator } from '../../sim/eko-sim.js';
import { bundleWorkflows } from '../../worker/bundle.js';
import { createEkycWorker } from '../../worker/worker.js';
import { ekoConfigFor, newAgent, startSim } from '../sim/eko-fixtures.js';
import { connectClient, startEkyc, testDataConverter, waitForStage } from '../workflows/harness.js';

let dir: string;
let sim: EkoSimulator;
let client: Client;
let closeClient: () => Promise<void>;
let connection: NativeConnection;
let worker: Worker;
let running: Promise<void>;
let buildOutput = '';
let bundleCode = '';
const taskQueue = `ekyc-bundle-${process.pid}-${Date.now()}`;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ekyc-bundle-'));
  const codePath = join(dir, 'workflow-bundle.js');
  // As `npm run build` (and so `npm ci`) calls it: no logger given. What it printed is checked below.
  const write = process.stderr.write.bind(process.stderr);
  process.stderr.write = ((chunk: string | Uint8Array, ...rest: never[]) => {
    buildOutput += String(chunk);
    return write(chunk, ...rest);
  }) as typeof process.stderr.write;
  try {
    bundleCode = await bundleWorkflows();
    await writeFile(codePath, bundleCode);
  } finally {
    process.stderr.write = write;
  }
  sim = await startSim();
  ({ client, close: closeClient } = await connectClient());
  connection = await NativeConnection.connect({ address: inject('temporalAddress') });
  worker = await createEkycWorker({
    connection,
    namespace: inject('temporalNamespace'),
    taskQueue,
    activities: createActivities({ eko: ekoConfigFor(sim) }),
    dataConverter: testDataConverter(),
    workflowBundle: { codePath },
    shutdownGraceTime: '1s',
  });
  running = worker.run();
});
afterAll(async () => {
  worker?.shutdown();
  await running;
  await connection?.close();
  await closeClient?.();
  await sim?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('pre-bundled workflow code', () => {
  it('is built quietly: no webpack module listing or INFO lines (npm ci runs the build)', () => {
    expect(buildOutput).not.toMatch(/modules by path|\[INFO\]|webpack .* compiled/);
  });

  it('preloads the workflow modules, so each thread evaluates them once for all its workflows', () => {
    const preload = /exports\.preloadModules = function preloadModules\(\) \{([^}]*)\}/.exec(bundleCode)?.[1] ?? '';
    expect(preload).toMatch(/__webpack_require__\([^)]*"\.\/(dist\/)?workflows\/index\.[jt]s"\)/);
  });

  it('keeps no state at module scope in any of our modules it bundles (they are shared by every workflow)', () => {
    const root = fileURLToPath(new URL('../../', import.meta.url));
    const ours = [
      ...new Set([...bundleCode.matchAll(/"\.\/((?:workflows|common|events|codec)\/[\w./-]+\.ts)"/g)].map((m) => m[1])),
    ];
    expect(ours).toEqual(expect.arrayContaining(['workflows/index.ts', 'workflows/ekyc.ts', 'common/checks.ts']));
    const stateful: string[] = [];
    for (const file of ours) {
      readFileSync(join(root, file), 'utf8')
        .split('\n')
        .forEach((line, i) => {
          // Module scope: a mutable binding, or a collection made to be filled.
          if (
            /^(export )?(let|var) |^(export )?const \w+(: [^=]+)? = new (Map|Set|WeakMap|WeakSet|Array)\b/.test(line)
          ) {
            stateful.push(`${file}:${i + 1}: ${line}`);
          }
        });
    }
    expect(stateful).toEqual([]);
  });

  it('runs a session from the bundle file', async () => {
    const handle = await startEkyc(client, taskQueue, newAgent(sim));
    await waitForStage(handle, 'AWAITING_OTP');
    await handle.cancel();
  });

  it('encodes the failure of an ended session, so its message is encrypted in history', async () => {
    const agent = newAgent(sim, { activated: false });
    const handle = await startEkyc(client, taskQueue, agent);
    await handle.result().catch(() => undefined);
    const events = (await handle.fetchHistory()).events ?? [];
    const failed = events.find((e) => e.workflowExecutionFailedEventAttributes)!;
    const failure = failed.workflowExecutionFailedEventAttributes!.failure!;
    expect(failure.message).toBe('Encoded failure');
    expect(failure.encodedAttributes).toBeTruthy();
  });
});
