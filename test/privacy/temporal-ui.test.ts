// The Temporal UI (from the Temporal CLI dev server) in headless Chromium, pointed at the codec server. The UI
// decodes only when the browser brings the operator's token; otherwise it shows ciphertext. The UI's codec
// settings are what its codec dialog stores in localStorage; the token travels as the codec server's session
// cookie, sent by the UI's "Include cross-origin credentials" setting (the dev server UI has no login of its own,
// so it has no access token to pass).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Request } from 'playwright-core';
import { launchBrowser } from '../page/support/browser.js';
import type { FastifyInstance } from 'fastify';
import { createJwtVerifier } from '../../auth/jwt.js';
import { workflowIdFor } from '../../common/domain.js';
import { createDataConverter } from '../../codec/data-converter.js';
import { AesGcmPayloadCodec } from '../../codec/payload-codec.js';
import { buildCodecServer } from '../../codec/server.js';
import { freePort } from '../../dev/ports.js';
import { startDevServer, type DevServer } from '../../dev/temporal-server.js';
import { openKeyStore, Sealer } from '../../keystore/index.js';
import { LATLONG, ekycInput, newAgent } from '../sim/eko-fixtures.js';
import { captureLogs, codecConfig, createTestIssuer, keyEntry, type TestIssuer } from '../codec/helpers.js';
import {
  captureRuntimeLogs,
  connectClient,
  EkycClient,
  markedPidData,
  newTaskQueue,
  startSim,
  startWorker,
  waitForStage,
} from './support.js';

const cleanup: (() => Promise<unknown>)[] = [];
let temporalUi: DevServer;
let uiOrigin: string;
let codecUrl: string;
let codecApp: FastifyInstance;
let issuer: TestIssuer;
let browser: Browser;
let workflowPath: string;
let secrets: { aadhaar: string; mobile: string; latlong: string; pidMarker: string };
/** What ops must still see: the Eko references of the session's steps. */
let references: string[];
const codecLogs = captureLogs('codec-server', 'info');

beforeAll(async () => {
  const logs = captureRuntimeLogs();
  const codecPort = await freePort();
  codecUrl = `http://127.0.0.1:${codecPort}`;
  temporalUi = await startDevServer({ uiPort: await freePort(), codecEndpoint: codecUrl, startTimeoutMs: 90_000 });
  cleanup.push(() => temporalUi.stop());
  uiOrigin = new URL(temporalUi.uiUrl!).origin;

  const codecConfigA = codecConfig([keyEntry('ui-test')]);
  issuer = await createTestIssuer();
  codecApp = await buildCodecServer({
    codec: new AesGcmPayloadCodec(codecConfigA),
    auth: createJwtVerifier(issuer.jwt),
    corsOrigins: [uiOrigin],
    logger: codecLogs.logger,
  });
  await codecApp.listen({ host: '127.0.0.1', port: codecPort });
  cleanup.push(() => codecApp.close());

  // A session on the UI's server, left waiting for the fingerprint after a verified OTP.
  const sim = await startSim();
  cleanup.push(() => sim.stop());
  const server = { address: temporalUi.address, namespace: temporalUi.namespace };
  const taskQueue = newTaskQueue();
  const dataConverter = createDataConverter(codecConfigA);
  // Sealed as the API and the CLI seal (crypto-shredding): the worker and the client share one embedded key store.
  const dataDir = mkdtempSync(join(tmpdir(), 'ekyc-ui-keys-'));
  const store = await openKeyStore({ url: null, dataDir });
  cleanup.push(async () => {
    await store.close();
    rmSync(dataDir, { recursive: true, force: true });
  });
  const sealer = new Sealer(store);
  const worker = await startWorker(sim, taskQueue, dataConverter, logs, server, { sealer });
  cleanup.push(() => worker.stop());
  const { client, close } = await connectClient(dataConverter, server);
  cleanup.push(close);
  const ekyc = new EkycClient({ client, taskQueue, callTimeoutMs: 30_000, sealer });
  const agent = newAgent(sim);
  const { pid, marker } = markedPidData();
  const started = await ekyc.startEkyc(ekycInput(agent));
  await waitForStage(ekyc, agent.userCode, 'AWAITING_OTP');
  await ekyc.submitOtp(agent.userCode, sim.currentOtp(agent.userCode)!);
  await ekyc.submitBiometric(agent.userCode, pid);
  await waitForStage(ekyc, agent.userCode, 'COMPLETED');
  // The run closes once it has told the agent's lifecycle (workflows/ekyc.ts): visit the closed run, as before.
  await client.workflow.getHandle(workflowIdFor(agent.userCode), started.runId).result();
  secrets = { aadhaar: agent.aadhaar, mobile: agent.customerId, latlong: LATLONG, pidMarker: marker };
  const status = await ekyc.status(agent.userCode);
  // The history page's compact view cuts long lines: a reference_tid shows by its start.
  references = [status.otpRefId, status.referenceTid?.slice(0, 16)].filter((r): r is string => Boolean(r));
  expect(references.length).toBeGreaterThan(0);
  workflowPath = `/namespaces/${temporalUi.namespace}/workflows/${workflowIdFor(agent.userCode)}/${started.runId}/history`;

  browser = await launchBrowser();
  cleanup.push(() => browser.close());
}, 240_000);

afterAll(async () => {
  for (const fn of cleanup.reverse()) await fn().catch(() => undefined);
});

/** A browser profile whose Temporal UI codec settings say: this endpoint, include cross-origin credentials. */
async function uiContext(): Promise<BrowserContext> {
  const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
  await context.addInitScript(
    ({ origin, endpoint }) => {
      if (location.origin !== origin) return;
      localStorage.setItem('overrideRemoteCodecConfiguration', 'true');
      localStorage.setItem('endpoint', JSON.stringify(endpoint));
      localStorage.setItem('includeCredentials', 'true');
      localStorage.setItem('passAccessToken', 'false');
    },
    { origin: uiOrigin, endpoint: codecUrl },
  );
  return context;
}

/** Signs in on the codec server's own page, as an operator pastes their token. */
async function signIn(context: BrowserContext, token: string) {
  const page = await context.newPage();
  await page.goto(`${codecUrl}/session`);
  await page.fill('textarea', token);
  await page.click('button:has-text("Sign in")');
  await page.getByText('Signed in.').waitFor({ timeout: 15_000 });
  await page.close();
}

interface Visit {
  text: string;
  decodeRequests: Request[];
  decodeStatuses: number[];
}

/**
 * Opens the workflow's history page, then returns the page text and codec traffic. With `expectText`, waits (bounded)
 * until the page shows it: on a loaded machine the UI renders the decoded payloads well after the codec answered.
 */
async function visitWorkflow(context: BrowserContext, expectText?: string): Promise<Visit> {
  const page = await context.newPage();
  const decodeRequests: Request[] = [];
  const decodeStatuses: number[] = [];
  page.on('request', (r) => {
    if (r.url().startsWith(`${codecUrl}/decode`)) decodeRequests.push(r);
  });
  page.on('response', (r) => {
    if (r.url().startsWith(`${codecUrl}/decode`) && r.request().method() === 'POST') decodeStatuses.push(r.status());
  });
  await page.goto(`${uiOrigin}${workflowPath}`, { waitUntil: 'domcontentloaded' });
  await page.getByText(workflowPath.split('/')[4]).first().waitFor({ timeout: 60_000 });
  // The page decodes as it renders: wait until the codec has been asked and the traffic has settled.
  await waitUntil(() => decodeStatuses.length > 0, 60_000);
  await page.waitForLoadState('networkidle', { timeout: 60_000 }).catch(() => undefined);
  if (expectText !== undefined) {
    await page
      .waitForFunction(
        (t) => document.body.innerText.includes(t) || document.documentElement.outerHTML.includes(t),
        expectText,
        { timeout: 30_000 },
      )
      .catch(() => undefined); // the assertion below reports what the page showed
  }
  const text = await page.locator('body').innerText();
  const html = await page.content();
  await page.close();
  return { text: `${text}\n${html}`, decodeRequests, decodeStatuses };
}

async function waitUntil(predicate: () => boolean, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error('timed out waiting for the Temporal UI to call the codec server');
    await new Promise((r) => setTimeout(r, 200));
  }
}

const visible = (text: string) => Object.fromEntries(Object.entries(secrets).map(([k, v]) => [k, text.includes(v)]));

describe('Temporal UI with the codec server (headless Chromium)', () => {
  it('shows an ekyc:ops operator every step, outcome and Eko reference decoded, but the Aadhaar and PidData are gone', async () => {
    const context = await uiContext();
    await signIn(context, await issuer.token({ scope: 'ekyc:ops' }));
    const visit = await visitWorkflow(context, secrets.latlong);
    await context.close();
    expect(visit.decodeStatuses.every((s) => s === 200)).toBe(true);
    // Decoded: the input's other fields, each Eko step, the Eko references, the result.
    expect(visible(visit.text)).toMatchObject({ latlong: true });
    for (const step of ['Eko: send OTP', 'Eko: verify OTP', 'Eko: biometric eKYC']) expect(visit.text).toContain(step);
    for (const reference of references) expect(visit.text).toContain(reference);
    expect(visit.text).toContain('completedAt');
    // Where the Aadhaar was, a sealed value whose key the session destroyed when it completed; no PidData at all.
    expect(visit.text).toContain('ekyc-sealed:v1:aadhaar:');
    expect(visible(visit.text)).toMatchObject({ aadhaar: false, pidMarker: false });
    expect(visit.text).not.toContain('PidData&gt;');
    expect(visit.text).not.toContain('<PidData');
  });

  it('shows no plaintext when the browser brings no token: the codec server answers 401', async () => {
    const context = await uiContext();
    const visit = await visitWorkflow(context);
    await context.close();
    expect(visit.decodeStatuses.length).toBeGreaterThan(0);
    expect(visit.decodeStatuses.every((s) => s === 401)).toBe(true);
    expect(visible(visit.text)).toEqual({ aadhaar: false, mobile: false, latlong: false, pidMarker: false });
  });

  it('shows no plaintext to an operator whose token lacks ekyc:ops', async () => {
    const context = await uiContext();
    const page = await context.newPage();
    await page.goto(`${codecUrl}/session`);
    await page.fill('textarea', await issuer.token({ scope: 'ekyc:admin' }));
    await page.click('button:has-text("Sign in")');
    await page.getByText('Refused (403).').waitFor({ timeout: 15_000 });
    await page.close();
    const visit = await visitWorkflow(context);
    await context.close();
    expect(visit.decodeStatuses.every((s) => s === 401)).toBe(true);
    expect(visible(visit.text)).toEqual({ aadhaar: false, mobile: false, latlong: false, pidMarker: false });
  });

  it('calls POST {endpoint}/decode with JSON, X-Namespace and base64 payloads, as the codec server expects', async () => {
    const context = await uiContext();
    await signIn(context, await issuer.token({ scope: 'ekyc:ops' }));
    const visit = await visitWorkflow(context);
    await context.close();
    const posts = visit.decodeRequests.filter((r) => r.method() === 'POST');
    expect(posts.length).toBeGreaterThan(0);
    for (const r of posts) {
      expect(new URL(r.url()).pathname).toBe('/decode');
      expect(r.headers()['content-type']).toBe('application/json');
      expect(r.headers()['x-namespace']).toBe(temporalUi.namespace);
      const body = r.postDataJSON() as { payloads: { metadata: Record<string, string>; data: string }[] };
      expect(Array.isArray(body.payloads)).toBe(true);
      for (const p of body.payloads) expect(Buffer.from(p.metadata.encoding, 'base64').toString()).toMatch(/^[a-z]+\//);
    }
    const preflights = visit.decodeRequests.filter((r) => r.method() === 'OPTIONS');
    // Chromium does not always surface preflights to the page; when it does, they are for the same URL.
    for (const r of preflights) expect(new URL(r.url()).pathname).toBe('/decode');
  });

  it('leaves the codec server log free of everything it decoded for the UI', () => {
    const text = codecLogs.text();
    expect(codecLogs.lines().filter((l) => l.msg === 'codec request').length).toBeGreaterThan(0);
    expect(visible(text)).toEqual({ aadhaar: false, mobile: false, latlong: false, pidMarker: false });
  });
});
