// The agent page in headless Chromium against a fake API (test/page/support/fake-api.ts) and the real RD-service
// simulator: the page's own behaviour, each stage on demand. The whole flow on the real stack is e2e.test.ts.
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { verhoeffCheckDigit } from '../../common/verhoeff.js';
import { RdServiceSimulator } from '../../sim/rd-sim.js';
import { FakeApi } from './support/fake-api.js';
import { launchBrowser, openPage, PHONE, screenshot, type ScannerPort } from './support/browser.js';

const USER_CODE = '31415926';
const MOBILE = '9876543210';
const AADHAAR = ((body: string) => body + verhoeffCheckDigit(body))('27182818284');
const TOKEN = 'header.eyJzY29wZSI6ImVreWM6YWdlbnQifQ.signature';

const visible = (page: Page, screen: string) =>
  page.waitForSelector(`section[data-screen="${screen}"]:not([hidden])`, { timeout: 20_000 });

async function fillStart(page: Page, overrides: Partial<Record<string, string>> = {}) {
  const values = { userCode: USER_CODE, customerId: MOBILE, aadhaar: AADHAAR, bankCode: 'hdfc', ...overrides };
  for (const [id, value] of Object.entries(values)) await page.fill(`#${id}`, value);
}

/**
 * The agent opens the page again from the agent app (a new document with a fresh `#token=…`): the page keeps no
 * token, so this, not a reload, is how an agent comes back to a session.
 */
async function reopen(page: Page, api: FakeApi) {
  await page.goto('about:blank');
  await page.goto(`${api.url}/#token=${TOKEN}`);
}

async function startSession(page: Page, api: FakeApi) {
  await page.goto(`${api.url}/#token=${TOKEN}`);
  await visible(page, 'start');
  // No location yet: sending the form asks the browser for it (granted in these tests).
  await fillStart(page);
  await page.click('#start-submit');
  await visible(page, 'otp');
}

describe('agent page against a fake API', () => {
  let browser: Browser;
  let rd: RdServiceSimulator;
  let api: FakeApi;
  let page: Page | undefined;

  beforeAll(async () => {
    browser = await launchBrowser();
    rd = await RdServiceSimulator.start();
  });
  afterAll(async () => {
    await browser?.close();
    await rd?.stop();
  });
  afterEach(async () => {
    await page?.context().close();
    page = undefined;
    await api?.stop();
    rd.setMode('good');
  });

  const open = async (options: Parameters<typeof openPage>[1] = {}, apiOptions = {}) => {
    api = await FakeApi.start(apiOptions);
    page = await openPage(browser, { scanner: { port: rd.port }, ...options });
    return page;
  };

  it('asks for a sign-in from the agent app when opened without a token', async () => {
    const p = await open();
    await p.goto(`${api.url}/`);
    await visible(p, 'notoken');
    expect(await p.innerText('#notoken-message')).toMatch(/open eKYC again/);
    expect(api.requests.filter((r) => r.path.startsWith('/v1/'))).toEqual([]);
  });

  it('takes the token out of the URL at once and keeps it in memory only, and still calls the API with it', async () => {
    const p = await open();
    await p.goto(`${api.url}/#token=${TOKEN}`);
    await visible(p, 'start');
    const cdp = await p.context().newCDPSession(p);
    const traces = async () => ({
      href: await p.evaluate(() => location.href),
      url: p.url(),
      // The tab's back/forward list, which the browser also writes to its session files.
      history: ((await cdp.send('Page.getNavigationHistory')) as { entries: { url: string }[] }).entries.map(
        (e) => e.url,
      ),
      storage: await p.evaluate(() => JSON.stringify({ ...sessionStorage }) + JSON.stringify({ ...localStorage })),
      cookies: await p.evaluate(() => document.cookie),
    });
    const atLoad = await traces();
    expect(atLoad.href).toBe(`${api.url}/`);
    expect(atLoad.url).toBe(`${api.url}/`);
    expect(atLoad.history.filter((u) => u.includes(TOKEN) || u.includes('token='))).toEqual([]);
    expect(atLoad.history.at(-1)).toBe(`${api.url}/`);
    expect(atLoad.storage.includes(TOKEN)).toBe(false);
    expect(atLoad.cookies).toBe('');

    // The page still works: the session starts with the token as the bearer, and still nothing holds it.
    await fillStart(p);
    await p.click('#start-submit');
    await visible(p, 'otp');
    const v1 = api.requests.filter((r) => r.path.startsWith('/v1/'));
    expect(v1.length).toBeGreaterThan(0);
    expect(v1.every((r) => r.bearer === TOKEN)).toBe(true);
    const afterStart = await traces();
    expect([afterStart.href, ...afterStart.history].some((u) => u.includes('token'))).toBe(false);
    expect(afterStart.storage.includes(TOKEN)).toBe(false);
    await cdp.detach();
  });

  it('after a reload asks the agent to open eKYC again from the agent app, and a fresh #token resumes', async () => {
    const p = await open();
    await startSession(p, api);
    const before = api.requests.length;
    await p.reload();
    await visible(p, 'notoken');
    expect(await p.innerText('#notoken-message')).toMatch(/reloaded.*open eKYC again.*continues where you left it/s);
    expect(api.requests.slice(before).filter((r) => r.path.startsWith('/v1/'))).toEqual([]);
    await screenshot(p, 'page-reloaded-signed-out');
    // The agent app opens the link again in the same tab: a same-document #token=… navigation.
    await p.goto(`${api.url}/#token=${TOKEN}`);
    await visible(p, 'otp');
    expect(await p.textContent('#otp-lead')).toContain('******3210');
    expect(await p.evaluate(() => location.href)).toBe(`${api.url}/`);
  });

  it('checks the start form with the server rules in the page and names each broken field', async () => {
    const p = await open();
    await p.goto(`${api.url}/#token=${TOKEN}`);
    await visible(p, 'start');
    const wrongCheckDigit = AADHAAR.slice(0, 11) + ((Number(AADHAAR[11]) + 1) % 10);
    await fillStart(p, { userCode: '1234', customerId: '5123456789', aadhaar: wrongCheckDigit, bankCode: 'H' });
    await p.click('#start-submit');
    // Sending first asks the browser for the location (none is set yet), then checks the form: wait for the check.
    await p.locator('#userCode-error').waitFor({ state: 'visible' });
    expect(await p.textContent('#userCode-error')).toMatch(/8-digit agent user code/);
    expect(await p.textContent('#customerId-error')).toMatch(/starts with 6, 7, 8 or 9/);
    expect(await p.textContent('#aadhaar-error')).toMatch(/not a valid Aadhaar number/);
    expect(await p.textContent('#bankCode-error')).toMatch(/bank code/);
    expect(await p.getAttribute('#aadhaar', 'aria-invalid')).toBe('true');
    expect(await p.evaluate(() => document.activeElement?.id)).toBe('userCode');
    await screenshot(p, 'page-start-errors');
    expect(api.requests.some((r) => r.path === '/v1/ekyc')).toBe(false);
  });

  it('masks the Aadhaar number, groups it as on the card, and shows it only on request', async () => {
    const p = await open();
    await p.goto(`${api.url}/#token=${TOKEN}`);
    await visible(p, 'start');
    await p.type('#aadhaar', AADHAAR);
    // Masked by CSS: the field is never type=password (see the next test).
    const masking = () => p.$eval('#aadhaar', (el) => getComputedStyle(el).getPropertyValue('-webkit-text-security'));
    expect(await masking()).toBe('disc');
    expect(await p.inputValue('#aadhaar')).toMatch(/^\d{4} \d{4} \d{4}$/);
    await p.click('#aadhaar-toggle');
    expect(await masking()).toBe('none');
    expect(await p.getAttribute('#aadhaar-toggle', 'aria-pressed')).toBe('true');
    await p.click('#aadhaar-toggle');
    expect(await masking()).toBe('disc');
    expect(await p.getAttribute('#aadhaar-toggle', 'aria-pressed')).toBe('false');
    expect(await p.getAttribute('#aadhaar', 'type')).toBe('text');
  });

  it('is not a sign-in form to a password manager: no password field, and autocomplete says what each field is', async () => {
    const p = await open();
    await p.goto(`${api.url}/#token=${TOKEN}`);
    await visible(p, 'start');
    // A password field is what makes Chrome's password manager offer to save the form as a login (the Aadhaar
    // number as the password, the mobile or user code as the username).
    expect(await p.$$eval('#start-form input[type="password" i]', (els) => els.length)).toBe(0);
    const autocomplete = await p.$$eval('#start-form input, #otp-form input', (els) =>
      Object.fromEntries(els.map((el) => [el.id, el.getAttribute('autocomplete')])),
    );
    expect(autocomplete).toEqual({
      userCode: 'off',
      customerId: 'tel-national',
      aadhaar: 'off',
      bankCode: 'off',
      latlong: 'off',
      otp: 'one-time-code',
    });
    for (const id of ['userCode', 'customerId', 'aadhaar', 'bankCode', 'latlong']) {
      expect(['username', 'current-password', 'new-password']).not.toContain(autocomplete[id]);
    }
    // Third-party password managers' own "not a credential" markers (1Password, LastPass, Bitwarden).
    for (const attribute of ['data-1p-ignore', 'data-lpignore', 'data-bwignore']) {
      expect(await p.getAttribute('#aadhaar', attribute)).not.toBeNull();
    }
  });

  it('labels every field of the start form', async () => {
    const p = await open();
    await p.goto(`${api.url}/#token=${TOKEN}`);
    await visible(p, 'start');
    for (const [label, id] of [
      ['Agent user code', 'userCode'],
      ['Registered mobile number', 'customerId'],
      ['Aadhaar number', 'aadhaar'],
      ['Bank code', 'bankCode'],
      ['Latitude, longitude', 'latlong'],
    ]) {
      expect(await p.getByLabel(label, { exact: true }).getAttribute('id')).toBe(id);
    }
  });

  it('sends the geolocation fix, the digits and the upper-cased bank code to start the session', async () => {
    const p = await open();
    const body = new Promise<Record<string, string>>((resolve) =>
      p.on('request', (r) => r.url().endsWith('/v1/ekyc') && resolve(r.postDataJSON())),
    );
    await startSession(p, api);
    const sent = await body;
    expect(sent.userCode).toBe(USER_CODE);
    expect(sent.bankCode).toBe('HDFC');
    expect(sent.latlong).toBe('28.613900,77.209000');
    expect(sent.aadhaar === AADHAAR).toBe(true);
  });

  it('offers a typed location when the browser refuses geolocation, and starts with it', async () => {
    const p = await open({ geolocation: false });
    await p.goto(`${api.url}/#token=${TOKEN}`);
    await visible(p, 'start');
    await p.click('#locate');
    await p.waitForSelector('#manual-location:not([hidden])');
    expect(await p.textContent('#location-status')).toMatch(/refused|could not be found/);
    await screenshot(p, 'page-start-manual-location');
    await fillStart(p);
    await p.fill('#latlong', '19.076000,72.877700');
    await p.click('#start-submit');
    await visible(p, 'otp');
  });

  it('keeps only the user code in browser storage, and clears the Aadhaar and mobile fields once sent', async () => {
    const p = await open();
    await startSession(p, api);
    const stored = await p.evaluate(() => ({
      session: { ...sessionStorage },
      local: { ...localStorage },
      cookies: document.cookie,
    }));
    expect(stored).toEqual({ session: { 'ekyc.userCode': USER_CODE }, local: {}, cookies: '' });
    expect(await p.inputValue('#aadhaar')).toBe('');
    expect(await p.inputValue('#customerId')).toBe('');
  });

  it('shows the mobile hint and the attempts left, and resumes on the OTP screen when opened again', async () => {
    const p = await open();
    await startSession(p, api);
    expect(await p.textContent('#otp-lead')).toContain('******3210');
    expect(await p.textContent('#otp-attempts')).toBe('3 attempts left for this OTP.');
    await reopen(p, api);
    await visible(p, 'otp');
    expect(await p.textContent('#otp-lead')).toContain('******3210');
  });

  it('says a wrong OTP is not correct and counts the attempts down', async () => {
    const p = await open();
    await startSession(p, api);
    const wrong = api.otpOf(USER_CODE) === '000000' ? '111111' : '000000';
    await p.fill('#otp', wrong);
    await p.press('#otp', 'Enter');
    await p.waitForSelector('#otp-error:not([hidden])');
    expect(await p.textContent('#otp-error')).toMatch(/not correct/);
    expect(await p.textContent('#otp-attempts')).toBe('2 attempts left for this OTP.');
  });

  it('counts down to the resend, then sends a new OTP and says so', async () => {
    const p = await open({}, { resendCooldownMs: 3000 });
    await startSession(p, api);
    expect(await p.isDisabled('#resend')).toBe(true);
    expect(await p.textContent('#resend')).toMatch(/^Resend OTP in 0:0[1-3]$/);
    await p.waitForSelector('#resend:not([disabled])', { timeout: 15_000 });
    await p.click('#resend');
    await p.waitForSelector('#otp-notice:not([hidden])');
    expect(await p.textContent('#otp-notice')).toMatch(/new OTP has been sent to \*+3210/);
    expect(await p.textContent('#resend-info')).toMatch(/2 resends left/);
    expect(await p.isDisabled('#resend')).toBe(true);
    expect(await p.isEnabled('#cancel')).toBe(true);
  });

  it('tells an expired OTP apart and disables verifying it', async () => {
    const p = await open();
    await startSession(p, api);
    api.setStage(USER_CODE, 'AWAITING_OTP', { otpExpired: true });
    await reopen(p, api);
    await visible(p, 'otp');
    expect(await p.textContent('#otp-error')).toMatch(/expired/);
    expect(await p.isDisabled('#otp-submit')).toBe(true);
  });

  it('is usable with the keyboard alone, from the first field to the OTP', async () => {
    const p = await open();
    await p.goto(`${api.url}/#token=${TOKEN}`);
    await visible(p, 'start');
    await p.focus('#userCode');
    await p.keyboard.type(USER_CODE);
    await p.keyboard.press('Tab');
    await p.keyboard.type(MOBILE);
    await p.keyboard.press('Tab');
    await p.keyboard.type(AADHAAR);
    await p.keyboard.press('Tab'); // the Show button
    await p.keyboard.press('Tab');
    await p.keyboard.type('sbin');
    await p.keyboard.press('Enter');
    await visible(p, 'otp');
    expect(await p.evaluate(() => document.activeElement?.tagName)).toBe('H2');
    await p.keyboard.press('Tab');
    expect(await p.evaluate(() => document.activeElement?.id)).toBe('otp');
  });

  it('says when no scanner is found, and finds it after searching again', async () => {
    const scanner: ScannerPort = { port: null };
    const p = await open({ scanner });
    await startSession(p, api);
    api.setStage(USER_CODE, 'AWAITING_BIOMETRIC');
    await reopen(p, api);
    await visible(p, 'fingerprint');
    await p.waitForSelector('#device[data-state="missing"]');
    expect(await p.textContent('#device-status')).toBe('No fingerprint scanner found.');
    expect(await p.isDisabled('#capture')).toBe(true);
    await screenshot(p, 'page-fingerprint-no-scanner');
    scanner.port = rd.port;
    await p.click('#rediscover');
    await p.waitForSelector('#device[data-state="ready"]');
    expect(await p.textContent('#device-status')).toBe('Scanner ready: SIMFP100');
    // The RD service's ids and the serial are for support: not on the card, one tap away.
    expect(await p.isVisible('#device-facts')).toBe(false);
    expect(await p.locator('#device').innerText()).not.toMatch(/EKYC\.SIM\.RD|\d{6,}/);
    await p.click('#device-more summary');
    expect(await p.locator('#device-facts').innerText()).toMatch(
      /Provider\s+EKYC\.SIM\s+RD service\s+EKYC\.SIM\.RD\.001 1\.0\.0\s+Serial number\s+\d+/,
    );
    expect(await p.isEnabled('#capture')).toBe(true);
  });

  it('says when the scanner is not ready', async () => {
    rd.setMode('notReady');
    const p = await open();
    await startSession(p, api);
    api.setStage(USER_CODE, 'AWAITING_BIOMETRIC');
    await reopen(p, api);
    await visible(p, 'fingerprint');
    await p.waitForSelector('#device[data-state="missing"]');
    expect(await p.textContent('#device-status')).toBe('The scanner is not ready.');
  });

  it("shows the scanner's error and lets the agent capture again", async () => {
    const p = await open();
    await startSession(p, api);
    api.setStage(USER_CODE, 'AWAITING_BIOMETRIC');
    await reopen(p, api);
    await visible(p, 'fingerprint');
    await p.waitForSelector('#capture:not([disabled])');
    rd.setMode('deviceError');
    await p.click('#capture');
    await p.waitForSelector('#fp-error:not([hidden])');
    // What to do, and the errCode as a reference; not the RD service's own errInfo.
    const error = await p.textContent('#fp-error');
    expect(error).toMatch(
      /^The scanner is not ready\. Check that it is plugged in, then capture again\. \(Ref: RD720\/31415926\/\d{8}-\d{4}\)$/,
    );
    expect(error).not.toMatch(/Device not ready/);
    expect(await p.isEnabled('#cancel')).toBe(true);
    expect(await p.isHidden('#submit-fp')).toBe(true);
    expect(await p.isEnabled('#capture')).toBe(true);
    await screenshot(p, 'page-fingerprint-device-error');
  });

  it('captures with the eKYC PidOptions: fType 2, format 0, pidVer 2.0, env P and the eKYC wadh', async () => {
    const p = await open();
    await startSession(p, api);
    api.setStage(USER_CODE, 'AWAITING_BIOMETRIC');
    await reopen(p, api);
    await visible(p, 'fingerprint');
    await p.waitForSelector('#capture:not([disabled])');
    const before = rd.captures.length;
    await p.click('#capture');
    await p.waitForSelector('#quality:not([hidden])');
    expect(rd.captures.slice(before)).toEqual([
      expect.objectContaining({
        fCount: '1',
        fType: '2',
        format: '0',
        pidVer: '2.0',
        timeout: '10000',
        posh: 'UNKNOWN',
        env: 'P',
        wadh: 'E0jzJ/P8UopUHAieZn8CKqS4WPMi5ZSYXgfnlfkWjrc=',
      }),
    ]);
  });

  it('shows a rejected fingerprint with the submissions left, and asks for another capture', async () => {
    const p = await open();
    await startSession(p, api);
    api.setStage(USER_CODE, 'AWAITING_BIOMETRIC');
    await reopen(p, api);
    await visible(p, 'fingerprint');
    await p.waitForSelector('#capture:not([disabled])');
    await p.click('#capture');
    await p.waitForSelector('#submit-fp:not([hidden])');
    api.rejectBiometrics = 1;
    await p.click('#submit-fp');
    await p.waitForSelector('#fp-error:not([hidden])');
    expect(await p.textContent('#fp-error')).toBe(
      'The fingerprint was not accepted. Clean the finger and the scanner and capture again.',
    );
    expect(await p.isHidden('#submit-fp')).toBe(true);
    expect(await p.textContent('#fp-attempts')).toBe('2 submissions left.');
    await screenshot(p, 'page-fingerprint-rejected');
    await p.click('#capture');
    await p.waitForSelector('#submit-fp:not([hidden])');
    await p.click('#submit-fp');
    await visible(p, 'result');
  });

  it('explains a failed session with its reason and offers to start again', async () => {
    const p = await open();
    await startSession(p, api);
    api.setStage(USER_CODE, 'FAILED', {
      lastError: { code: 'OTP_ATTEMPTS_EXHAUSTED', message: 'every OTP attempt was used' },
    });
    await reopen(p, api);
    await visible(p, 'result');
    expect(await p.textContent('#result-title')).toBe('eKYC did not go through');
    expect(await p.textContent('#result-text')).toBe(
      'The OTP was entered wrong too many times. Start again to get a new OTP.',
    );
    expect(await p.textContent('#result-ref-code')).toMatch(/^OTP_ATTEMPTS_EXHAUSTED\/31415926\/\d{8}-\d{4}$/);
    expect(await p.isVisible('#restart')).toBe(true);
    expect(await p.isHidden('#cancel-area')).toBe(true);
    expect(await p.locator('.steps li.done').count()).toBe(0);
    await screenshot(p, 'page-result-failed');
  });

  it('resumes on the fingerprint screen, and on the result, when opened again', async () => {
    const p = await open();
    await startSession(p, api);
    api.setStage(USER_CODE, 'AWAITING_BIOMETRIC');
    await reopen(p, api);
    await visible(p, 'fingerprint');
    api.setStage(USER_CODE, 'COMPLETED', { completedAt: new Date().toISOString() });
    await reopen(p, api);
    await visible(p, 'result');
    expect(await p.textContent('#result-title')).toBe('eKYC completed');
  });

  it('treats a refused token as an expired sign-in', async () => {
    const p = await open();
    await startSession(p, api);
    api.revokedTokens.add(TOKEN);
    await reopen(p, api);
    await visible(p, 'notoken');
    expect(await p.innerText('#notoken-message')).toMatch(/expired/);
  });

  it('cancels only after a confirmation, then offers to start again with the user code filled in', async () => {
    const p = await open();
    await startSession(p, api);
    await p.click('#cancel');
    await p.waitForSelector('#cancel-confirm:not([hidden])');
    expect(api.sessions.get(USER_CODE)?.status.stage).toBe('AWAITING_OTP');
    await p.click('#cancel-yes');
    await visible(p, 'result');
    expect(await p.textContent('#result-title')).toBe('eKYC cancelled');
    await p.click('#restart');
    await visible(p, 'start');
    expect(await p.inputValue('#userCode')).toBe(USER_CODE);
  });

  it('fits a phone-sized screen without sideways scrolling on every screen', async () => {
    const p = await open({ device: PHONE });
    const noSideScroll = () => p.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);
    await p.goto(`${api.url}/#token=${TOKEN}`);
    await visible(p, 'start');
    expect(await noSideScroll()).toBe(true);
    await fillStart(p);
    await p.click('#start-submit');
    await visible(p, 'otp');
    expect(await noSideScroll()).toBe(true);
    api.setStage(USER_CODE, 'AWAITING_BIOMETRIC');
    await visible(p, 'fingerprint');
    await p.waitForSelector('#capture:not([disabled])');
    await p.click('#capture');
    await p.waitForSelector('#submit-fp:not([hidden])');
    expect(await noSideScroll()).toBe(true);
    await p.click('#submit-fp');
    await visible(p, 'result');
    expect(await noSideScroll()).toBe(true);
    const fontSize = await p.evaluate(() =>
      parseFloat(getComputedStyle(document.getElementById('result-text')!).fontSize),
    );
    expect(fontSize).toBeGreaterThanOrEqual(16);
  });
});
