// The Temporal UI of `ekyc dev` in headless Chromium, followed exactly as README ("Pointing a Temporal UI at it",
// `ekyc dev`) and docs/OPS.md tell an operator: start the stack, sign in at the codec server's /session with the
// printed dev token, open a workflow (the UI's codec setting left on its default, nothing stored in the browser
// beforehand), add the EkycStage and EkoUserCode columns, and enter an agent's OTP by Send Signal (through /encode).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { workflowIdFor } from '../../common/domain.js';
import { launchBrowser, SCREENSHOT_DIR } from '../page/support/browser.js';
import { newAgent, type Agent } from '../sim/eko-fixtures.js';
import { cli, devEnv, simOtp, START_LATLONG, startArgs, startDev, stopDev, type RunningDev } from './support.js';

const dataDir = mkdtempSync(join(tmpdir(), 'ekyc-dev-ui-'));
const cliEnv = devEnv(dataDir);
let dev: RunningDev;
let browser: Browser;
let agent: Agent;

beforeAll(async () => {
  dev = await startDev(devEnv(dataDir));
  agent = newAgent();
  const started = cli(startArgs(agent), cliEnv, agent.aadhaar);
  expect(started.status, started.stderr).toBe(0);
  await simOtp(dev.out.urls.ekoSimulator!, agent.userCode); // the session waits for its OTP
  browser = await launchBrowser();
}, 240_000);

afterAll(async () => {
  await browser?.close();
  if (dev) await stopDev(dev.child);
  rmSync(dataDir, { recursive: true, force: true });
});

interface CodecTraffic {
  decode: number[];
  encode: number[];
}

function watchCodec(page: Page): CodecTraffic {
  const traffic: CodecTraffic = { decode: [], encode: [] };
  page.on('response', (r) => {
    if (r.request().method() !== 'POST' || !r.url().startsWith(dev.out.urls.codecServer)) return;
    const path = new URL(r.url()).pathname;
    if (path.endsWith('/decode')) traffic.decode.push(r.status());
    if (path.endsWith('/encode')) traffic.encode.push(r.status());
  });
  return traffic;
}

async function waitUntil(predicate: () => boolean, what: string, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** README: open <codec server>/session, paste the dev token `ekyc dev` printed, press Sign in. */
async function signIn(context: BrowserContext) {
  const page = await context.newPage();
  await page.goto(`${dev.out.urls.codecServer}/session`);
  await page.fill('textarea', dev.out.devToken);
  await page.click('button:has-text("Sign in")');
  await page.getByText('Signed in.').waitFor({ timeout: 15_000 });
  await page.close();
}

const workflowUrl = () => `${dev.out.urls.temporalUi}/namespaces/default/workflows/${workflowIdFor(agent.userCode)}`;

describe('the Temporal UI of ekyc dev, as the docs say to use it (headless Chromium)', () => {
  it('decodes after signing in at /session with the dev token, on the UI’s default codec setting', async () => {
    const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
    try {
      await signIn(context);

      // Then open the workflow in the UI: its input shows decoded (the location in plain; the Aadhaar stays sealed).
      const page = await context.newPage();
      const traffic = watchCodec(page);
      await page.goto(workflowUrl());
      await waitUntil(() => traffic.decode.length > 0, 'the UI to call /decode');
      await page.waitForFunction((latlong) => document.body.innerText.includes(latlong), START_LATLONG, {
        timeout: 60_000,
      });
      expect(traffic.decode.every((s) => s === 200)).toBe(true);
      expect(await page.content()).not.toContain(agent.aadhaar);
      // The UI's own codec setting is untouched: the cluster-level one (from the stack) does it.
      expect(await page.evaluate(() => localStorage.getItem('overrideRemoteCodecConfiguration'))).not.toBe('true');
      await page.screenshot({ path: join(SCREENSHOT_DIR, 'dev-ui-decoded.png') });
    } finally {
      await context.close();
    }
  }, 180_000);

  it('shows ciphertext only, and every /decode answered 401, to a browser that has not signed in', async () => {
    const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
    try {
      const page = await context.newPage();
      const traffic = watchCodec(page);
      await page.goto(workflowUrl());
      await waitUntil(() => traffic.decode.length > 0, 'the UI to call /decode');
      await page.waitForLoadState('networkidle', { timeout: 30_000 }).catch(() => undefined);
      expect(traffic.decode.every((s) => s === 401)).toBe(true);
      const html = await page.content();
      expect(html).not.toContain(START_LATLONG);
      expect(html).not.toContain(agent.aadhaar);
    } finally {
      await context.close();
    }
  }, 180_000);

  it('adds the EkycStage and EkoUserCode columns (OPS.md), and enters the OTP by Send Signal through /encode', async () => {
    const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
    try {
      await signIn(context);

      // Workflows → Configure Columns → "+" beside EkycStage and EkoUserCode.
      const list = await context.newPage();
      await list.goto(`${dev.out.urls.temporalUi}/namespaces/default/workflows`);
      await list.getByRole('button', { name: 'Configure Columns' }).click();
      await list.getByRole('button', { name: 'Add EkycStage column' }).click();
      await list.getByRole('button', { name: 'Add EkoUserCode column' }).click();
      await list.keyboard.press('Escape');
      const row = list.locator('tr', { hasText: workflowIdFor(agent.userCode) });
      await row.getByText('AWAITING_OTP').waitFor({ timeout: 30_000 });
      await expect(row.getByText(agent.userCode, { exact: true }).count()).resolves.toBeGreaterThan(0);
      await expect(list.getByRole('columnheader', { name: 'EkycStage' }).count()).resolves.toBe(1);
      await list.screenshot({ path: join(SCREENSHOT_DIR, 'dev-ui-columns.png') });
      await list.close();

      // The workflow → More Actions → Send a Signal → otp, {"otp":"<the OTP>"} → Submit.
      const otp = await simOtp(dev.out.urls.ekoSimulator!, agent.userCode);
      const page = await context.newPage();
      const traffic = watchCodec(page);
      await page.goto(workflowUrl());
      await page.getByRole('button', { name: 'More Actions' }).click();
      await page.getByRole('menuitem', { name: 'Send a Signal' }).first().click();
      const dialog = page.locator('dialog[open]');
      await dialog.getByTestId('signal-select-button').click();
      await dialog.getByRole('option', { name: 'otp', exact: true }).click();
      await dialog.getByRole('textbox', { name: 'Data' }).click();
      await page.keyboard.insertText(JSON.stringify({ otp }));
      await page.screenshot({ path: join(SCREENSHOT_DIR, 'dev-ui-send-signal.png') });
      await dialog.getByRole('button', { name: 'Submit' }).click();
      await waitUntil(() => traffic.encode.length > 0, 'the UI to call /encode');
      expect(traffic.encode).toEqual([200]);

      // The worker took it (an unencoded one would have been ignored as `unencrypted`): the OTP is verified.
      let stage = '';
      for (let i = 0; i < 120 && stage !== 'AWAITING_BIOMETRIC'; i++) {
        stage = cli(['status', '--user-code', agent.userCode], cliEnv).json?.stage;
        if (stage !== 'AWAITING_BIOMETRIC') await new Promise((r) => setTimeout(r, 500));
      }
      const status = cli(['status', '--user-code', agent.userCode], cliEnv).json;
      expect({ stage: status.stage, ignored: status.ignoredSignals }).toEqual({
        stage: 'AWAITING_BIOMETRIC',
        ignored: [],
      });
    } finally {
      await context.close();
    }
  }, 240_000);
});
