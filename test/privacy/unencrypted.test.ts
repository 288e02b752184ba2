// Fail closed: a session input or a sensitive message that reaches the worker without the payload codec (a plain
// `temporal workflow start/signal --input '{…}'`, or a codec-less SDK client) is never used. The start fails before
// any Eko call, a plain OTP or PidData signal is ignored with reason `unencrypted`, a plain update is rejected by
// its validator; the session goes on and the project's own (encrypting) clients keep working.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { WorkflowFailedError, WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure, type DataConverter, type Payload } from '@temporalio/common';
import { AesGcmPayloadCodec } from '../../codec/payload-codec.js';
import { workflowIdFor, WORKFLOW_TYPE } from '../../common/domain.js';
import { createDataConverter } from '../../codec/data-converter.js';
import { findTemporalCli } from '../../dev/temporal-server.js';
import { otpSignal, statusQuery, submitOtpUpdate, VALIDATOR_REJECTION } from '../../workflows/messages.js';
import { ekycInput, newAgent } from '../sim/eko-fixtures.js';
import { codecConfig, keyEntry, type LogCapture } from '../codec/helpers.js';
import {
  captureRuntimeLogs,
  connectClient,
  EkycClient,
  newTaskQueue,
  pidData,
  startSim,
  startWorker,
  waitForStage,
} from './support.js';

const run = promisify(execFile);
const config = codecConfig([keyEntry('key-a')]);
const dataConverter = createDataConverter(config);
// A client that sends plain payloads but can read the worker's encrypted answers (the rejection's failure).
const aes = new AesGcmPayloadCodec(config);
const plainSender: DataConverter = {
  ...dataConverter,
  payloadCodecs: [{ encode: async (p: Payload[]) => p, decode: (p: Payload[]) => aes.decode(p) }],
};

let logs: LogCapture;
let sim: Awaited<ReturnType<typeof startSim>>;
let ekyc: EkycClient;
let taskQueue: string;
const cleanup: (() => Promise<void>)[] = [];

beforeAll(async () => {
  logs = captureRuntimeLogs();
  sim = await startSim();
  cleanup.push(() => sim.stop());
  taskQueue = newTaskQueue();
  const worker = await startWorker(sim, taskQueue, dataConverter, logs);
  cleanup.push(() => worker.stop());
  const { client, close } = await connectClient(dataConverter);
  cleanup.push(close);
  ekyc = new EkycClient({ client, taskQueue, callTimeoutMs: 30_000 });
}, 120_000);
afterAll(async () => {
  for (const fn of cleanup.reverse()) await fn().catch(() => undefined);
});

/** The Temporal CLI without the codec, as the security review ran it. */
async function temporalCli(args: string[]): Promise<string> {
  const cli = findTemporalCli();
  if (!cli) throw new Error('the Temporal CLI is not on PATH (nor TEMPORAL_CLI_PATH)');
  const common = ['--namespace', inject('temporalNamespace'), '--address', inject('temporalAddress')];
  const { stdout } = await run(cli.path, [...args, ...common], { timeout: 60_000 });
  return stdout;
}

const ekoCallsOf = (userCode: string) => sim.ledger().filter((e) => e.userCode === userCode);

describe('a payload that reaches the worker unencrypted', () => {
  it('a plain start (Temporal CLI, no codec) fails with UnencryptedPayload and never calls Eko', async () => {
    const agent = newAgent(sim);
    const workflowId = workflowIdFor(agent.userCode);
    await temporalCli([
      'workflow',
      'start',
      '--type',
      WORKFLOW_TYPE,
      '--task-queue',
      taskQueue,
      '--workflow-id',
      workflowId,
      '--input',
      JSON.stringify(ekycInput(agent)),
    ]);
    const { client, close } = await connectClient(dataConverter);
    try {
      const err = await client.workflow
        .getHandle(workflowId)
        .result()
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(WorkflowFailedError);
      const cause = (err as WorkflowFailedError).cause;
      expect(cause).toBeInstanceOf(ApplicationFailure);
      expect((cause as ApplicationFailure).type).toBe(VALIDATOR_REJECTION.unencrypted);
    } finally {
      await close();
    }
    expect(ekoCallsOf(agent.userCode)).toEqual([]);
  });

  it('a plain otp signal is ignored as `unencrypted`, a plain submitOtp update is rejected; the session goes on', async () => {
    const agent = newAgent(sim);
    const { userCode } = agent;
    await ekyc.startEkyc(ekycInput(agent));
    await waitForStage(ekyc, userCode, 'AWAITING_OTP');
    const otp = sim.currentOtp(userCode)!;

    // The right OTP, sent plain: it must not be used.
    await temporalCli([
      'workflow',
      'signal',
      '--workflow-id',
      workflowIdFor(userCode),
      '--name',
      otpSignal.name,
      '--input',
      JSON.stringify({ otp }),
    ]);
    const { client: plain, close } = await connectClient(plainSender);
    try {
      const handle = plain.workflow.getHandle(workflowIdFor(userCode));
      const rejected = await handle.executeUpdate(submitOtpUpdate, { args: [{ otp }] }).catch((e: unknown) => e);
      expect(rejected).toBeInstanceOf(WorkflowUpdateFailedError);
      expect(((rejected as WorkflowUpdateFailedError).cause as ApplicationFailure).type).toBe(
        VALIDATOR_REJECTION.unencrypted,
      );
    } finally {
      await close();
    }

    const status = await ekyc.status(userCode);
    expect(status.stage).toBe('AWAITING_OTP');
    expect(status.otpAttemptsLeft).toBe(3);
    expect(status.ignoredSignals).toEqual([expect.objectContaining({ name: 'otp', reason: 'unencrypted' })]);
    // Only the Send OTP reached Eko: neither plain OTP was verified.
    expect(ekoCallsOf(userCode).map((e) => e.step)).toEqual(['sendOtp']);

    // The project's client (with the codec) still drives the session to the end.
    expect(await ekyc.submitOtp(userCode, otp)).toMatchObject({ accepted: true, stage: 'AWAITING_BIOMETRIC' });
    expect(await ekyc.submitBiometric(userCode, pidData())).toMatchObject({ accepted: true, stage: 'COMPLETED' });
  });

  it('a plain biometric signal is ignored as `unencrypted` and a plain cancel still cancels', async () => {
    const agent = newAgent(sim);
    const { userCode } = agent;
    await ekyc.startEkyc(ekycInput(agent));
    await waitForStage(ekyc, userCode, 'AWAITING_OTP');
    await ekyc.submitOtp(userCode, sim.currentOtp(userCode)!);
    const workflowId = workflowIdFor(userCode);
    const signal = (name: string, input: unknown) =>
      temporalCli([
        'workflow',
        'signal',
        '--workflow-id',
        workflowId,
        '--name',
        name,
        '--input',
        JSON.stringify(input),
      ]);

    await signal('biometric', { pidData: pidData() });
    const { client: plain, close } = await connectClient(dataConverter);
    try {
      const handle = plain.workflow.getHandle(workflowId);
      const deadline = Date.now() + 20_000;
      let status = await handle.query(statusQuery);
      while (status.ignoredSignals.length === 0 && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 100));
        status = await handle.query(statusQuery);
      }
      expect(status.stage).toBe('AWAITING_BIOMETRIC');
      expect(status.ignoredSignals).toEqual([expect.objectContaining({ name: 'biometric', reason: 'unencrypted' })]);
      expect(ekoCallsOf(userCode).map((e) => e.step)).toEqual(['sendOtp', 'verifyOtp']);

      await signal('cancel', { reason: 'from a plain client' });
      await handle.result().catch(() => undefined);
      expect((await handle.query(statusQuery)).stage).toBe('CANCELLED');
    } finally {
      await close();
    }
  });

  it('logs each refusal by message name, never the value', () => {
    const lines = logs.lines().filter((l) => String(l.msg).includes('reached the worker unencrypted'));
    const messages = lines.map((l) => l.message).sort();
    expect(messages).toEqual(expect.arrayContaining(['biometric', 'cancel', 'input', 'otp', 'submitOtp']));
    const text = JSON.stringify(lines);
    expect(text).not.toMatch(/"otp"\s*:\s*"\d{6}"|PidData|aadhaar|customerId/);
  });
});
