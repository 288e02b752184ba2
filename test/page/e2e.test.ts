// The agent's whole eKYC in headless Chromium, on the real stack: the Temporal dev server (globalSetup), an
// in-process worker with the real activities, the Eko simulator, the HTTP API serving the page, and the RD-service
// simulator. A wrong OTP, then a resend; a poor capture, then a good one; completion. Screenshots of every screen go
// to artifacts/screenshots/e2e-*.png.
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RdServiceSimulator } from '../../sim/rd-sim.js';
import type { ClientHarness } from '../client/harness.js';
import type { Agent } from '../sim/eko-fixtures.js';
import type { TestIssuer } from '../support/jwt.js';
import { openPage, PHONE, screenshot } from './support/browser.js';
import { startPageStack, type PageStack } from './support/stack.js';

const RESEND_COOLDOWN = '15s';

describe('agent eKYC end to end in a real browser', () => {
  let stack: PageStack;
  let h: ClientHarness;
  let issuer: TestIssuer;
  let apiUrl: string;
  let rd: RdServiceSimulator;
  let browser: Browser;
  let page: Page | undefined;

  beforeAll(async () => {
    stack = await startPageStack();
    ({ h, issuer, apiUrl, rd, browser } = stack);
  });
  afterAll(() => stack?.close());
  afterEach(async () => {
    await page?.context().close();
    page = undefined;
    rd.setMode('good');
  });

  const visible = (p: Page, screen: string, timeout = 45_000) =>
    p.waitForSelector(`section[data-screen="${screen}"]:not([hidden])`, { timeout });

  /** The page as the agent's backend would open it, with the session's resend cooldown shortened for the test. */
  async function openAs(agent: Agent, device = {}): Promise<Page> {
    const p = await openPage(browser, { scanner: { port: rd.port }, ...device });
    // Policy is operator-only (an agent token carrying one is refused): the test stands in for an operator, so the
    // shortened cooldown goes with an admin token in place of the page's own.
    const admin = await issuer.adminToken();
    await p.route(`${apiUrl}/v1/ekyc`, async (route) => {
      const body = route.request().postDataJSON();
      await route.continue({
        postData: JSON.stringify({ ...body, policy: { resendCooldown: RESEND_COOLDOWN } }),
        headers: { ...route.request().headers(), authorization: `Bearer ${admin}` },
      });
    });
    await p.goto(`${apiUrl}/#token=${await issuer.agentToken(agent.userCode)}`);
    await visible(p, 'start');
    await p.click('#locate');
    await p.waitForSelector('#location-status.ok');
    return p;
  }

  /** The agent opens the page again from the agent app: a new document with a fresh token (a reload has none). */
  async function reopenAs(p: Page, agent: Agent) {
    await p.goto('about:blank');
    await p.goto(`${apiUrl}/#token=${await issuer.agentToken(agent.userCode)}`);
  }

  /** The user code comes from the agent's token, filled in and read-only; the agent types the rest. */
  async function fillStart(p: Page, agent: Agent) {
    expect(await p.inputValue('#userCode')).toBe(agent.userCode);
    expect(await p.getAttribute('#userCode', 'readonly')).not.toBeNull();
    await p.fill('#customerId', agent.customerId);
    await p.fill('#aadhaar', agent.aadhaar);
    await p.fill('#bankCode', 'HDFC');
  }

  const wrongOtpFor = (agent: Agent) => (h.sim.currentOtp(agent.userCode) === '000000' ? '111111' : '000000');
  const sendOtpCalls = (agent: Agent) =>
    h.sim.ledger().filter((e) => e.step === 'sendOtp' && e.userCode === agent.userCode && e.code === '0').length;

  it('completes after a wrong OTP and a resend, and a poor capture and a good one', async () => {
    const agent = h.newAgent();
    const p = (page = await openAs(agent));
    await screenshot(p, 'e2e-01-start');

    // Start: the wait screen while Eko sends the OTP, then the OTP screen.
    h.sim.injectFault(agent.userCode, 'sendOtp', { kind: 'latency', ms: 2_500 });
    await fillStart(p, agent);
    await p.click('#start-submit');
    await visible(p, 'wait');
    expect(await p.textContent('#wait-title')).toBe('Sending the OTP…');
    await screenshot(p, 'e2e-02-sending-otp');
    await visible(p, 'otp');
    expect(await p.textContent('#otp-lead')).toContain(`******${agent.customerId.slice(-4)}`);
    expect(await p.textContent('#resend')).toMatch(/^Resend OTP in 0:[01]\d$/);
    await screenshot(p, 'e2e-03-otp');

    // A wrong OTP: a clear message and one attempt fewer.
    await p.fill('#otp', wrongOtpFor(agent));
    await p.click('#otp-submit');
    await p.waitForSelector('#otp-error:not([hidden])', { timeout: 45_000 });
    expect(await p.textContent('#otp-error')).toMatch(/That OTP is not correct/);
    expect(await p.textContent('#otp-attempts')).toBe('2 attempts left for this OTP.');
    await screenshot(p, 'e2e-04-otp-wrong');

    // Resend once the countdown ends: Eko sends a second OTP and the attempts are back to three.
    await p.waitForSelector('#resend:not([disabled])', { timeout: 30_000 });
    await p.click('#resend');
    await p.waitForSelector('#otp-notice:not([hidden])', { timeout: 45_000 });
    expect(sendOtpCalls(agent)).toBe(2);
    expect(await p.textContent('#otp-attempts')).toBe('3 attempts left for this OTP.');
    expect(await p.textContent('#resend-info')).toMatch(/2 resends left/);
    await screenshot(p, 'e2e-05-otp-resent');

    await p.fill('#otp', h.sim.currentOtp(agent.userCode)!);
    await p.click('#otp-submit');
    await visible(p, 'fingerprint');
    await p.waitForSelector('#device[data-state="ready"]');
    expect(await p.textContent('#device-status')).toBe('Scanner ready: SIMFP100');
    await screenshot(p, 'e2e-06-fingerprint');

    // Opened again from the agent app, the page resumes on the fingerprint screen and finds the scanner again.
    await reopenAs(p, agent);
    await visible(p, 'fingerprint');
    await p.waitForSelector('#capture:not([disabled])');

    // A poor capture cannot be submitted; the page asks for another.
    rd.setMode('poor');
    await p.click('#capture');
    await p.waitForSelector('#quality[data-band="blocked"]');
    expect(await p.textContent('#quality-score')).toBe('20 / 100');
    expect(await p.isHidden('#submit-fp')).toBe(true);
    expect(await p.textContent('#capture')).toBe('Capture again');
    await screenshot(p, 'e2e-07-capture-poor');

    rd.setMode('good');
    await p.click('#capture');
    await p.waitForSelector('#quality[data-band="good"]');
    expect(await p.textContent('#quality-score')).toBe('78 / 100');
    await screenshot(p, 'e2e-08-capture-good');

    h.sim.injectFault(agent.userCode, 'biometric', { kind: 'latency', ms: 2_000 });
    await p.click('#submit-fp');
    await p.waitForSelector('#submit-fp[aria-busy="true"]');
    await screenshot(p, 'e2e-09-submitting');
    await visible(p, 'result');
    expect(await p.textContent('#result-title')).toBe('eKYC completed');
    await screenshot(p, 'e2e-10-result');

    expect((await h.ekyc.status(agent.userCode)).stage).toBe('COMPLETED');
    expect(h.sim.agentState(agent.userCode)?.ekycCompletedAt).toEqual(expect.any(String));
    const submitted = h.sim.ledger().filter((e) => e.step === 'biometric' && e.userCode === agent.userCode);
    expect(submitted.map((e) => e.code)).toEqual(['0']);

    // Opened again, the page shows the agent's state after the eKYC: the date Daily KYC opens (NOT_YET_ELIGIBLE), and
    // nothing but the user code was kept in the browser.
    for (let i = 0; i < 200; i++) {
      const known = await h.ekyc.agentStatus(agent.userCode).then(
        (a) => a.state === 'WAITING_ELIGIBILITY',
        () => false,
      );
      if (known) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    await reopenAs(p, agent);
    await p.waitForSelector('section[data-screen="agent"][data-state="WAITING_ELIGIBILITY"]:not([hidden])', {
      timeout: 45_000,
    });
    expect(await p.textContent('#agent-title')).toBe('Daily KYC is not open yet');
    expect(await p.evaluate(() => ({ ...sessionStorage, ...localStorage }))).toEqual({
      'ekyc.userCode': agent.userCode,
    });
  });

  it('completes on a phone-sized screen', async () => {
    const agent = h.newAgent();
    const p = (page = await openAs(agent, { device: PHONE }));
    await screenshot(p, 'e2e-phone-01-start');
    await fillStart(p, agent);
    await p.click('#start-submit');
    await visible(p, 'otp');
    await screenshot(p, 'e2e-phone-02-otp');
    await p.fill('#otp', h.sim.currentOtp(agent.userCode)!);
    await p.click('#otp-submit');
    await visible(p, 'fingerprint');
    await p.waitForSelector('#capture:not([disabled])');
    rd.setMode('poor');
    await p.click('#capture');
    await p.waitForSelector('#quality[data-band="blocked"]');
    await screenshot(p, 'e2e-phone-03-capture-poor');
    rd.setMode('good');
    await p.click('#capture');
    await p.waitForSelector('#quality[data-band="good"]');
    await screenshot(p, 'e2e-phone-04-capture-good');
    await p.click('#submit-fp');
    await visible(p, 'result');
    await screenshot(p, 'e2e-phone-05-result');
    expect(await p.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
    expect((await h.ekyc.status(agent.userCode)).stage).toBe('COMPLETED');
  });
});
