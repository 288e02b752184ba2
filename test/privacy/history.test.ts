// After real eKYC sessions on the real Temporal server, the history as stored holds no plaintext PII: read
// without the codec (Temporal CLI and a codec-less client) neither the JSON nor any payload's decoded bytes
// contain the Aadhaar number, the OTPs, the mobile or the PID data. With the codec, every value reads back.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApplicationFailure, defaultPayloadConverter } from '@temporalio/common';
import {
  decodeArrayFromPayloads,
  decodeFailure,
  loadDataConverter,
} from '@temporalio/common/lib/internal-non-workflow/index.js';
import { workflowIdFor, type EkycInput } from '../../common/domain.js';
import { createDataConverter } from '../../codec/data-converter.js';
import { AesGcmPayloadCodec, CodecKeyMissingError, ENCODING, METADATA_KEY_ID } from '../../codec/payload-codec.js';
import { ekycInput, newAgent } from '../sim/eko-fixtures.js';
import { captureLogs, codecConfig, createTestIssuer, keyEntry, type LogCapture } from '../codec/helpers.js';
import { createJwtVerifier } from '../../auth/jwt.js';
import { buildCodecServer } from '../../codec/server.js';
import {
  captureRuntimeLogs,
  connectClient,
  containsToken,
  EkycClient,
  encodingOf,
  historyJson,
  historyViaCli,
  historyViaPlainClient,
  leakedSecrets,
  markedPidData,
  payloadsIn,
  startSim,
  startWorker,
  waitForStage,
  newTaskQueue,
  type History,
} from './support.js';

const KEY_A = keyEntry('key-a');
const KEY_B = keyEntry('key-b');
const configA = codecConfig([KEY_A]);

let logs: LogCapture;
let sim: Awaited<ReturnType<typeof startSim>>;
const cleanup: (() => Promise<void>)[] = [];

beforeAll(async () => {
  logs = captureRuntimeLogs();
  sim = await startSim();
  cleanup.push(() => sim.stop());
});
afterAll(async () => {
  for (const fn of cleanup.reverse()) await fn().catch(() => undefined);
});

/** A stack on its own task queue with one codec configuration for worker and client. */
async function stack(codec = configA, taskQueue = newTaskQueue()) {
  const dataConverter = createDataConverter(codec);
  const worker = await startWorker(sim, taskQueue, dataConverter, logs);
  const { client, close } = await connectClient(dataConverter);
  const ekyc = new EkycClient({ client, taskQueue, callTimeoutMs: 30_000 });
  const stop = async () => {
    await worker.stop();
    await close();
  };
  cleanup.push(stop);
  return { ekyc, client, taskQueue, stop };
}

interface Session {
  input: EkycInput;
  secrets: Record<string, string>;
}

function newSession(): Session {
  const agent = newAgent(sim);
  const { pid, marker } = markedPidData();
  const input = ekycInput(agent);
  return { input, secrets: { aadhaar: agent.aadhaar, mobile: agent.customerId, pidMarker: marker, pidData: pid } };
}

describe('a completed eKYC session', () => {
  let session: Session;
  let workflowId: string;

  beforeAll(async () => {
    const { ekyc } = await stack();
    session = newSession();
    workflowId = workflowIdFor(session.input.userCode);
    await ekyc.startEkyc(session.input);
    await waitForStage(ekyc, session.input.userCode, 'AWAITING_OTP');
    const otp = sim.currentOtp(session.input.userCode)!;
    // A wrong OTP first: rejected attempts are recorded in history too.
    const wrongOtp = String((Number(otp) + 1) % 1_000_000).padStart(6, '0');
    expect((await ekyc.submitOtp(session.input.userCode, wrongOtp)).accepted).toBe(false);
    expect((await ekyc.submitOtp(session.input.userCode, otp)).accepted).toBe(true);
    const done = await ekyc.submitBiometric(session.input.userCode, session.secrets.pidData);
    expect(done).toMatchObject({ accepted: true, stage: 'COMPLETED' });
    Object.assign(session.secrets, { otp, wrongOtp });
  }, 120_000);

  it('shows no Aadhaar, OTP, mobile or PID data in `temporal workflow show --output json`, raw or base64-decoded', async () => {
    const text = await historyViaCli(workflowId);
    const events = JSON.parse(text);
    const payloads = payloadsIn(events).map((p) => p.payload);
    expect(payloads.length).toBeGreaterThan(10);
    expect(leakedSecrets(text, payloads, session.secrets)).toEqual([]);
  });

  it('shows none of them to a client without the codec, in the history JSON or in any payload bytes', async () => {
    const history = await historyViaPlainClient(workflowId);
    const found = payloadsIn(history);
    expect(
      leakedSecrets(
        historyJson(history),
        found.map((f) => f.payload),
        session.secrets,
      ),
    ).toEqual([]);
  });

  it('encrypts every payload outside the search attributes and the patch markers', async () => {
    const found = payloadsIn(await historyViaPlainClient(workflowId));
    // patched() markers are written by the SDK without the codec: they must hold a patch id and nothing else.
    const isPatch = (f: (typeof found)[number]) => f.path.includes('markerRecordedEventAttributes.details.patch-data');
    for (const f of found.filter(isPatch)) {
      expect(Object.keys(defaultPayloadConverter.fromPayload(f.payload) as object).sort()).toEqual([
        'deprecated',
        'id',
      ]);
    }
    const plain = found.filter(
      (f) => !f.path.includes('searchAttributes') && !isPatch(f) && encodingOf(f.payload) !== ENCODING,
    );
    expect(plain.map((f) => f.path)).toEqual([]);
    expect(found.filter(isPatch).length).toBeGreaterThan(0);
    const searchAttributes = found.filter((f) => f.path.includes('searchAttributes'));
    expect(searchAttributes.length).toBeGreaterThan(0);
    expect(
      leakedSecrets(
        '',
        searchAttributes.map((f) => f.payload),
        session.secrets,
      ),
    ).toEqual([]);
  });

  it('reads every value back with the codec: the workflow input decodes to the original', async () => {
    const history = await historyViaPlainClient(workflowId);
    const converter = loadDataConverter(createDataConverter(configA));
    const started = history.events!.find((e) => e.workflowExecutionStartedEventAttributes)!;
    const [input] = await decodeArrayFromPayloads(
      converter,
      started.workflowExecutionStartedEventAttributes!.input!.payloads,
    );
    expect(input).toEqual(session.input);

    const codec = new AesGcmPayloadCodec(configA);
    const encrypted = payloadsIn(history).filter((f) => encodingOf(f.payload) === ENCODING);
    const decoded = await codec.decode(encrypted.map((f) => f.payload));
    const text = decoded.map((p) => JSON.stringify(defaultPayloadConverter.fromPayload(p))).join('\n');
    // The OTPs and PID data were only ever in update arguments: they too are in history, readable with the key.
    for (const name of ['otp', 'wrongOtp', 'pidMarker', 'aadhaar', 'mobile']) {
      expect({ name, found: containsToken(text, session.secrets[name]) }).toEqual({ name, found: true });
    }
  });

  it('decodes for the Temporal CLI through the codec server with an ekyc:ops token, and not without one', async () => {
    const issuer = await createTestIssuer();
    const cliCodecLogs = captureLogs('codec-server');
    const app = await buildCodecServer({
      codec: new AesGcmPayloadCodec(configA),
      auth: createJwtVerifier(issuer.jwt),
      corsOrigins: [],
      logger: cliCodecLogs.logger,
    });
    const endpoint = `${await app.listen({ host: '127.0.0.1', port: 0 })}/{namespace}`;
    try {
      const token = await issuer.token({ scope: 'ekyc:ops' });
      const decoded = await historyViaCli(workflowId, [
        '--codec-endpoint',
        endpoint,
        '--codec-auth',
        `Bearer ${token}`,
      ]);
      // The CLI prints decoded payloads still base64-encoded: the values show once that is undone.
      const decodedPayloads = payloadsIn(JSON.parse(decoded)).map((p) => p.payload);
      expect(decodedPayloads.every((p) => encodingOf(p) !== ENCODING)).toBe(true);
      const { aadhaar, otp, pidMarker } = session.secrets;
      expect(leakedSecrets(decoded, decodedPayloads, { aadhaar, otp, pidMarker })).toEqual([
        'aadhaar',
        'otp',
        'pidMarker',
      ]);
      expect(cliCodecLogs.lines().some((l) => l.route === '/:namespace/decode' && l.namespace === 'default')).toBe(
        true,
      );
      const refused = await historyViaCli(workflowId, ['--codec-endpoint', endpoint]).then(
        (text) => text,
        (err: Error) => err.message,
      );
      const refusedPayloads = refused.startsWith('{') ? payloadsIn(JSON.parse(refused)).map((p) => p.payload) : [];
      expect(leakedSecrets(refused, refusedPayloads, session.secrets)).toEqual([]);
      expect(cliCodecLogs.lines().some((l) => l.status === 401)).toBe(true);
    } finally {
      await app.close();
    }
  });

  it('keeps the worker and activity logs of the session free of those values', () => {
    const text = logs.text();
    expect(text.length).toBeGreaterThan(0);
    expect(logs.lines().some((l) => l.msg === 'eko call succeeded')).toBe(true);
    expect(leakedSecrets(text, [], session.secrets)).toEqual([]);
    // The worker logs its options, data converter included: the keys show as empty objects, never as key material.
    expect(text.includes(KEY_A.slice(KEY_A.indexOf(':') + 1))).toBe(false);
  });
});

describe('a session ended by a permanent Eko error', () => {
  it('stores the failure message encrypted: it reads back with the codec and is absent from the raw history', async () => {
    const { ekyc } = await stack();
    const session = newSession();
    sim.updateAgent(session.input.userCode, { activated: false });
    await ekyc.startEkyc(session.input);
    await waitForStage(ekyc, session.input.userCode, 'FAILED');

    const workflowId = workflowIdFor(session.input.userCode);
    const history = await historyViaPlainClient(workflowId);
    const failures = collectFailures(history);
    expect(failures.length).toBeGreaterThan(0);
    for (const f of failures) {
      expect(f.message).toBe('Encoded failure');
      expect(f.stackTrace ?? '').toBe('');
      expect(encodingOf(f.encodedAttributes as never)).toBe(ENCODING);
    }
    const codec = new AesGcmPayloadCodec(configA);
    const messages: string[] = [];
    for (const f of failures) {
      const decoded = await decodeFailure([codec], structuredClone(f) as never);
      messages.push(...failureMessages(decoded));
    }
    const meaningful = messages.filter((m) => m && m !== 'Encoded failure');
    expect(meaningful.length).toBeGreaterThan(0);
    const raw = historyJson(history) + (await historyViaCli(workflowId));
    for (const message of meaningful) expect(raw.includes(message)).toBe(false);
    expect(
      leakedSecrets(
        raw,
        payloadsIn(history).map((p) => p.payload),
        session.secrets,
      ),
    ).toEqual([]);
    const ended = await ekyc.client.workflow
      .getHandle(workflowId)
      .result()
      .catch((e: unknown) => e);
    expect(ended).toBeInstanceOf(Error);
    expect(((ended as Error).cause as ApplicationFailure | undefined)?.message).not.toBe('Encoded failure');
  }, 120_000);
});

describe('key rotation on a real history', () => {
  it('finishes and reads back a session begun under key A after rotating to key B with A still listed', async () => {
    const before = await stack(configA);
    const session = newSession();
    await before.ekyc.startEkyc(session.input);
    await waitForStage(before.ekyc, session.input.userCode, 'AWAITING_OTP');
    await before.stop();

    // Rotation: B is now the key for new payloads; A stays listed so that the history written so far decodes.
    const rotated = codecConfig([KEY_B, KEY_A], 'key-b');
    const after = await stack(rotated, before.taskQueue);
    const otp = sim.currentOtp(session.input.userCode)!;
    expect((await after.ekyc.submitOtp(session.input.userCode, otp)).accepted).toBe(true);
    expect((await after.ekyc.submitBiometric(session.input.userCode, session.secrets.pidData)).stage).toBe('COMPLETED');

    const history = await historyViaPlainClient(workflowIdFor(session.input.userCode));
    const encrypted = payloadsIn(history)
      .map((f) => f.payload)
      .filter((p) => encodingOf(p) === ENCODING);
    const keyIds = new Set(encrypted.map((p) => Buffer.from(p.metadata![METADATA_KEY_ID]).toString()));
    expect([...keyIds].sort()).toEqual(['key-a', 'key-b']);

    const converter = loadDataConverter(createDataConverter(rotated));
    const started = history.events!.find((e) => e.workflowExecutionStartedEventAttributes)!;
    const [input] = await decodeArrayFromPayloads(
      converter,
      started.workflowExecutionStartedEventAttributes!.input!.payloads,
    );
    expect(input).toEqual(session.input);
    expect((await new AesGcmPayloadCodec(rotated).decode(encrypted)).length).toBe(encrypted.length);

    // Once A is dropped from the list, its payloads no longer decode: the listing is what keeps them readable.
    await expect(new AesGcmPayloadCodec(codecConfig([KEY_B])).decode(encrypted)).rejects.toThrow(CodecKeyMissingError);
  }, 180_000);
});

type ProtoFailure = NonNullable<
  NonNullable<NonNullable<History['events']>[number]['activityTaskFailedEventAttributes']>['failure']
>;

function collectFailures(history: History): ProtoFailure[] {
  const out: ProtoFailure[] = [];
  const walk = (v: unknown) => {
    if (!v || typeof v !== 'object' || ArrayBuffer.isView(v)) return;
    for (const [k, child] of Object.entries(v)) {
      if (k === 'failure' && child && typeof child === 'object') out.push(child as ProtoFailure);
      else walk(child);
    }
  };
  walk(history);
  return out;
}

/** The real messages of a decoded failure chain: encodeCommonAttributes keeps them in `encodedAttributes`. */
function failureMessages(f: ProtoFailure | null | undefined): string[] {
  if (!f) return [];
  const attrs = f.encodedAttributes
    ? (defaultPayloadConverter.fromPayload(f.encodedAttributes as never) as { message?: string })
    : undefined;
  return [attrs?.message ?? f.message ?? '', ...failureMessages(f.cause)];
}
