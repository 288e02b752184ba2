// `ekyc worker` as a version of its Worker Deployment: the version it runs as (configured or derived from the
// release), the configuration errors, and the one routing change it makes by itself (the very first version of a
// deployment becomes current; a later one waits for the operator).
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { NativeConnection } from '@temporalio/worker';
import { ConfigError, loadWorkerVersioning } from '../../config/index.js';
import type { EkoSimulator } from '../../sim/eko-sim.js';
import { defaultBuildId, describeRouting, resolveDeploymentVersion } from '../../worker/deployment.js';
import { startSim } from '../sim/eko-fixtures.js';
import { crash, spawnWorker, workerEnv, type ChildWorker } from './child-worker.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const packageVersion = (JSON.parse(readFileSync(`${ROOT}package.json`, 'utf8')) as { version: string }).version;

describe('the worker deployment version (configuration)', () => {
  it('is versioned by default, as deployment fingpay-ekyc, with the build id derived at start', () => {
    expect(loadWorkerVersioning({})).toEqual({ enabled: true, deploymentName: 'fingpay-ekyc', buildId: null });
    expect(loadWorkerVersioning({ EKYC_WORKER_VERSIONING: 'off' }).enabled).toBe(false);
    expect(resolveDeploymentVersion(loadWorkerVersioning({ EKYC_WORKER_VERSIONING: 'off' }))).toBeNull();
    expect(
      resolveDeploymentVersion(
        loadWorkerVersioning({ EKYC_WORKER_DEPLOYMENT_NAME: 'ekyc-b', EKYC_WORKER_BUILD_ID: '7' }),
      ),
    ).toEqual({ deploymentName: 'ekyc-b', buildId: '7' });
  });

  it('derives the build id from the package version and the checkout commit', () => {
    const commit = execFileSync('git', ['rev-parse', '--short=12', 'HEAD'], { cwd: ROOT }).toString().trim();
    expect(defaultBuildId()).toEqual({ buildId: `${packageVersion}+${commit}`, from: 'git' });
    expect(resolveDeploymentVersion(loadWorkerVersioning({}))?.buildId).toBe(`${packageVersion}+${commit}`);
  });

  it('takes the commit npm run build recorded (an image has no .git) before any other', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ekyc-build-id-'));
    try {
      writeFileSync(join(dir, 'build-info.json'), JSON.stringify({ version: '9.8.7', commit: 'abcdef012345' }));
      writeFileSync(join(dir, 'bundle.js'), 'workflow code');
      expect(
        defaultBuildId({ buildInfoPath: join(dir, 'build-info.json'), root: ROOT, bundlePath: join(dir, 'bundle.js') }),
      ).toEqual({ buildId: '9.8.7+abcdef012345', from: 'build-info' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('without a known commit, names the workflow code by its bundle hash; with nothing at all, asks for the variable', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ekyc-build-id-'));
    try {
      writeFileSync(join(dir, 'build-info.json'), JSON.stringify({ version: '9.8.7', commit: null }));
      const bundle = join(dir, 'bundle.js');
      writeFileSync(bundle, 'workflow code v1');
      const sources = { buildInfoPath: join(dir, 'build-info.json'), root: dir, bundlePath: bundle };
      const first = defaultBuildId(sources);
      expect(first.from).toBe('bundle');
      expect(first.buildId).toMatch(/^9\.8\.7\+wf-[0-9a-f]{12}$/);
      writeFileSync(bundle, 'workflow code v2');
      expect(defaultBuildId(sources).buildId).not.toBe(first.buildId);
      expect(() => defaultBuildId({ buildInfoPath: null, root: dir, bundlePath: null })).toThrow(
        new ConfigError(
          'EKYC_WORKER_BUILD_ID',
          'is required here: no git commit is known (no dist/build-info.json commit, no .git) and no pre-built bundle',
        ),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.each([
    ['EKYC_WORKER_VERSIONING', 'yes', 'must be one of on, off'],
    ['EKYC_WORKER_DEPLOYMENT_NAME', 'fingpay.ekyc', 'must be 1-100 letters, digits, "_" or "-"'],
    ['EKYC_WORKER_DEPLOYMENT_NAME', 'a:b', 'must be 1-100 letters, digits, "_" or "-"'],
    [
      'EKYC_WORKER_BUILD_ID',
      'has space',
      'must be 1-100 letters, digits, ".", "_", "+" or "-", not starting with "__"',
    ],
    [
      'EKYC_WORKER_BUILD_ID',
      '__reserved',
      'must be 1-100 letters, digits, ".", "_", "+" or "-", not starting with "__"',
    ],
    [
      'EKYC_WORKER_BUILD_ID',
      'x'.repeat(101),
      'must be 1-100 letters, digits, ".", "_", "+" or "-", not starting with "__"',
    ],
  ])('refuses %s=%s, naming the variable', (variable, value, rule) => {
    expect(() => loadWorkerVersioning({ [variable]: value })).toThrow(new ConfigError(variable, rule));
  });
});

describe('ekyc worker in a deployment (real server)', () => {
  let sim: EkoSimulator;
  let connection: NativeConnection;
  const workers: ChildWorker[] = [];
  beforeAll(async () => {
    sim = await startSim();
    connection = await NativeConnection.connect({ address: inject('temporalAddress') });
  });
  afterEach(async () => {
    for (const w of workers.splice(0)) {
      if (w.child.exitCode === null && w.child.signalCode === null) await crash(w);
    }
  });
  afterAll(async () => {
    await connection?.close();
    await sim?.stop();
  });

  const routing = (name: string) => describeRouting(connection, inject('temporalNamespace'), name);
  async function until<T>(what: string, probe: () => Promise<T>, ok: (v: T) => boolean): Promise<T> {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const value = await probe();
      if (ok(value)) return value;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(value)}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  it('prints its version; the first version of a deployment becomes current, a later one is left for the operator', async () => {
    const deploymentName = `ekyc-test-${randomUUID().slice(0, 8)}`;
    const taskQueue = `ekyc-deployment-${randomUUID()}`;
    const env = (buildId: string) =>
      workerEnv(sim, taskQueue, {
        EKYC_WORKER_DEPLOYMENT_NAME: deploymentName,
        EKYC_WORKER_BUILD_ID: buildId,
        EKYC_LOG_LEVEL: 'info',
      });

    const first = spawnWorker(env('1.0.0+first'));
    workers.push(first);
    const printed = (await first.ready) as { worker: Record<string, unknown> };
    expect(printed.worker.deployment).toEqual({ deploymentName, buildId: '1.0.0+first' });
    const afterFirst = await until(
      'the first version to become current',
      () => routing(deploymentName),
      (r) => Boolean(r?.current),
    );
    expect(afterFirst?.current).toEqual({ deploymentName, buildId: '1.0.0+first' });

    const second = spawnWorker(env('2.0.0+second'));
    workers.push(second);
    await second.ready;
    // Wait until the server knows the second version (it polls), then give its worker time to have decided.
    await until(
      'the second version to be registered',
      async () =>
        (
          await connection.workflowService.describeWorkerDeployment({
            namespace: inject('temporalNamespace'),
            deploymentName,
          })
        ).workerDeploymentInfo?.versionSummaries?.map((v) => v.deploymentVersion?.buildId) ?? [],
      (ids) => ids.includes('2.0.0+second'),
    );
    await until(
      'the second worker to log its decision',
      async () => second.stderr(),
      (err) => err.includes('worker deployment version'),
    );
    expect(second.stderr()).toContain('"outcome":"left-alone"');
    // …and says so, with the command that would route to it.
    expect(second.stderr()).toContain(
      `set-current-version --deployment-name ${deploymentName} --build-id 2.0.0+second`,
    );
    expect((await routing(deploymentName))?.current).toEqual({ deploymentName, buildId: '1.0.0+first' });

    second.child.kill('SIGTERM');
    first.child.kill('SIGTERM');
    expect(await second.exited).toEqual({ code: 0, signal: null });
    expect(await first.exited).toEqual({ code: 0, signal: null });
  }, 120_000);

  it('runs unversioned with EKYC_WORKER_VERSIONING=off', async () => {
    const worker = spawnWorker(workerEnv(sim, `ekyc-deployment-${randomUUID()}`, { EKYC_WORKER_VERSIONING: 'off' }));
    workers.push(worker);
    const printed = (await worker.ready) as { worker: Record<string, unknown> };
    expect(printed.worker.deployment).toBeNull();
    worker.child.kill('SIGTERM');
    expect(await worker.exited).toEqual({ code: 0, signal: null });
  }, 90_000);
});
