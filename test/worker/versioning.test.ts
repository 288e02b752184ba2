// Worker Deployment Versioning on the real server, as docs/OPS.md runs it: v1 workers hold sessions waiting for
// the agent's OTP and fingerprint; v2, whose workflow code cannot replay v1's histories, is deployed beside it (no
// new sessions), ramped and made current with the Temporal CLI; new sessions run on v2 while the waiting ones finish
// on v1, with no non-determinism anywhere; `ekyc replay` tells the two codes apart on the open sessions; a rollback
// sends new sessions to v1 again while v2's own session finishes on v2.
import { execFile, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import type { WorkflowHandle } from '@temporalio/client';
import type { WorkerDeploymentVersion } from '@temporalio/common';
import proto from '@temporalio/proto';
import { bundleWorkflowCode, DefaultLogger, NativeConnection } from '@temporalio/worker';
import { createActivities, type WorkerActivities } from '../../activities/index.js';
import { FAILURE_CONVERTER_PATH } from '../../codec/data-converter.js';
import { OTP_QUOTA_WORKFLOW_ID_PREFIX } from '../../common/otp-quota.js';
import { findTemporalCli } from '../../dev/temporal-server.js';
import type { EkoSimulator } from '../../sim/eko-sim.js';
import { describeRouting, makeCurrent } from '../../worker/deployment.js';
import { createEkycWorker } from '../../worker/worker.js';
import { submitBiometricUpdate, submitOtpUpdate } from '../../workflows/messages.js';
import { processEnv } from '../client/harness.js';
import { ekoConfigFor, newAgent, pidData, startSim } from '../sim/eko-fixtures.js';
import {
  cancelAndWait,
  connectClient,
  startEkyc,
  testDataConverter,
  waitForStage,
  workflowCode,
} from '../workflows/harness.js';
import type { VersionProbeActivities } from './fixtures/workflows-v2.js';
import { stopWorker } from '../support/stop-worker.js';

const temporalEnums = proto.temporal.api.enums.v1;
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CLI_ENTRY = fileURLToPath(new URL('../client/cli-entry.ts', import.meta.url));
const V2_WORKFLOWS = fileURLToPath(new URL('./fixtures/workflows-v2.ts', import.meta.url));

// A deployment and a task queue of this test's own: other tests' workers and routing never meet these.
const deploymentName = `ekyc-test-${randomUUID().slice(0, 8)}`;
const taskQueue = `ekyc-versioning-${randomUUID()}`;
const v1: WorkerDeploymentVersion = { deploymentName, buildId: '1.0.0+v1' };
const v2: WorkerDeploymentVersion = { deploymentName, buildId: '2.0.0+v2' };

let sim: EkoSimulator;
let client: Awaited<ReturnType<typeof connectClient>>;
let connection: NativeConnection;
let dir: string;
let v2BundleFile: string;
let v2Code: string;
let v1Code: string;
const workers: { stop(): Promise<void> }[] = [];
const handles: WorkflowHandle[] = [];

async function startVersionedWorker(version: WorkerDeploymentVersion, code: string, activities: WorkerActivities) {
  const worker = await createEkycWorker({
    connection,
    namespace: inject('temporalNamespace'),
    taskQueue,
    activities,
    dataConverter: testDataConverter(),
    workflowBundle: { code },
    shutdownGraceTime: '2s',
    identity: `ekyc-test-${version.buildId}`,
    deploymentVersion: version,
  });
  const running = worker.run();
  const handle = {
    async stop() {
      await stopWorker(worker, running);
    },
  };
  workers.push(handle);
  return handle;
}

/** The Temporal CLI, as an operator runs it (docs/OPS.md); stdout parsed when it is JSON. */
function temporal(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const cli = findTemporalCli();
  if (!cli) throw new Error('the Temporal CLI is not on PATH');
  const all = [...args, '--address', inject('temporalAddress'), '--namespace', inject('temporalNamespace')];
  return new Promise((resolve) => {
    execFile(cli.path, all, { timeout: 30_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

/** `ekyc replay` as its own process, from the sources. */
function ekycReplay(args: string[]): Promise<{ code: number | null; json: Record<string, unknown>; stderr: string }> {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '/tmp',
    ...processEnv(taskQueue),
  };
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CLI_ENTRY, 'replay', ...args], { cwd: ROOT, env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      let json: Record<string, unknown>;
      try {
        json = JSON.parse(stdout);
      } catch {
        json = { unparsed: stdout };
      }
      resolve({ code, json, stderr });
    });
  });
}

/** Which version a session is pinned to, and whether v2's code ran it (its extra activity is in the history). */
async function ranOn(handle: WorkflowHandle): Promise<{ buildId: string | undefined; v2Code: boolean }> {
  const info = (await handle.describe()).raw.workflowExecutionInfo;
  const history = await handle.fetchHistory();
  const v2Code = (history.events ?? []).some(
    (e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'recordVersion',
  );
  return { buildId: info?.versioningInfo?.deploymentVersion?.buildId ?? undefined, v2Code };
}

async function behaviour(handle: WorkflowHandle): Promise<string | undefined> {
  const behavior = (await handle.describe()).raw.workflowExecutionInfo?.versioningInfo?.behavior;
  return behavior === undefined || behavior === null ? undefined : temporalEnums.VersioningBehavior[behavior];
}

/** Every workflow task of the session completed: none failed (a non-determinism error fails the task). */
async function workflowTaskFailures(handle: WorkflowHandle): Promise<number> {
  const history = await handle.fetchHistory();
  return (history.events ?? []).filter((e) => e.workflowTaskFailedEventAttributes).length;
}

/** Build ids of the workers that completed the session's workflow tasks. */
async function completingBuildIds(handle: WorkflowHandle): Promise<string[]> {
  const history = await handle.fetchHistory();
  const ids = (history.events ?? [])
    .map((e) => e.workflowTaskCompletedEventAttributes?.deploymentVersion?.buildId)
    .filter((id): id is string => Boolean(id));
  return [...new Set(ids)];
}

async function start(agentSim = sim) {
  const agent = newAgent(agentSim);
  const handle = await startEkyc(client.client, taskQueue, agent);
  handles.push(handle);
  return { agent, handle };
}

async function untilListed(query: string, count: number) {
  for (const deadline = Date.now() + 20_000; Date.now() < deadline;) {
    const { count: n } = await client.client.workflow.count(query);
    if (n === count) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`visibility never listed ${count} executions for ${query}`);
}

beforeAll(async () => {
  v1Code = await workflowCode(); // first: it also quietens the SDK's logs for this process
  sim = await startSim();
  client = await connectClient();
  connection = await NativeConnection.connect({ address: inject('temporalAddress') });
  dir = await mkdtemp(join(tmpdir(), 'ekyc-versioning-'));
  const { code } = await bundleWorkflowCode({
    workflowsPath: V2_WORKFLOWS,
    failureConverterPath: FAILURE_CONVERTER_PATH,
    logger: new DefaultLogger('WARN'),
  });
  v2Code = code;
  v2BundleFile = join(dir, 'workflow-bundle-v2.js');
  await writeFile(v2BundleFile, code);
});

afterAll(async () => {
  for (const handle of handles) await cancelAndWait(handle).catch(() => undefined);
  for (const worker of workers) await worker.stop();
  await connection?.close();
  await client?.close();
  await sim?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('shipping a workflow change that is not replay-safe', () => {
  it('pins waiting sessions to v1 while v2 takes new ones, gates v2 with ekyc replay, and rolls back', async () => {
    const activities = createActivities({ eko: ekoConfigFor(sim, { timeoutMs: 3_000 }) });
    await startVersionedWorker(v1, v1Code, activities);
    await makeCurrent(connection, inject('temporalNamespace'), v1, { onlyIfNeverRouted: true, identity: 'test' });

    // Sessions waiting for people on v1.
    const atOtp = await start();
    await waitForStage(atOtp.handle, 'AWAITING_OTP');
    const atBiometric = await start();
    await waitForStage(atBiometric.handle, 'AWAITING_OTP');
    const verified = await atBiometric.handle.executeUpdate(submitOtpUpdate, {
      args: [{ otp: sim.currentOtp(atBiometric.agent.userCode)! }],
    });
    expect(verified.stage).toBe('AWAITING_BIOMETRIC');
    // Sessions are pinned (workflows/ekyc.ts); the agent's OTP quota workflow follows the current version.
    expect(await behaviour(atOtp.handle)).toBe('VERSIONING_BEHAVIOR_PINNED');
    const quota = client.client.workflow.getHandle(`${OTP_QUOTA_WORKFLOW_ID_PREFIX}${atOtp.agent.userCode}`);
    expect(await behaviour(quota)).toBe('VERSIONING_BEHAVIOR_AUTO_UPGRADE');

    // v2 deployed beside v1: polling, not current.
    const v2Activities = {
      ...activities,
      recordVersion: async () => v2.buildId,
    } satisfies WorkerActivities & VersionProbeActivities;
    await startVersionedWorker(v2, v2Code, v2Activities);

    // The gate: v1's open sessions do not replay on v2's code, and do on the code on disk (v1's).
    const open = `TaskQueue = "${taskQueue}" AND WorkflowType = "fingpayEkyc" AND ExecutionStatus = "Running"`;
    await untilListed(open, 2);
    const onV2 = await ekycReplay(['--query', open, '--bundle', v2BundleFile]);
    expect(onV2.code).toBe(4);
    expect(onV2.json).toMatchObject({ replayed: 2, passed: 0, failed: 2, nonDeterministic: 2 });
    const failures = onV2.json.failures as { workflowId: string; runId: string; error: string }[];
    expect(failures.map((f) => f.workflowId).sort()).toEqual(
      [atOtp.handle.workflowId, atBiometric.handle.workflowId].sort(),
    );
    expect(failures.map((f) => f.error)).toEqual(['DeterminismViolationError', 'DeterminismViolationError']);
    expect(failures.every((f) => /^[0-9a-f-]{36}$/.test(f.runId))).toBe(true);
    const onV1 = await ekycReplay(['--query', open]);
    expect(onV1.json).toMatchObject({ workflowCode: 'sources', replayed: 2, passed: 2, failed: 0, failures: [] });
    expect(onV1.code).toBe(0);

    // Deployed beside v1, v2 takes no new session until it is ramped or made current.
    const beside = await start();
    await waitForStage(beside.handle, 'AWAITING_OTP');
    expect(await ranOn(beside.handle)).toEqual({ buildId: v1.buildId, v2Code: false });

    // Ramped (all the way, so that the one session of the check is sure to go): new sessions run v2.
    const ramp = await temporal([
      'worker',
      'deployment',
      'set-ramping-version',
      '--deployment-name',
      deploymentName,
      '--build-id',
      v2.buildId,
      '--percentage',
      '100',
      '--yes',
    ]);
    expect(ramp.code).toBe(0);
    expect(await describeRouting(connection, inject('temporalNamespace'), deploymentName)).toMatchObject({
      current: v1,
      ramping: v2,
      rampingPercentage: 100,
    });
    const ramped = await start();
    await waitForStage(ramped.handle, 'AWAITING_OTP');
    expect(await ranOn(ramped.handle)).toEqual({ buildId: v2.buildId, v2Code: true });

    // Make v2 current, as the runbook does.
    const setV2 = await temporal([
      'worker',
      'deployment',
      'set-current-version',
      '--deployment-name',
      deploymentName,
      '--build-id',
      v2.buildId,
      '--yes',
    ]);
    expect(setV2.stderr).toBe('');
    expect(setV2.code).toBe(0);
    expect(await describeRouting(connection, inject('temporalNamespace'), deploymentName)).toMatchObject({
      current: v2,
      ramping: null,
    });

    // New sessions run v2's code.
    const onNew = await start();
    await waitForStage(onNew.handle, 'AWAITING_OTP');
    expect(await ranOn(onNew.handle)).toEqual({ buildId: v2.buildId, v2Code: true });

    // The waiting sessions finish on v1.
    const otpDone = await atOtp.handle.executeUpdate(submitOtpUpdate, {
      args: [{ otp: sim.currentOtp(atOtp.agent.userCode)! }],
    });
    expect(otpDone.stage).toBe('AWAITING_BIOMETRIC');
    for (const { handle } of [atOtp, atBiometric]) {
      expect(await handle.executeUpdate(submitBiometricUpdate, { args: [{ pidData: pidData() }] })).toEqual({
        accepted: true,
        stage: 'COMPLETED',
      });
      await handle.result();
      expect(await ranOn(handle)).toEqual({ buildId: v1.buildId, v2Code: false });
      expect(await completingBuildIds(handle)).toEqual([v1.buildId]);
    }

    // Roll back: v1 current again. New sessions land on v1; the one begun on v2 stays there and finishes there.
    const back = await temporal([
      'worker',
      'deployment',
      'set-current-version',
      '--deployment-name',
      deploymentName,
      '--build-id',
      v1.buildId,
      '--yes',
    ]);
    expect(back.code).toBe(0);
    const afterRollback = await start();
    await waitForStage(afterRollback.handle, 'AWAITING_OTP');
    expect(await ranOn(afterRollback.handle)).toEqual({ buildId: v1.buildId, v2Code: false });

    await onNew.handle.executeUpdate(submitOtpUpdate, { args: [{ otp: sim.currentOtp(onNew.agent.userCode)! }] });
    await onNew.handle.executeUpdate(submitBiometricUpdate, { args: [{ pidData: pidData() }] });
    await onNew.handle.result();
    expect(await completingBuildIds(onNew.handle)).toEqual([v2.buildId]);

    // No non-determinism anywhere: not one workflow task failed, on either version.
    for (const { handle } of [atOtp, atBiometric, beside, ramped, onNew, afterRollback]) {
      expect({ workflowId: handle.workflowId, failed: await workflowTaskFailures(handle) }).toEqual({
        workflowId: handle.workflowId,
        failed: 0,
      });
    }
  }, 240_000);
});
