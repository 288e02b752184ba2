// Every /v1 route and its error statuses, through the API on the real Temporal dev server with a worker and the
// Eko simulator. Each test drives its own agent with a token minted for it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
// Every response these tests observe is checked against GET /openapi.json (openapi-conformance.ts).
import { buildApi } from './openapi-conformance.js';
import { RULES } from '../../common/validation.js';
import { workflowIdFor } from '../../common/domain.js';
import { badChecksumAadhaar, pidData, syntheticUserCode, type Agent } from '../sim/eko-fixtures.js';
import { startClientHarness, temporalConfig, testCodecConfig, type ClientHarness } from '../client/harness.js';
import { EkycClient } from '../../client/index.js';
import { createTestIssuer, type TestIssuer } from '../support/jwt.js';
import { capturingLogger } from './support.js';
import { recordHistory } from '../workflows/harness.js';

let h: ClientHarness;
let issuer: TestIssuer;
let api: FastifyInstance;
let logLines: string[];

beforeAll(async () => {
  h = await startClientHarness();
  issuer = await createTestIssuer();
  const { logger, lines } = capturingLogger();
  logLines = lines;
  api = buildApi({ client: h.ekyc, auth: issuer.config, logger, publicDir: null });
  await api.ready();
});
afterAll(async () => {
  await api?.close();
  await h?.close();
});

async function as(agent: { userCode: string }) {
  return { authorization: `Bearer ${await issuer.agentToken(agent.userCode)}` };
}

async function startSession(agent: Agent, policy?: Parameters<ClientHarness['input']>[1]) {
  const res = await api.inject({
    method: 'POST',
    url: '/v1/ekyc',
    payload: h.input(agent, policy),
    // Policy is the operators' (an agent token carrying one gets 403): a backend starts such sessions.
    headers: policy ? { authorization: `Bearer ${await issuer.adminToken()}` } : await as(agent),
  });
  expect(res.statusCode).toBe(201);
  await h.waitForStage(agent.userCode, 'AWAITING_OTP');
  return res.json() as { workflowId: string; runId: string };
}

const post = async (agent: Agent, path: string, payload?: object) =>
  api.inject({ method: 'POST', url: `/v1/ekyc/${agent.userCode}${path}`, payload, headers: await as(agent) });

/** POST /v1/ekyc?wait=first-step: answers once the first Send OTP has settled. */
const startWaiting = async (agent: Agent) =>
  api.inject({ method: 'POST', url: '/v1/ekyc?wait=first-step', payload: h.input(agent), headers: await as(agent) });

const wrongOtpFor = (agent: Agent) => (h.sim.currentOtp(agent.userCode) === '000000' ? '111111' : '000000');

describe('POST /v1/ekyc', () => {
  it('starts a session: 201 with { workflowId, runId, stage } and a Location', async () => {
    const agent = h.newAgent();
    const res = await api.inject({
      method: 'POST',
      url: '/v1/ekyc',
      payload: h.input(agent),
      headers: await as(agent),
    });
    expect(res.statusCode).toBe(201);
    expect(res.headers.location).toBe(`/v1/ekyc/${agent.userCode}`);
    expect(res.json()).toMatchObject({
      workflowId: workflowIdFor(agent.userCode),
      stage: 'SENDING_OTP',
      resumed: false,
    });
    expect(res.json().runId).toEqual(expect.any(String));
  });

  it('resumes a running session: 200 with the same run', async () => {
    const agent = h.newAgent();
    const first = await startSession(agent);
    const res = await api.inject({
      method: 'POST',
      url: '/v1/ekyc',
      payload: h.input(agent),
      headers: await as(agent),
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ runId: first.runId, stage: 'AWAITING_OTP', resumed: true });
  });

  it('with ?wait=first-step answers once the OTP is sent (update-with-start), so the OTP can follow at once', async () => {
    const agent = h.newAgent();
    const res = await startWaiting(agent);
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({
      workflowId: workflowIdFor(agent.userCode),
      stage: 'AWAITING_OTP',
      resumed: false,
      outcome: { accepted: true, stage: 'AWAITING_OTP', attemptsLeft: 3 },
    });
    expect(res.json().runId).toMatch(/\S/);
    // No polling: the OTP is taken at once (never 409 WRONG_STAGE).
    expect((await post(agent, '/otp', { otp: h.sim.currentOtp(agent.userCode) })).statusCode).toBe(200);
    // Asked again, the running session answers with its stage.
    const again = await startWaiting(agent);
    expect(again.statusCode).toBe(200);
    expect(again.json()).toMatchObject({
      runId: res.json().runId,
      stage: 'AWAITING_BIOMETRIC',
      resumed: true,
      outcome: { accepted: true, stage: 'AWAITING_BIOMETRIC' },
    });
    await recordHistory(h.ekyc.client.workflow.getHandle(workflowIdFor(agent.userCode)), 'start-waits-first-step');
  });

  it('with ?wait=first-step tells of Eko refusing the first OTP in the same answer', async () => {
    const agent = h.newAgent();
    h.sim.injectFault(agent.userCode, 'sendOtp', { kind: 'notAllowed' });
    const res = await startWaiting(agent);
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({
      stage: 'FAILED',
      outcome: { accepted: false, stage: 'FAILED', code: 'EkoAgentNotAllowed' },
    });
  });

  it('refuses another ?wait value, naming the field', async () => {
    const agent = h.newAgent();
    const res = await api.inject({
      method: 'POST',
      url: '/v1/ekyc?wait=forever',
      payload: h.input(agent),
      headers: await as(agent),
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().errors).toEqual([{ field: 'wait', rule: 'must be first-step' }]);
  });

  it('answers 400 naming aadhaar and the Verhoeff rule for a bad check digit, and starts nothing', async () => {
    const agent = h.newAgent();
    const payload = { ...h.input(agent), aadhaar: badChecksumAadhaar() };
    const res = await api.inject({ method: 'POST', url: '/v1/ekyc', payload, headers: await as(agent) });
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.json()).toMatchObject({
      status: 400,
      code: 'VALIDATION',
      errors: [{ field: 'aadhaar', rule: RULES.aadhaarChecksum }],
    });
    expect(res.body.includes(payload.aadhaar)).toBe(false);
    const status = await api.inject({ method: 'GET', url: `/v1/ekyc/${agent.userCode}`, headers: await as(agent) });
    expect(status.statusCode).toBe(404);
  });

  it.each([
    ['customerId', { customerId: '12345' }, RULES.customerId],
    ['latlong', { latlong: '200,500' }, RULES.latlong],
    ['bankCode', { bankCode: 'no spaces!' }, RULES.bankCode],
  ] as const)('answers 400 naming %s and its rule', async (field, patch, rule) => {
    const agent = h.newAgent();
    const res = await api.inject({
      method: 'POST',
      url: '/v1/ekyc',
      payload: { ...h.input(agent), ...patch },
      headers: await as(agent),
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().errors).toEqual([{ field, rule }]);
  });

  it('answers 400 for a missing field and for an unknown one', async () => {
    const agent = h.newAgent();
    const { bankCode: _omitted, ...rest } = h.input(agent);
    const res = await api.inject({
      method: 'POST',
      url: '/v1/ekyc',
      payload: { ...rest, nickname: 'x' },
      headers: await as(agent),
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().errors).toEqual(
      expect.arrayContaining([
        { field: 'bankCode', rule: 'is required' },
        { field: 'nickname', rule: 'is not a known field' },
      ]),
    );
  });

  it('answers 409 ALREADY_COMPLETED for an agent whose eKYC completed', async () => {
    const agent = h.newAgent();
    await startSession(agent);
    expect((await post(agent, '/otp', { otp: h.sim.currentOtp(agent.userCode) })).statusCode).toBe(200);
    expect((await post(agent, '/biometric', { pidData: pidData() })).statusCode).toBe(200);
    await h.ekyc.client.workflow.getHandle(workflowIdFor(agent.userCode)).result();
    const res = await api.inject({
      method: 'POST',
      url: '/v1/ekyc',
      payload: h.input(agent),
      headers: await as(agent),
    });
    expect(res.statusCode).toBe(409);
    expect(res.json()).toMatchObject({ status: 409, code: 'ALREADY_COMPLETED' });
    const otp = await post(agent, '/otp', { otp: '123456' });
    expect(otp.statusCode).toBe(409);
  });
});

describe('GET /v1/ekyc/{userCode}', () => {
  it('answers 200 with the status, the mobile only as a hint', async () => {
    const agent = h.newAgent();
    await startSession(agent);
    const res = await api.inject({ method: 'GET', url: `/v1/ekyc/${agent.userCode}`, headers: await as(agent) });
    expect(res.statusCode).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    const status = res.json();
    expect(status).toMatchObject({ stage: 'AWAITING_OTP', userCode: agent.userCode, otpAttemptsLeft: 3 });
    expect(status.mobileHint).toMatch(/^\*+\d{4}$/);
    expect(res.body.includes(agent.customerId)).toBe(false);
    expect(res.body.includes(agent.aadhaar)).toBe(false);
  });

  it('answers 404 for an agent without a session', async () => {
    const agent = { userCode: syntheticUserCode() };
    const res = await api.inject({ method: 'GET', url: `/v1/ekyc/${agent.userCode}`, headers: await as(agent) });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchObject({ status: 404, code: 'NOT_FOUND' });
  });

  it('answers 400 for a user code that is not 8 digits', async () => {
    const res = await api.inject({
      method: 'GET',
      url: '/v1/ekyc/12ab',
      headers: { authorization: `Bearer ${await issuer.adminToken()}` },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().errors).toEqual([{ field: 'userCode', rule: RULES.userCode }]);
  });
});

describe('POST /v1/ekyc/{userCode}/otp', () => {
  it('answers 422 with the attempts left for a wrong OTP', async () => {
    const agent = h.newAgent();
    await startSession(agent);
    const res = await post(agent, '/otp', { otp: wrongOtpFor(agent) });
    expect(res.statusCode).toBe(422);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.json()).toMatchObject({ status: 422, accepted: false, stage: 'AWAITING_OTP', attemptsLeft: 2 });
  });

  it('answers 200 with the outcome for the right OTP', async () => {
    const agent = h.newAgent();
    await startSession(agent);
    const res = await post(agent, '/otp', { otp: h.sim.currentOtp(agent.userCode) });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ accepted: true, stage: 'AWAITING_BIOMETRIC' });
  });

  it('answers 400 naming otp for an OTP that is not 6 digits', async () => {
    const agent = h.newAgent();
    const res = await post(agent, '/otp', { otp: '12a4' });
    expect(res.statusCode).toBe(400);
    expect(res.json().errors).toEqual([{ field: 'otp', rule: RULES.otp }]);
  });

  it('answers 404 for an agent without a session', async () => {
    const agent = { userCode: syntheticUserCode(), aadhaar: '', customerId: '' };
    const res = await post(agent, '/otp', { otp: '123456' });
    expect(res.statusCode).toBe(404);
  });
});

describe('slow steps and Idempotency-Key', () => {
  it('answers 503 STEP_PENDING when the outcome is slower than the call timeout; the same key later gets it', async () => {
    const impatient = await EkycClient.connect({
      temporal: temporalConfig(h.ekyc.taskQueue),
      codec: testCodecConfig(),
      callTimeoutMs: 2_000,
    });
    const slowApi = buildApi({
      client: impatient,
      auth: issuer.config,
      logger: capturingLogger().logger,
      publicDir: null,
    });
    try {
      const agent = h.newAgent();
      await startSession(agent);
      // Eko answers only after 8 s: the outcome cannot arrive within the impatient client's 2 s, even on a busy box.
      h.sim.injectFault(agent.userCode, 'verifyOtp', { kind: 'latency', ms: 8_000 });
      const headers = { ...(await as(agent)), 'idempotency-key': 'page-otp-1' };
      const payload = { otp: h.sim.currentOtp(agent.userCode) };
      const url = `/v1/ekyc/${agent.userCode}/otp`;
      const pending = await slowApi.inject({ method: 'POST', url, payload, headers });
      expect(pending.statusCode).toBe(503);
      expect(pending.json()).toMatchObject({ code: 'STEP_PENDING' });
      expect(Number(pending.headers['retry-after'])).toBeGreaterThan(0);
      const joined = await api.inject({ method: 'POST', url, payload, headers });
      expect(joined.statusCode).toBe(200);
      expect(joined.json()).toMatchObject({ accepted: true, stage: 'AWAITING_BIOMETRIC' });
    } finally {
      await slowApi.close();
      await impatient.close();
    }
  });

  it('answers 400 naming idempotency-key when it is malformed', async () => {
    const agent = h.newAgent();
    const res = await api.inject({
      method: 'POST',
      url: `/v1/ekyc/${agent.userCode}/otp`,
      payload: { otp: '123456' },
      headers: { ...(await as(agent)), 'idempotency-key': 'no spaces allowed' },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().errors).toEqual([{ field: 'idempotency-key', rule: expect.any(String) }]);
  });
});

describe('POST /v1/ekyc/{userCode}/otp/resend', () => {
  it('answers 429 with Retry-After during the cooldown', async () => {
    const agent = h.newAgent();
    await startSession(agent, { resendCooldown: '10m' });
    const res = await post(agent, '/otp/resend', {});
    expect(res.statusCode).toBe(429);
    expect(res.json()).toMatchObject({ status: 429, code: 'RESEND_COOLDOWN', accepted: false });
    const retryAfter = Number(res.headers['retry-after']);
    expect(retryAfter).toBeGreaterThan(500);
    expect(retryAfter).toBeLessThanOrEqual(600);
  });

  it("answers 429 OTP_SEND_LIMIT_REACHED with Retry-After beyond the agent's hourly OTP cap", async () => {
    const agent = h.newAgent();
    await startSession(agent, { resendCooldown: '0s', maxResends: 10 });
    // The first send and four resends make the default cap of 5 an hour.
    for (let i = 0; i < 4; i++) expect((await post(agent, '/otp/resend', {})).statusCode).toBe(200);
    const res = await post(agent, '/otp/resend', {});
    expect(res.statusCode).toBe(429);
    expect(res.json()).toMatchObject({ status: 429, code: 'OTP_SEND_LIMIT_REACHED', accepted: false });
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(3000);
  });

  it('answers 200 once the cooldown has passed, with fresh attempts', async () => {
    const agent = h.newAgent();
    await startSession(agent, { resendCooldown: '1s' });
    const status = await h.ekyc.status(agent.userCode);
    const wait = Date.parse(status.resendAvailableAt!) - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait + 200));
    const res = await post(agent, '/otp/resend');
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ accepted: true, stage: 'AWAITING_OTP' });
  });

  it('answers 409 WRONG_STAGE once the OTP is verified', async () => {
    const agent = h.newAgent();
    await startSession(agent);
    await post(agent, '/otp', { otp: h.sim.currentOtp(agent.userCode) });
    const res = await post(agent, '/otp/resend', {});
    expect(res.statusCode).toBe(409);
    expect(res.json()).toMatchObject({ code: 'WRONG_STAGE', stage: 'AWAITING_BIOMETRIC' });
  });
});

describe('POST /v1/ekyc/{userCode}/biometric', () => {
  it('answers 409 WRONG_STAGE with the stage while the OTP is awaited', async () => {
    const agent = h.newAgent();
    await startSession(agent);
    const res = await post(agent, '/biometric', { pidData: pidData() });
    expect(res.statusCode).toBe(409);
    expect(res.json()).toMatchObject({ status: 409, code: 'WRONG_STAGE', stage: 'AWAITING_OTP' });
  });

  it('answers 422 with the attempts left for a capture Eko rejects, then 200 COMPLETED for a good one', async () => {
    const agent = h.newAgent();
    await startSession(agent);
    await post(agent, '/otp', { otp: h.sim.currentOtp(agent.userCode) });
    const poor = await post(agent, '/biometric', { pidData: pidData({ qScore: 5 }) });
    expect(poor.statusCode).toBe(422);
    expect(poor.json()).toMatchObject({ accepted: false, stage: 'AWAITING_BIOMETRIC', attemptsLeft: 2 });
    const good = await post(agent, '/biometric', { pidData: pidData() });
    expect(good.statusCode).toBe(200);
    expect(good.json()).toMatchObject({ accepted: true, stage: 'COMPLETED' });
  });

  it('answers 400 naming pidData for data that is not the RD service XML', async () => {
    const agent = h.newAgent();
    const res = await post(agent, '/biometric', { pidData: 'not xml' });
    expect(res.statusCode).toBe(400);
    expect(res.json().errors).toEqual([{ field: 'pidData', rule: RULES.pidData }]);
  });

  it('answers 413 for a body over the limit', async () => {
    const agent = h.newAgent();
    const res = await post(agent, '/biometric', { pidData: 'x'.repeat(600 * 1024) });
    expect(res.statusCode).toBe(413);
    expect(res.json()).toMatchObject({ status: 413, code: 'BODY_TOO_LARGE' });
  });
});

describe('DELETE /v1/ekyc/{userCode}', () => {
  it('answers 202 and the session ends CANCELLED', async () => {
    const agent = h.newAgent();
    const { workflowId } = await startSession(agent);
    const res = await api.inject({
      method: 'DELETE',
      url: `/v1/ekyc/${agent.userCode}`,
      payload: { reason: 'agent gave up' },
      headers: await as(agent),
    });
    expect(res.statusCode).toBe(202);
    expect(res.json()).toEqual({ workflowId, cancelRequested: true });
    const status = await h.waitForStage(agent.userCode, 'CANCELLED');
    expect(status.lastError?.code).toBe('CANCELLED');
  });

  it('answers 202 without a body too', async () => {
    const agent = h.newAgent();
    await startSession(agent);
    const res = await api.inject({ method: 'DELETE', url: `/v1/ekyc/${agent.userCode}`, headers: await as(agent) });
    expect(res.statusCode).toBe(202);
  });

  it('answers 404 for an agent without a session', async () => {
    const agent = { userCode: syntheticUserCode() };
    const res = await api.inject({ method: 'DELETE', url: `/v1/ekyc/${agent.userCode}`, headers: await as(agent) });
    expect(res.statusCode).toBe(404);
  });
});

describe('request bodies', () => {
  it('answers 400 for a body that is not JSON', async () => {
    const agent = h.newAgent();
    const res = await api.inject({
      method: 'POST',
      url: `/v1/ekyc/${agent.userCode}/otp`,
      payload: '{"otp": ',
      headers: { ...(await as(agent)), 'content-type': 'application/json' },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().errors).toEqual([{ field: '(body)', rule: 'must be valid JSON' }]);
  });

  it('answers 415 for a body that is not JSON by content type', async () => {
    const agent = h.newAgent();
    const res = await api.inject({
      method: 'POST',
      url: `/v1/ekyc/${agent.userCode}/otp`,
      payload: 'otp=123456',
      headers: { ...(await as(agent)), 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(res.statusCode).toBe(415);
  });
});

describe('API logs', () => {
  it('never carry an Aadhaar number, a mobile, an OTP, PID data or a token', async () => {
    const agent = h.newAgent();
    const token = (await as(agent)).authorization;
    await startSession(agent);
    const otp = h.sim.currentOtp(agent.userCode)!;
    await post(agent, '/otp', { otp: wrongOtpFor(agent) });
    await post(agent, '/otp', { otp });
    const pid = pidData();
    await post(agent, '/biometric', { pidData: pid });
    expect(logLines.length).toBeGreaterThan(0);
    // String values only: a 6-digit OTP could occur by chance inside a numeric timestamp.
    const strings: string[] = [];
    const collect = (v: unknown): void => {
      if (typeof v === 'string') strings.push(v);
      else if (v && typeof v === 'object') Object.values(v).forEach(collect);
    };
    logLines.forEach((line) => collect(JSON.parse(line)));
    const leaks = strings.filter(
      (v) =>
        [agent.aadhaar, agent.customerId, token.slice(7), '<PidData', pid.slice(0, 40)].some((s) => v.includes(s)) ||
        new RegExp(`(?<!\\d)${otp}(?!\\d)`).test(v),
    );
    expect(leaks.length).toBe(0);
  });
});
