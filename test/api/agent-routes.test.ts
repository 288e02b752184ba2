// The agent lifecycle's routes (CONTRACT.md): GET /v1/agents/{userCode}, POST …/daily-auth and
// …/daily-auth/invalidate, through the API on the real dev server with a worker and the Eko simulator.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
// Every response these tests observe is checked against GET /openapi.json (openapi-conformance.ts).
import { buildApi } from './openapi-conformance.js';
import { nextIstMidnight } from '../../common/ist.js';
import { pidData, type Agent } from '../sim/eko-fixtures.js';
import { startClientHarness, type ClientHarness } from '../client/harness.js';
import { createTestIssuer, type TestIssuer } from '../support/jwt.js';
import { startLifecycle } from '../workflows/agent-harness.js';
import { capturingLogger } from './support.js';

const DAY = 86_400_000;
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

const as = async (agent: { userCode: string }) => ({
  authorization: `Bearer ${await issuer.agentToken(agent.userCode)}`,
});
const admin = async () => ({ authorization: `Bearer ${await issuer.adminToken()}` });

/** An agent whose eKYC completed `daysAgo` days ago, its lifecycle started as that completion does. */
async function agentWithEkyc(daysAgo: number): Promise<Agent> {
  const agent = h.newAgent();
  const completedAt = Date.now() - daysAgo * DAY;
  h.sim.updateAgent(agent.userCode, { ekycCompletedAt: new Date(completedAt).toISOString() });
  await startLifecycle(h.ekyc.client, h.taskQueue, agent, completedAt);
  for (let i = 0; i < 100; i++) {
    if (
      await h.ekyc.agentStatus(agent.userCode).then(
        () => true,
        () => false,
      )
    )
      break;
    await new Promise((r) => setTimeout(r, 100));
  }
  return agent;
}

const dailyAuth = async (agent: Agent, body: object, headers?: Record<string, string>) =>
  api.inject({
    method: 'POST',
    url: `/v1/agents/${agent.userCode}/daily-auth`,
    payload: body,
    headers: headers ?? (await as(agent)),
  });
const body = (agent: Agent, qScore = 78) => ({ aadhaar: agent.aadhaar, pidData: pidData({ qScore }) });

describe('GET /v1/agents/{userCode}', () => {
  it('answers the agent status (no PII), 404 for an unknown agent, 403 for another agent’s token', async () => {
    const agent = await agentWithEkyc(1);
    const res = await api.inject({ method: 'GET', url: `/v1/agents/${agent.userCode}`, headers: await as(agent) });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ userCode: agent.userCode, state: 'WAITING_ELIGIBILITY', canTransact: false });
    expect(res.body).not.toContain(agent.customerId);
    const other = h.newAgent();
    const unknown = await api.inject({ method: 'GET', url: `/v1/agents/${other.userCode}`, headers: await as(other) });
    expect([unknown.statusCode, unknown.json().code]).toEqual([404, 'AGENT_NOT_FOUND']);
    const forbidden = await api.inject({
      method: 'GET',
      url: `/v1/agents/${agent.userCode}`,
      headers: await as(other),
    });
    expect(forbidden.statusCode).toBe(403);
  });
});

describe('POST /v1/agents/{userCode}/daily-auth', () => {
  it('409 NOT_YET_ELIGIBLE with eligibleAt before the window, without calling Eko', async () => {
    const agent = await agentWithEkyc(1);
    const res = await dailyAuth(agent, body(agent));
    expect(res.statusCode).toBe(409);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.json()).toMatchObject({ code: 'NOT_YET_ELIGIBLE', state: 'WAITING_ELIGIBILITY' });
    expect(Date.parse(res.json().eligibleAt)).toBeGreaterThan(Date.now());
    expect(h.sim.ledger().filter((e) => e.userCode === agent.userCode)).toEqual([]);
  });

  it('200 authenticated, 200 ALREADY_AUTHENTICATED again; 202 invalidate (admin only) makes it AUTH_REQUIRED', async () => {
    const agent = await agentWithEkyc(4);
    const first = await dailyAuth(agent, body(agent));
    expect(first.statusCode).toBe(200);
    expect(first.json()).toMatchObject({ accepted: true, state: 'AUTHENTICATED' });
    const again = await dailyAuth(agent, body(agent));
    expect([again.statusCode, again.json().code]).toEqual([200, 'ALREADY_AUTHENTICATED']);

    const url = `/v1/agents/${agent.userCode}/daily-auth/invalidate`;
    const byAgent = await api.inject({ method: 'POST', url, payload: { reason: 'FP069' }, headers: await as(agent) });
    expect(byAgent.statusCode).toBe(403);
    const bad = await api.inject({ method: 'POST', url, payload: { reason: 'BORED' }, headers: await admin() });
    expect(bad.statusCode).toBe(400);
    const ok = await api.inject({ method: 'POST', url, payload: { reason: 'FP069' }, headers: await admin() });
    expect([ok.statusCode, ok.json()]).toEqual([
      202,
      { workflowId: `fingpay-agent-${agent.userCode}`, invalidated: true },
    ]);
    let state = '';
    for (let i = 0; i < 50 && state !== 'AUTH_REQUIRED'; i++) {
      state = (await h.ekyc.agentStatus(agent.userCode)).state;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(state).toBe('AUTH_REQUIRED');
  });

  it('422 for each rejected capture, then 429 DAILY_AUTH_BLOCKED with Retry-After until the next IST midnight', async () => {
    const agent = await agentWithEkyc(4);
    for (const left of [2, 1, 0]) {
      const res = await dailyAuth(agent, body(agent, 5));
      expect([res.statusCode, res.json().code, res.json().attemptsLeft]).toEqual([422, 'EkoBiometricRejected', left]);
    }
    const blocked = await dailyAuth(agent, body(agent));
    expect([blocked.statusCode, blocked.json().code]).toEqual([429, 'DAILY_AUTH_BLOCKED']);
    const seconds = Number(blocked.headers['retry-after']);
    expect(Math.abs(seconds - (nextIstMidnight(Date.now()) - Date.now()) / 1000)).toBeLessThan(30);
  });

  it('409 when Eko asks for a new eKYC (REKYC_REQUIRED)', async () => {
    const agent = await agentWithEkyc(4);
    h.sim.updateAgent(agent.userCode, { rekycRequired: true });
    const res = await dailyAuth(agent, body(agent));
    expect([res.statusCode, res.json().code, res.json().state]).toEqual([409, 'EkoRekycRequired', 'REKYC_REQUIRED']);
    const again = await dailyAuth(agent, body(agent));
    expect([again.statusCode, again.json().code]).toEqual([409, 'REKYC_REQUIRED']);
  });

  it('400 naming the fields of a malformed body (lengths bounded first), 403 for another agent, and never logs the values', async () => {
    const agent = await agentWithEkyc(4);
    const res = await dailyAuth(agent, { aadhaar: '9'.repeat(5000), pidData: '', extra: 1 });
    expect(res.statusCode).toBe(400);
    expect(
      res
        .json()
        .errors.map((e: { field: string }) => e.field)
        .sort(),
    ).toEqual(['aadhaar', 'extra', 'pidData']);
    const other = h.newAgent();
    expect((await dailyAuth(agent, body(agent), await as(other))).statusCode).toBe(403);
    const logs = logLines.join('\n');
    expect(logs).not.toContain(agent.aadhaar);
    expect(logs).not.toContain('PidData');
  });
});

describe('GET /page-config.json', () => {
  it('hands the page EKO_DAILY_WADH (empty by default), without a token', async () => {
    const withWadh = buildApi({
      client: h.ekyc,
      auth: issuer.config,
      logger: capturingLogger().logger,
      publicDir: null,
      dailyWadh: 'E0jzJ/P8UopUHAieZn8CKqS4WPMi5ZSYXgfnlfkWjrc=',
    });
    try {
      const res = await withWadh.inject({ method: 'GET', url: '/page-config.json' });
      expect([res.statusCode, res.json()]).toEqual([
        200,
        { dailyWadh: 'E0jzJ/P8UopUHAieZn8CKqS4WPMi5ZSYXgfnlfkWjrc=' },
      ]);
    } finally {
      await withWadh.close();
    }
    expect((await api.inject({ method: 'GET', url: '/page-config.json' })).json()).toEqual({ dailyWadh: '' });
  });
});
