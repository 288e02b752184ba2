// `ekyc api` and `ekyc worker` as separate processes with tracing switched on by the environment alone: the trace
// of a session crosses both, and each exports its last spans when it is stopped (the batch delay is set far beyond
// the test, so only the shutdown flush can deliver them).
import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EkoSimulator } from '../../sim/eko-sim.js';
import { ekycInput, newAgent, pidData, startSim } from '../sim/eko-fixtures.js';
import { apiEnv, ekycEnv, listeningUrl, spawnApi, spawnEkyc, type ApiProcess } from '../support/api-process.js';
import { createTestIssuer, type TestIssuer } from '../support/jwt.js';
import { crash, spawnWorker, workerEnv, type ChildWorker } from '../worker/child-worker.js';
import { OtlpReceiver, spanNamed } from './support.js';
import { connectClient } from '../workflows/harness.js';
import { workflowIdFor } from '../../common/domain.js';

let sim: EkoSimulator;
let issuer: TestIssuer;
let receiver: OtlpReceiver;
let worker: ChildWorker | undefined;
let api: ApiProcess | undefined;

beforeAll(async () => {
  [sim, issuer, receiver] = await Promise.all([startSim(), createTestIssuer(), OtlpReceiver.start()]);
});
afterAll(async () => {
  if (worker && worker.child.exitCode === null && worker.child.signalCode === null) await crash(worker);
  if (api && api.child.exitCode === null) api.child.kill('SIGKILL');
  await receiver?.close();
  await sim?.stop();
});

function tracingEnv(): Record<string, string> {
  return { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_BSP_SCHEDULE_DELAY: '600000' };
}

describe('tracing across the ekyc api and ekyc worker processes', () => {
  it('puts a session in one trace across both processes, exported when each is stopped', async () => {
    const taskQueue = `ekyc-otel-${randomUUID()}`;
    worker = spawnWorker(workerEnv(sim, taskQueue, tracingEnv()));
    api = spawnApi(apiEnv(issuer, { EKYC_TASK_QUEUE: taskQueue, ...tracingEnv() }));
    const [printed, url] = await Promise.all([worker.ready, listeningUrl(api)]);
    expect(printed).toMatchObject({ worker: { tracing: 'otlp' } });

    const agent = newAgent(sim);
    const traceId = randomBytes(16).toString('hex');
    const token = await issuer.agentToken(agent.userCode);
    const headers = () => ({
      authorization: `Bearer ${token}`,
      'content-type': 'application/json',
      traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-01`,
    });
    const post = (path: string, body: unknown) =>
      fetch(`${url}${path}`, { method: 'POST', headers: headers(), body: JSON.stringify(body) });

    const started = await post('/v1/ekyc', ekycInput(agent));
    expect(started.status).toBe(201);
    // Polled without trace context: the polls are traces of their own, not part of the session's.
    const deadline = Date.now() + 45_000;
    for (;;) {
      const status = await fetch(`${url}/v1/ekyc/${agent.userCode}`, { headers: { authorization: `Bearer ${token}` } });
      if (status.ok && (await status.json()).stage === 'AWAITING_OTP') break;
      if (Date.now() > deadline) throw new Error('the session did not reach AWAITING_OTP');
      await new Promise((r) => setTimeout(r, 100));
    }
    const otp = await post(`/v1/ekyc/${agent.userCode}/otp`, { otp: sim.currentOtp(agent.userCode) });
    expect(otp.status).toBe(200);
    const done = await post(`/v1/ekyc/${agent.userCode}/biometric`, { pidData: pidData() });
    expect(done.status).toBe(200);
    expect(await done.json()).toMatchObject({ stage: 'COMPLETED' });
    // The run closes once it has told the agent's lifecycle (workflows/ekyc.ts notifyAgent): wait for that.
    const { client, close } = await connectClient();
    try {
      await client.workflow.getHandle(workflowIdFor(agent.userCode)).result();
    } finally {
      await close();
    }

    // Nothing is exported before the stop (the batch delay is ten minutes); SIGTERM flushes both.
    expect(receiver.requests).toBe(0);
    api.child.kill('SIGTERM');
    worker.child.kill('SIGTERM');
    expect(await api.exited).toBe(0);
    expect(await worker.exited).toEqual({ code: 0, signal: null });

    const spans = receiver.trace(traceId);
    const service = (name: string) => spanNamed(spans, name).resource['service.name'];
    expect(service('POST /v1/ekyc')).toBe('ekyc-api');
    expect(service('StartWorkflow:fingpayEkyc')).toBe('ekyc-api');
    expect(service('RunWorkflow:fingpayEkyc')).toBe('ekyc-worker');
    expect(service('RunActivity:sendOtp')).toBe('ekyc-worker');
    expect(service('eko.biometric')).toBe('ekyc-worker');
    const run = spanNamed(spans, 'RunWorkflow:fingpayEkyc');
    expect(run.parentSpanId).toBe(spanNamed(spans, 'StartWorkflow:fingpayEkyc').spanId);
  }, 120_000);

  it('traces a CLI command too, exporting its Temporal call before the command exits, even a failed one', async () => {
    const env = ekycEnv({ EKYC_LOG_LEVEL: 'silent', ...tracingEnv() });
    const userCode = '86420975';
    const code = await spawnEkyc(['status', '--user-code', userCode], env).exited;
    expect(code).not.toBe(0); // no such session
    const query = receiver.spans.find(
      (s) => s.name === 'QueryWorkflow:status' && s.attributes.temporalWorkflowId === `fingpay-ekyc-${userCode}`,
    );
    expect(query?.resource['service.name']).toBe('ekyc-cli');
    expect(query?.status.code).toBe(2); // ERROR
  }, 60_000);
});
