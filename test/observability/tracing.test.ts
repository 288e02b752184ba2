// OpenTelemetry tracing on the real stack: the Temporal dev server (globalSetup), an in-process worker built by
// createEkycWorker with the real activities, the Eko simulator, the HTTP API and a stand-in OTLP collector on
// loopback. Tracing is switched by the environment as the processes read it (loadTracingConfig + startTracing).
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Resource } from '@opentelemetry/resources';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils.js';
import { makeWorkflowExporter } from '@temporalio/interceptors-opentelemetry/lib/worker/index.js';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import type { Client } from '@temporalio/client';
import { workflowIdFor } from '../../common/domain.js';
import { loadTracingConfig } from '../../config/index.js';
import { startTracing, type Tracing } from '../../observability/tracing.js';
import type { EkoSimulator } from '../../sim/eko-sim.js';
import { bundleWorkflows } from '../../worker/bundle.js';
import { createEkycWorker } from '../../worker/worker.js';
import { ekycInput, newAgent, pidData, startSim, type Agent } from '../sim/eko-fixtures.js';
import { createTestIssuer, type TestIssuer } from '../support/jwt.js';
import { historyViaCli, leakedSecrets, payloadsIn } from '../privacy/support.js';
import { connectClient, HISTORIES_DIR, testDataConverter } from '../workflows/harness.js';
import {
  OtlpReceiver,
  spanNamed,
  spanTexts,
  startStack,
  waitForSpans,
  type ReceivedSpan,
  type Stack,
} from './support.js';

let sim: EkoSimulator;
let issuer: TestIssuer;
let plainCode: string;
let tracedCode: string;

beforeAll(async () => {
  try {
    Runtime.install({ logger: new DefaultLogger('ERROR') });
  } catch {
    // already installed in this process
  }
  const quiet = new DefaultLogger('WARN');
  [sim, issuer, plainCode, tracedCode] = await Promise.all([
    startSim(),
    createTestIssuer(),
    bundleWorkflows(quiet),
    bundleWorkflows(quiet, { tracing: true }),
  ]);
});
afterAll(async () => {
  await sim?.stop();
});

interface Session {
  agent: Agent;
  otp: string;
  pid: string;
}

/** A whole session through the API: start, OTP, fingerprint, each request with `headers` added. */
async function completeSession(stack: Stack, headers: (step: string) => Record<string, string> = () => ({})) {
  const agent = newAgent(sim);
  const auth = { authorization: `Bearer ${await issuer.agentToken(agent.userCode)}` };
  const start = await stack.api.inject({
    method: 'POST',
    url: '/v1/ekyc',
    headers: { ...auth, ...headers('start') },
    payload: ekycInput(agent),
  });
  expect(start.statusCode).toBe(201);
  await stack.waitForStage(agent.userCode, 'AWAITING_OTP');
  const otp = sim.currentOtp(agent.userCode)!;
  const otpAnswer = await stack.api.inject({
    method: 'POST',
    url: `/v1/ekyc/${agent.userCode}/otp`,
    headers: { ...auth, ...headers('otp') },
    payload: { otp },
  });
  expect(otpAnswer.statusCode).toBe(200);
  const pid = pidData();
  const biometric = await stack.api.inject({
    method: 'POST',
    url: `/v1/ekyc/${agent.userCode}/biometric`,
    headers: { ...auth, ...headers('biometric') },
    payload: { pidData: pid },
  });
  expect(biometric.statusCode).toBe(200);
  expect(biometric.json()).toMatchObject({ accepted: true, stage: 'COMPLETED' });
  return { agent, otp, pid } satisfies Session;
}

const hex = (bytes: number) => randomBytes(bytes).toString('hex');

describe('tracing off', () => {
  let receiver: OtlpReceiver;
  let stack: Stack;

  beforeAll(async () => {
    receiver = await OtlpReceiver.start();
    // An endpoint is set, but EKYC_TRACING=off wins: no SDK, no interceptors.
    const tracing = await startTracing(
      loadTracingConfig({ EKYC_TRACING: 'off', OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url }, 'ekyc-test'),
    );
    expect(tracing).toBeNull();
    stack = await startStack({ sim, issuer, workflowCode: plainCode, tracing });
  });
  afterAll(async () => {
    await stack?.close();
    await receiver?.close();
  });

  it('exports nothing for a whole session, even with an OTLP endpoint set', async () => {
    await completeSession(stack);
    // Longer than the batch processor's 5s export delay, had anything been started.
    await new Promise((r) => setTimeout(r, 6_000));
    expect(receiver.requests).toBe(0);
  });
});

describe('tracing on (OTLP/HTTP)', () => {
  let receiver: OtlpReceiver;
  let tracing: Tracing;
  let stack: Stack;
  let client: Client;
  let closeClient: () => Promise<void>;

  beforeAll(async () => {
    receiver = await OtlpReceiver.start();
    tracing = (await startTracing(
      loadTracingConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_SERVICE_NAME: 'ekyc-trace-test' }, 'x'),
    ))!;
    expect(tracing).not.toBeNull();
    stack = await startStack({ sim, issuer, workflowCode: tracedCode, tracing });
    ({ client, close: closeClient } = await connectClient());
  });
  afterAll(async () => {
    await stack?.close();
    await tracing?.shutdown();
    await closeClient?.();
    await receiver?.close();
  });

  /** The spans of one session that a caller traced with one traceparent on every request. */
  async function tracedSession(): Promise<{ session: Session; spans: ReceivedSpan[]; traceId: string }> {
    const traceId = hex(16);
    const session = await completeSession(stack, () => ({ traceparent: `00-${traceId}-${hex(8)}-01` }));
    // The workflow's own span ends with the run; the Eko call of the last step ends before it.
    await waitForSpans(
      tracing,
      receiver,
      () =>
        ['RunWorkflow:fingpayEkyc', 'eko.biometric'].every((n) => receiver.trace(traceId).some((s) => s.name === n)),
      'the workflow run and the last Eko call in the trace',
    );
    return { session, spans: receiver.trace(traceId), traceId };
  }

  it('follows a session in one trace, from the API requests through the Temporal client and workflow to the Eko calls', async () => {
    const { spans } = await tracedSession();
    const parentOf = (span: ReceivedSpan) => spans.find((s) => s.spanId === span.parentSpanId)?.name;

    // The start: API request → StartWorkflow → RunWorkflow → StartActivity → RunActivity → Eko call.
    expect(parentOf(spanNamed(spans, 'StartWorkflow:fingpayEkyc'))).toBe('POST /v1/ekyc');
    const run = spanNamed(spans, 'RunWorkflow:fingpayEkyc');
    expect(parentOf(run)).toBe('StartWorkflow:fingpayEkyc');
    for (const [activity, eko] of [
      ['sendOtp', 'eko.sendOtp'],
      ['verifyOtp', 'eko.verifyOtp'],
      ['submitBiometric', 'eko.biometric'],
    ]) {
      expect(spanNamed(spans, `StartActivity:${activity}`).parentSpanId).toBe(run.spanId);
      expect(parentOf(spanNamed(spans, `RunActivity:${activity}`))).toBe(`StartActivity:${activity}`);
      expect(parentOf(spanNamed(spans, eko))).toBe(`RunActivity:${activity}`);
    }
    // The steps: API request → StartWorkflowUpdate → the workflow's handler of the update.
    for (const [route, update] of [
      ['POST /v1/ekyc/:userCode/otp', 'submitOtp'],
      ['POST /v1/ekyc/:userCode/biometric', 'submitBiometric'],
    ]) {
      expect(parentOf(spanNamed(spans, `StartWorkflowUpdate:${update}`))).toBe(route);
      expect(parentOf(spanNamed(spans, `HandleUpdate:${update}`))).toBe(`StartWorkflowUpdate:${update}`);
    }
    expect(new Set(spans.map((s) => s.resource['service.name']))).toEqual(new Set(['ekyc-trace-test']));
  });

  it('roots each API request in a trace of its own when the caller sends no trace context', async () => {
    const { agent } = await completeSession(stack);
    const workflowId = workflowIdFor(agent.userCode);
    const byWorkflow = (name: string) => () =>
      receiver.spans.find((s) => s.name === name && s.attributes.temporalWorkflowId === workflowId);
    await waitForSpans(
      tracing,
      receiver,
      () => !!byWorkflow('StartWorkflow:fingpayEkyc')() && !!byWorkflow('StartWorkflowUpdate:submitOtp')(),
      'the client spans of the session',
    );
    const startTrace = receiver.trace(byWorkflow('StartWorkflow:fingpayEkyc')()!.traceId);
    const otpTrace = receiver.trace(byWorkflow('StartWorkflowUpdate:submitOtp')()!.traceId);
    expect(startTrace[0].traceId).not.toBe(otpTrace[0].traceId);
    // The start request is the root of the run (and of the Eko calls the run makes).
    await waitForSpans(
      tracing,
      receiver,
      () => receiver.trace(startTrace[0].traceId).some((s) => s.name === 'RunWorkflow:fingpayEkyc'),
      'the workflow run in the start request trace',
    );
    const run = receiver.trace(startTrace[0].traceId);
    expect(spanNamed(run, 'POST /v1/ekyc').parentSpanId).toBe('');
    expect(run.map((s) => s.name)).toEqual(expect.arrayContaining(['eko.sendOtp', 'eko.verifyOtp', 'eko.biometric']));
    expect(spanNamed(otpTrace, 'POST /v1/ekyc/:userCode/otp').parentSpanId).toBe('');
  });

  it('gives API request spans the route template, method and status code as their only attributes', async () => {
    const { spans } = await tracedSession();
    const refused = await stack.api.inject({ method: 'GET', url: '/v1/ekyc/12345678' });
    expect(refused.statusCode).toBe(401);
    await waitForSpans(
      tracing,
      receiver,
      () =>
        receiver.spans.some(
          (s) => s.name === 'GET /v1/ekyc/:userCode' && s.attributes['http.response.status_code'] === 401,
        ),
      'the span of the refused request',
    );
    const server = [
      ...spans.filter((s) => s.name.startsWith('POST /v1/')),
      receiver.spans.find(
        (s) => s.name === 'GET /v1/ekyc/:userCode' && s.attributes['http.response.status_code'] === 401,
      )!,
    ];
    expect(server.map((s) => s.name).sort()).toEqual([
      'GET /v1/ekyc/:userCode',
      'POST /v1/ekyc',
      'POST /v1/ekyc/:userCode/biometric',
      'POST /v1/ekyc/:userCode/otp',
    ]);
    for (const span of server) {
      expect(Object.keys(span.attributes).sort()).toEqual([
        'http.request.method',
        'http.response.status_code',
        'http.route',
      ]);
      expect(span.events).toEqual([]);
    }
    expect(spanNamed(spans, 'POST /v1/ekyc').attributes).toEqual({
      'http.request.method': 'POST',
      'http.route': '/v1/ekyc',
      'http.response.status_code': 201,
    });
  });

  it('puts no Aadhaar number, OTP, mobile or PID data in any span name, attribute, event or status', async () => {
    const { session } = await tracedSession();
    const secrets = [session.agent.aadhaar, session.otp, session.agent.customerId, session.pid, 'PidData', 'ZGF0YQ=='];
    expect(receiver.spans.length).toBeGreaterThan(20);
    const leaks = receiver.spans.flatMap((span) =>
      spanTexts(span)
        .filter((text) => secrets.some((secret) => text.includes(secret)))
        .map(() => span.name),
    );
    // Span names only, so that a failure does not print the value it found.
    expect(leaks).toEqual([]);
  });

  it('keeps the workflow span sink to ids: none of the WorkflowInfo it merges in beyond them', async () => {
    const { spans } = await tracedSession();
    const run = spanNamed(spans, 'RunWorkflow:fingpayEkyc');
    expect(Object.keys(run.attributes).sort()).toEqual(
      ['attempt', 'namespace', 'runId', 'taskQueue', 'workflowId', 'workflowType'].sort(),
    );
  });

  it('marks a failed Eko call with its outcome code and HTTP status on its eko span', async () => {
    const agent = newAgent(sim);
    sim.injectFault(agent.userCode, 'sendOtp', { kind: 'http503' });
    const traceId = hex(16);
    const res = await stack.api.inject({
      method: 'POST',
      url: '/v1/ekyc',
      headers: {
        authorization: `Bearer ${await issuer.agentToken(agent.userCode)}`,
        traceparent: `00-${traceId}-${hex(8)}-01`,
      },
      payload: ekycInput(agent),
    });
    expect(res.statusCode).toBe(201);
    // The 503 is retried by Temporal after 1s; the second attempt succeeds.
    await waitForSpans(
      tracing,
      receiver,
      () => receiver.trace(traceId).filter((s) => s.name === 'eko.sendOtp').length === 2,
      'both attempts of the Eko call',
    );
    const calls = receiver.trace(traceId).filter((s) => s.name === 'eko.sendOtp');
    const failed = calls.find((s) => s.attributes['eko.outcome'] !== 'ok')!;
    expect(failed.attributes).toEqual({
      'eko.step': 'sendOtp',
      'eko.outcome': 'EkoUnavailable',
      'http.response.status_code': 503,
    });
    expect(failed.status.code).toBe(2); // ERROR
    expect(calls.find((s) => s.attributes['eko.outcome'] === 'ok')?.attributes).toEqual({
      'eko.step': 'sendOtp',
      'eko.outcome': 'ok',
    });
    await client.workflow.getHandle(workflowIdFor(agent.userCode)).cancel();
  });

  it("keeps a caller's tracestate and baggage out of the history (Temporal headers are not encrypted); traceparent travels", async () => {
    const traceId = hex(16);
    const vendorSecret = `s3cr3t${hex(8)}`;
    const { agent } = await completeSession(stack, () => ({
      traceparent: `00-${traceId}-${hex(8)}-01`,
      tracestate: `vendor=${vendorSecret},other=x${vendorSecret}`,
      baggage: `userId=b${vendorSecret}`,
    }));
    // As an operator without the codec reads it: `temporal workflow show --output json`, every payload decoded.
    const json = await historyViaCli(workflowIdFor(agent.userCode));
    const payloads = payloadsIn(JSON.parse(json)).map((p) => p.payload);
    expect(leakedSecrets(json, payloads, { traceparent: traceId })).toEqual(['traceparent']);
    expect(
      leakedSecrets(json, payloads, { tracestate: vendorSecret, tracestateKey: 'vendor=', baggage: 'userId=' }),
    ).toEqual([]);
  });

  it('records a traced session whose history replays on the workflow code without tracing (tracing can be switched off)', async () => {
    const { session } = await tracedSession();
    const history = await client.workflow.getHandle(workflowIdFor(session.agent.userCode)).fetchHistory();
    await Worker.runReplayHistory(
      { workflowBundle: { code: plainCode }, dataConverter: testDataConverter(), replayName: 'traced-on-plain' },
      history,
    );
  });
});

describe('the traced workflow code', () => {
  it('replays every recorded history made without tracing (tracing can be switched on)', async () => {
    const files = readdirSync(HISTORIES_DIR).filter((f) => f.endsWith('.json'));
    expect(files.length).toBeGreaterThan(5);
    // The sink is there only so that the replay does not log an unregistered sink; replays export nothing.
    const exporter = makeWorkflowExporter(
      { onStart: () => undefined, onEnd: () => undefined, forceFlush: async () => {}, shutdown: async () => {} },
      Resource.empty(),
    );
    for (const file of files) {
      const history = historyFromJSON(JSON.parse(readFileSync(`${HISTORIES_DIR}${file}`, 'utf8')));
      await Worker.runReplayHistory(
        {
          workflowBundle: { code: tracedCode },
          dataConverter: testDataConverter(),
          replayName: file,
          sinks: { exporter },
        },
        history,
      );
    }
  });

  it('is required: a worker with tracing on refuses workflow code bundled without the tracing interceptors', async () => {
    const tracing = (await startTracing(loadTracingConfig({ EKYC_TRACING: 'console' }, 'x')))!;
    const unused = async () => {
      throw new Error('not called');
    };
    try {
      await expect(
        createEkycWorker({
          connection: {} as NativeConnection,
          namespace: 'default',
          taskQueue: 'unused',
          activities: {
            sendOtp: unused,
            verifyOtp: unused,
            submitBiometric: unused,
            submitDailyKyc: unused,
            reserveOtpSend: unused,
            notifyAgentOfEkyc: unused,
            destroySealKeys: unused,
            emitWebhookEvent: unused,
            deliverWebhook: unused,
          },
          dataConverter: testDataConverter(),
          workflowBundle: { code: plainCode },
          tracing,
        }),
      ).rejects.toThrow(/bundle was built without the tracing interceptors/);
    } finally {
      await tracing.shutdown();
    }
  });
});
