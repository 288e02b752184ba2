// Crypto-shredding, end to end (issue 17): after a completed, a rejected, a cancelled and an expired session, and
// after worker crashes mid-call, the full raw history (`temporal workflow show --output json`) decoded with every
// codec key holds neither the Aadhaar number nor any PidData, every sealed value in it fails to open, and the key
// store holds nothing for the session. An unused PID is purged by the worker's sweeper; logs and the worker's
// Prometheus metrics count what was destroyed and why. Real Temporal server, real simulator, real activities.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Runtime } from '@temporalio/worker';
import { workflowIdFor, type EkycPolicy } from '../../common/domain.js';
import { agentWorkflowIdFor } from '../../common/agent.js';
import { loadCodecConfig } from '../../config/index.js';
import { createDataConverter } from '../../codec/data-converter.js';
import { AesGcmPayloadCodec } from '../../codec/payload-codec.js';
import { KeyDestroyedError } from '../../keystore/sealer.js';
import { openKeyStore, Sealer, type KeyStore } from '../../keystore/index.js';
import { SEALED_PREFIX, type SealedKind } from '../../common/sealed.js';
import { biometricSignal } from '../../workflows/messages.js';
import { openWorkerKeys, type WorkerKeys } from '../../worker/seal-keys.js';
import { PinoTemporalLogger } from '../../worker/temporal-logger.js';
import { captureLogs, keyEntry, type LogCapture } from '../codec/helpers.js';
import { ekycInput, newAgent, pidData } from '../sim/eko-fixtures.js';
import { TEST_CODEC_KEYS, recordHistory } from '../workflows/harness.js';
import { crash, spawnWorker, workerEnv, type ChildWorker } from '../worker/child-worker.js';
import {
  connectClient,
  EkycClient,
  historyViaCli,
  payloadsIn,
  startSim,
  startWorker,
  waitForStage,
  newTaskQueue,
} from './support.js';
import { freePort } from '../../dev/ports.js';

// Every key the payloads may be encrypted with: the current one (the fixtures' test key) and another.
const codec = loadCodecConfig({ EKYC_CODEC_KEYS: `${TEST_CODEC_KEYS},${keyEntry('key-b')}` });
const dataDir = mkdtempSync(join(tmpdir(), 'ekyc-shred-'));

let logs: LogCapture;
let metricsPort: number;
let sim: Awaited<ReturnType<typeof startSim>>;
let store: KeyStore;
let sealer: Sealer;
let keys: WorkerKeys;
let ekyc: EkycClient;
const cleanup: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  logs = captureLogs('ekyc-worker', 'info');
  metricsPort = await freePort();
  Runtime.install({
    logger: new PinoTemporalLogger(logs.logger),
    telemetryOptions: { metrics: { prometheus: { bindAddress: `127.0.0.1:${metricsPort}` } } },
  });
  sim = await startSim();
  cleanup.push(() => sim.stop());
  // The worker's key store and sweeper (quick, so the test need not wait 30s), and the client's handle on the same
  // embedded store: two handles on one folder, as the worker and the API processes of one machine have.
  keys = await openWorkerKeys({ url: null, dataDir }, logs.logger, 300);
  cleanup.push(() => keys.close());
  store = await openKeyStore({ url: null, dataDir });
  cleanup.push(() => store.close());
  sealer = new Sealer(store);
  const dataConverter = createDataConverter(codec);
  const taskQueue = newTaskQueue();
  const worker = await startWorker(sim, taskQueue, dataConverter, logs, undefined, {
    sealer: keys.sealer,
    // Daily KYC at once after the eKYC, so the lifecycle's path can be shown here too.
    agentPolicy: { eligibleAfter: '0s', maxAttempts: 3 },
  });
  cleanup.push(() => worker.stop());
  const { client, close } = await connectClient(dataConverter);
  cleanup.push(close);
  ekyc = new EkycClient({ client, taskQueue, callTimeoutMs: 120_000, sealer, pidTtlMs: 600_000 });
}, 120_000);

afterAll(async () => {
  for (const fn of cleanup.reverse()) await fn().catch(() => undefined);
  rmSync(dataDir, { recursive: true, force: true });
});

const SEALED_TOKEN = new RegExp(`${SEALED_PREFIX}(aadhaar|pid):[A-Za-z0-9_-]{22}:[A-Za-z0-9_-]+`, 'g');

/**
 * The history as `temporal workflow show --output json` prints it, every payload decoded with the codec keys: what
 * anyone holding them could read. Returns the decoded text of every payload, joined.
 */
async function decodedHistory(workflowId: string): Promise<string> {
  const events = JSON.parse(await historyViaCli(workflowId));
  const payloads = payloadsIn(events).map((p) => p.payload);
  expect(payloads.length).toBeGreaterThan(5);
  const decoded = await new AesGcmPayloadCodec(codec).decode(payloads);
  return decoded.map((p) => Buffer.from(p.data ?? []).toString('utf8')).join('\n');
}

/** What issue 17 asks: nothing in history opens, nothing in the store remains. */
async function expectNothingRecoverable(workflowId: string, secrets: Record<string, string>): Promise<void> {
  const text = await decodedHistory(workflowId);
  for (const [name, secret] of Object.entries(secrets)) expect(text.includes(secret), name).toBe(false);
  expect(text).not.toContain('<PidData');
  const tokens = [...text.matchAll(SEALED_TOKEN)];
  // The input's Aadhaar is there, sealed: the one place it ever was.
  expect(tokens.some((t) => t[1] === 'aadhaar')).toBe(true);
  for (const [token, kind] of tokens) {
    await expect(sealer.open(kind as SealedKind, token)).rejects.toBeInstanceOf(KeyDestroyedError);
  }
  expect(await store.countOwnedBy(workflowId)).toBe(0);
}

async function startSession(policy?: Partial<EkycPolicy>) {
  const agent = newAgent(sim);
  const input = ekycInput(agent, policy);
  await ekyc.startEkyc(input);
  await waitForStage(ekyc, agent.userCode, 'AWAITING_OTP');
  return { agent, input, workflowId: workflowIdFor(agent.userCode) };
}

async function verifyOtp(userCode: string) {
  expect(await ekyc.submitOtp(userCode, sim.currentOtp(userCode)!)).toMatchObject({ accepted: true });
}

const marked = (qScore?: number) => {
  const marker = randomUUID();
  return { pid: pidData({ mc: marker, ...(qScore ? { qScore } : {}) }), marker };
};

const closed = (workflowId: string) =>
  ekyc.client.workflow
    .getHandle(workflowId)
    .result()
    .catch(() => undefined);

const destroyedLines = (reason: string) =>
  logs.lines().filter((l) => l.msg === 'seal keys destroyed' && l.reason === reason);

describe('a session whose Aadhaar and PidData were sealed', () => {
  it('completed after a rejected capture: no Aadhaar or PidData can be recovered, the store holds nothing', async () => {
    const { agent, workflowId } = await startSession();
    // While the session runs, its Aadhaar key is in the store (that is what makes the sealed input usable).
    expect(await store.countOwnedBy(workflowId)).toBe(1);
    await verifyOtp(agent.userCode);
    const rejected = marked(10);
    const accepted = marked();
    expect(await ekyc.submitBiometric(agent.userCode, rejected.pid)).toMatchObject({
      accepted: false,
      stage: 'AWAITING_BIOMETRIC',
    });
    // The rejected capture is gone before the agent tries again.
    expect(await store.countOwnedBy(workflowId)).toBe(1);
    expect(await ekyc.submitBiometric(agent.userCode, accepted.pid)).toMatchObject({ accepted: true });
    await closed(workflowId);
    await expectNothingRecoverable(workflowId, {
      aadhaar: agent.aadhaar,
      rejectedPid: rejected.marker,
      acceptedPid: accepted.marker,
    });
    // Ops still see every step, outcome and reference: in the status and in the history's Eko references.
    const status = await ekyc.status(agent.userCode);
    expect(status).toMatchObject({ stage: 'COMPLETED', biometricAttemptsLeft: 2 });
    expect(status.referenceTid ?? status.otpRefId).toBeTruthy();
    await recordHistory(ekyc.client.workflow.getHandle(workflowId), 'sealed-completed-after-rejection');
  }, 120_000);

  it('rejected (its only attempt refused): nothing can be recovered', async () => {
    const { agent, workflowId } = await startSession({ maxBiometricAttempts: 1 });
    await verifyOtp(agent.userCode);
    const rejected = marked(10);
    expect(await ekyc.submitBiometric(agent.userCode, rejected.pid)).toMatchObject({
      accepted: false,
      stage: 'FAILED',
    });
    await closed(workflowId);
    await expectNothingRecoverable(workflowId, { aadhaar: agent.aadhaar, pid: rejected.marker });
  }, 120_000);

  it('cancelled with an ignored sealed PidData in its history: nothing can be recovered', async () => {
    const { agent, workflowId } = await startSession();
    // A capture sent too early (as a signal, so it is in history though the session ignores it).
    const early = marked();
    const token = await sealer.seal('pid', workflowId, early.pid, 600_000);
    await ekyc.client.workflow.getHandle(workflowId).signal(biometricSignal, { pidData: token });
    await ekyc.cancel(agent.userCode, 'agent left');
    await closed(workflowId);
    await expectNothingRecoverable(workflowId, { aadhaar: agent.aadhaar, pid: early.marker });
    await recordHistory(ekyc.client.workflow.getHandle(workflowId), 'sealed-cancelled-ignored-pid');
  }, 120_000);

  it('expired waiting for the fingerprint: nothing can be recovered', async () => {
    const { agent, workflowId } = await startSession({ biometricTimeout: '2s' });
    await verifyOtp(agent.userCode);
    await closed(workflowId);
    expect((await ekyc.status(agent.userCode)).stage).toBe('EXPIRED');
    await expectNothingRecoverable(workflowId, { aadhaar: agent.aadhaar });
  }, 120_000);

  it('given up (Eko unavailable for the whole step): the PidData is destroyed while the session waits on', async () => {
    const { agent, workflowId } = await startSession({ ekoStepTimeout: '5s' });
    await verifyOtp(agent.userCode);
    sim.injectFault(agent.userCode, 'biometric', { kind: 'http503', times: 1000 });
    const capture = marked();
    expect(await ekyc.submitBiometric(agent.userCode, capture.pid)).toMatchObject({
      accepted: false,
      stage: 'AWAITING_BIOMETRIC',
      code: 'EKO_UNAVAILABLE',
    });
    expect(await store.countOwnedBy(workflowId)).toBe(1); // the session's Aadhaar only
    for (const [token, kind] of [...(await decodedHistory(workflowId)).matchAll(SEALED_TOKEN)]) {
      if (kind === 'pid') await expect(sealer.open('pid', token)).rejects.toBeInstanceOf(KeyDestroyedError);
    }
    await ekyc.cancel(agent.userCode);
    await closed(workflowId);
    await expectNothingRecoverable(workflowId, { aadhaar: agent.aadhaar, pid: capture.marker });
  }, 120_000);

  it('purges a PidData nobody used by itself after its time, while the session still runs', async () => {
    const { agent, workflowId } = await startSession();
    const unused = marked();
    const token = await sealer.seal('pid', workflowId, unused.pid, 1_000);
    await ekyc.client.workflow.getHandle(workflowId).signal(biometricSignal, { pidData: token });
    for (let i = 0; i < 100 && (await store.countOwnedBy(workflowId)) > 1; i++)
      await new Promise((r) => setTimeout(r, 200));
    expect(await store.countOwnedBy(workflowId)).toBe(1); // the session's Aadhaar only
    await expect(sealer.open('pid', token)).rejects.toBeInstanceOf(KeyDestroyedError);
    expect(destroyedLines('expired').length).toBeGreaterThan(0);
    await ekyc.cancel(agent.userCode);
    await closed(workflowId);
  }, 120_000);

  it("Daily KYC (a refused capture, then the day's success): the lifecycle's history holds nothing recoverable", async () => {
    const { agent, workflowId } = await startSession();
    await verifyOtp(agent.userCode);
    expect(await ekyc.submitBiometric(agent.userCode, marked().pid)).toMatchObject({ accepted: true });
    await closed(workflowId);
    // Eko opens Daily KYC some days after the eKYC: the simulator is told the eKYC was four days ago.
    sim.updateAgent(agent.userCode, { ekycCompletedAt: new Date(Date.now() - 4 * 86_400_000).toISOString() });
    const agentId = agentWorkflowIdFor(agent.userCode);
    for (let i = 0; i < 300; i++) {
      const state = await ekyc.agentStatus(agent.userCode).then(
        (s) => s.state,
        () => 'EKYC_PENDING',
      );
      if (state === 'AUTH_REQUIRED') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const refused = marked(10);
    const good = marked();
    const first = await ekyc.submitDailyAuth(agent.userCode, { aadhaar: agent.aadhaar, pidData: refused.pid });
    expect(first.accepted).toBe(false);
    expect(await ekyc.submitDailyAuth(agent.userCode, { aadhaar: agent.aadhaar, pidData: good.pid })).toMatchObject({
      accepted: true,
      state: 'AUTHENTICATED',
    });
    await expectNothingRecoverable(agentId, { aadhaar: agent.aadhaar, refused: refused.marker, good: good.marker });
  }, 120_000);

  it('logs and counts every key destroyed, by reason, never with a user code or a key', async () => {
    const reasons = ['used', 'step_ended', 'session_ended', 'expired'];
    for (const reason of reasons) {
      const lines = destroyedLines(reason);
      expect(lines.length, reason).toBeGreaterThan(0);
      for (const line of lines) expect(line.keysDestroyed, reason).toBeGreaterThan(0);
    }
    const metrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    for (const reason of reasons) {
      const line = new RegExp(`^ekyc_seal_keys_destroyed\\S*\\{[^}]*reason="${reason}"[^}]*\\} (\\d+)$`, 'm').exec(
        metrics,
      );
      expect(Number(line?.[1] ?? 0), reason).toBeGreaterThan(0);
    }
    expect(logs.text()).not.toMatch(/ekyc-sealed:v1:/);
  });
});

describe('a worker killed in the middle of the biometric call (its own process, sharing the embedded store)', () => {
  const workers: ChildWorker[] = [];
  afterAll(async () => {
    for (const w of workers) if (w.child.exitCode === null) await crash(w);
  });
  const startWorkerProcess = (taskQueue: string) => {
    const worker = spawnWorker(workerEnv(sim, taskQueue, { EKYC_DATA_DIR: dataDir, EKYC_LOG_LEVEL: 'warn' }));
    workers.push(worker);
    return worker;
  };
  const biometricCalls = (userCode: string) =>
    sim.ledger().filter((e) => e.userCode === userCode && e.step === 'biometric');

  async function crashMidBiometric(beforeKill: (workflowId: string) => Promise<void>) {
    const taskQueue = `ekyc-shred-crash-${randomUUID()}`;
    const first = startWorkerProcess(taskQueue);
    await first.ready;
    const client = new EkycClient({ client: ekyc.client, taskQueue, callTimeoutMs: 150_000, sealer });
    const agent = newAgent(sim);
    const workflowId = workflowIdFor(agent.userCode);
    await client.startEkyc(ekycInput(agent));
    await waitForStage(client, agent.userCode, 'AWAITING_OTP');
    expect(await client.submitOtp(agent.userCode, sim.currentOtp(agent.userCode)!)).toMatchObject({ accepted: true });
    // The simulator holds the first biometric call open, so the kill lands mid-call.
    sim.injectFault(agent.userCode, 'biometric', { kind: 'hang' });
    const { pid, marker } = marked();
    const outcome = client.submitBiometric(agent.userCode, pid);
    for (let i = 0; i < 300 && biometricCalls(agent.userCode).length === 0; i++)
      await new Promise((r) => setTimeout(r, 100));
    expect(biometricCalls(agent.userCode)).toHaveLength(1);
    await beforeKill(workflowId);
    await crash(first);
    const second = startWorkerProcess(taskQueue);
    await second.ready;
    return { agent, workflowId, outcome: await outcome, marker };
  }

  it('with the PidData not yet destroyed: the retry behaves as before, and then nothing can be recovered', async () => {
    const { agent, workflowId, outcome, marker } = await crashMidBiometric(async () => undefined);
    expect(outcome).toMatchObject({ accepted: true, stage: 'COMPLETED' });
    expect(biometricCalls(agent.userCode).map((e) => e.code)).toEqual(['hang', '0']);
    await closed(workflowId);
    await expectNothingRecoverable(workflowId, { aadhaar: agent.aadhaar, pid: marker });
  }, 240_000);

  it('with the PidData already destroyed (Eko had answered): the retry never resends it, the outcome is uncertain', async () => {
    const { agent, workflowId, outcome, marker } = await crashMidBiometric(async (id) => {
      // What the attempt does once Eko has answered: destroy the PidData's key (the Aadhaar's stays with the session).
      const before = await store.countOwnedBy(id);
      expect(before).toBe(2);
      const tokenKeys = await keysOf(id, 'pid');
      expect(await store.destroy(tokenKeys)).toBe(1);
    });
    expect(outcome).toMatchObject({ accepted: false, stage: 'FAILED', code: 'EkoOutcomeUncertain' });
    expect(biometricCalls(agent.userCode)).toHaveLength(1);
    await closed(workflowId);
    await expectNothingRecoverable(workflowId, { aadhaar: agent.aadhaar, pid: marker });
  }, 240_000);
});

/** The key ids of the sealed values of one kind that a running session's history holds so far. */
async function keysOf(workflowId: string, kind: SealedKind): Promise<string[]> {
  const text = await decodedHistory(workflowId);
  return [...text.matchAll(SEALED_TOKEN)].filter((t) => t[1] === kind).map((t) => t[0].split(':')[3]);
}
