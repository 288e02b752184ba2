// Spawns `ekyc worker` (test/support/worker-process.ts) as a child process and reads its one JSON line.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { inject } from 'vitest';
import type { EkoSimulator } from '../../sim/eko-sim.js';
import { CREDENTIALS } from '../sim/eko-fixtures.js';
import { TEST_CODEC_KEYS } from '../workflows/harness.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The environment a production worker would get, pointed at the test server and the simulator. */
export function workerEnv(sim: EkoSimulator, taskQueue: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const { PATH, HOME, TMPDIR } = process.env;
  return {
    PATH,
    HOME,
    TMPDIR,
    TEMPORAL_ADDRESS: inject('temporalAddress'),
    TEMPORAL_NAMESPACE: inject('temporalNamespace'),
    EKYC_TASK_QUEUE: taskQueue,
    EKO_BASE_URL: sim.baseUrl,
    // The simulator speaks plain http on loopback; a production worker would refuse it.
    EKO_ALLOW_INSECURE_HTTP: 'true',
    EKO_DEVELOPER_KEY: CREDENTIALS.developerKey,
    EKO_ACCESS_KEY: CREDENTIALS.accessKey,
    EKO_INITIATOR_ID: CREDENTIALS.initiatorId,
    EKO_AADHAAR_PUBLIC_KEY: sim.publicKeySpkiBase64,
    EKO_TIMEOUT_MS: '60000',
    EKYC_CODEC_KEYS: TEST_CODEC_KEYS,
    EKYC_METRICS_PORT: '0',
    EKYC_LOG_LEVEL: 'warn',
    // A Worker Deployment per task queue: the worker is its first version and so routes to itself (the build id
    // comes from the checkout, and a commit made while the tests run must not strand a shared deployment).
    EKYC_WORKER_DEPLOYMENT_NAME: `ekyc-test-${taskQueue.replace(/[^A-Za-z0-9_-]/g, '-')}`.slice(0, 100),
    ...extra,
  };
}

export interface ChildWorker {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** The first JSON object the command printed. */
  ready: Promise<Record<string, unknown>>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export function spawnWorker(env: NodeJS.ProcessEnv): ChildWorker {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/support/worker-process.ts'], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stderr!.on('data', (d) => (err += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const ready = new Promise<Record<string, unknown>>((resolve, reject) => {
    child.stdout!.on('data', (d) => {
      out += d;
      try {
        resolve(JSON.parse(out));
      } catch {
        // not a whole object yet
      }
    });
    void exited.then(({ code, signal }) =>
      reject(new Error(`worker exited (${code ?? signal}) before it was ready: ${err.slice(-2000)}`)),
    );
  });
  ready.catch(() => undefined);
  return { child, stdout: () => out, stderr: () => err, ready, exited };
}

/** Kills the worker process outright, as a crash would, and waits until it is gone. */
export async function crash(worker: ChildWorker): Promise<void> {
  worker.child.kill('SIGKILL');
  await worker.exited;
}
