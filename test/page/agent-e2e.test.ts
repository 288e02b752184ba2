// The agent page on the agent's lifecycle (fingpayAgent), in headless Chromium on the real stack: the Temporal dev
// server (globalSetup), an in-process worker with the real activities, the Eko simulator, the HTTP API serving the
// page (with EKO_DAILY_WADH set), and the RD-service simulator. In Hindi and English, on a 390×844 phone and a
// desktop: an eligible agent authenticates for today after a capture Eko refused and sees "done for today"; an agent
// inside the window after its eKYC sees the date Daily KYC opens; one whose attempts run out sees BLOCKED; one Eko sends
// back to eKYC sees REKYC_REQUIRED, starts the new eKYC from there, and waits for its new window. Every new screen is
// checked with axe-core (no serious or critical violation) and screenshotted: artifacts/screenshots/agent-*.png.
import { createHash } from 'node:crypto';
import type { BrowserContextOptions, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AGENT_CODE, type AgentPolicy } from '../../common/agent.js';
import { EKO_ERROR } from '../../common/eko-steps.js';
import { nextIstMidnight } from '../../common/ist.js';
import { REASON_BIOMETRIC, REASON_REKYC } from '../../sim/eko-shapes.js';
import type { RdServiceSimulator } from '../../sim/rd-sim.js';
import type { ClientHarness } from '../client/harness.js';
import type { Agent } from '../sim/eko-fixtures.js';
import { startLifecycle } from '../workflows/agent-harness.js';
import { seriousViolations } from './support/axe.js';
import { DESKTOP, openPage, PHONE_390, screenshot } from './support/browser.js';
import { startPageStack, type PageStack } from './support/stack.js';

const DAY = 86_400_000;
/** The deployment's Daily KYC wadh (EKO_DAILY_WADH), unlike the eKYC's: the page must ask the RD service for it. */
const DAILY_WADH = createHash('sha256').update('daily-kyc-wadh-for-the-page-test').digest('base64');
const EKYC_WADH = 'E0jzJ/P8UopUHAieZn8CKqS4WPMi5ZSYXgfnlfkWjrc=';
/** What the page formats dates with (app.js): a whole date; a date with its time. */
const LONG_DATE = { dateStyle: 'long' } as const;
const DATE_TIME = { dateStyle: 'full', timeStyle: 'short' } as const;

type Lang = 'hi' | 'en';
type Catalogue = Record<string, string | { one: string; other: string }>;
const load = async (lang: string): Promise<Catalogue> =>
  (
    (await import(/* @vite-ignore */ new URL(`../../api/public/i18n/${lang}.js`, import.meta.url).href)) as {
      default: Catalogue;
    }
  ).default;

/** Texts a catalogue key would show as (a key no catalogue has shows as itself). */
const RAW_KEY = /\b(?:daily|agent|quality|fp|device|code|result|footer)\.[A-Za-z]/;

const COMBOS: [lang: Lang, device: 'phone' | 'desktop', options: BrowserContextOptions][] = [
  ['hi', 'phone', { ...PHONE_390, locale: 'hi-IN' }],
  ['en', 'phone', { ...PHONE_390, locale: 'en-IN' }],
  ['hi', 'desktop', { ...DESKTOP, locale: 'hi-IN' }],
  ['en', 'desktop', { ...DESKTOP, locale: 'en-US' }],
];
const LOCALE: Record<Lang, string> = { hi: 'hi-IN', en: 'en-IN' };

describe('the Daily KYC messages', () => {
  it('say what to do for every code a Daily KYC can be refused with, in Hindi and English', async () => {
    const [en, hi] = [await load('en'), await load('hi')];
    const refusals = [
      ...Object.values(AGENT_CODE).filter((c) => c !== AGENT_CODE.alreadyAuthenticated),
      EKO_ERROR.DetailsRejected,
      EKO_ERROR.ReauthRequired,
      EKO_ERROR.RekycRequired,
      EKO_ERROR.UnknownAgent,
      EKO_ERROR.AgentNotAllowed,
    ];
    for (const catalogue of [en, hi]) {
      // The capture's refusals share one message (app.js DAILY_RECAPTURE); each other code has its own.
      expect(catalogue['daily.rejected']).toBeDefined();
      for (const code of refusals) {
        expect(catalogue[`daily.code.${code}`] ?? catalogue[`code.${code}`], code).toBeDefined();
      }
    }
  });
});

describe('the agent page on the agent lifecycle, end to end', () => {
  let stack: PageStack;
  let page: Page | undefined;
  // The stack's parts used on every other line.
  let h: ClientHarness, rd: RdServiceSimulator, apiUrl: string;
  const cat: Partial<Record<Lang, Catalogue>> = {};

  beforeAll(async () => {
    stack = await startPageStack({ dailyWadh: DAILY_WADH });
    [h, rd, apiUrl] = [stack.h, stack.rd, stack.apiUrl];
    [cat.en, cat.hi] = [await load('en'), await load('hi')];
  });
  afterAll(() => stack?.close());
  afterEach(async () => {
    await page?.context().close();
    page = undefined;
    rd.setMode('good');
  });

  /** A catalogue text with its placeholders filled (numbers as they are: the tests use small ones). */
  function text(lang: Lang, key: string, params: Record<string, string | number> = {}): string {
    let value = cat[lang]![key];
    if (value === undefined) throw new Error(`no ${key} in ${lang}`);
    if (typeof value === 'object') {
      value = new Intl.PluralRules(LOCALE[lang]).select(Number(params.n)) === 'one' ? value.one : value.other;
    }
    return value.replace(/\{(\w+)\}/g, (whole, name: string) => String(params[name] ?? whole));
  }

  /** An agent whose eKYC completed `daysAgo` days ago (in Eko's records too), its lifecycle started as that does. */
  async function agentWithEkyc(daysAgo: number, policy?: Partial<AgentPolicy>): Promise<Agent> {
    const agent = h.newAgent();
    const completedAt = Date.now() - daysAgo * DAY;
    h.sim.updateAgent(agent.userCode, { ekycCompletedAt: new Date(completedAt).toISOString() });
    await startLifecycle(h.ekyc.client, h.taskQueue, agent, completedAt, policy);
    for (let i = 0; i < 200; i++) {
      const known = await h.ekyc.agentStatus(agent.userCode).then(
        (s) => s.ekycCompletedAt !== null,
        () => false,
      );
      if (known) return agent;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error('the lifecycle did not learn of the eKYC');
  }

  /** The page as the agent app opens it, with the agent's own token. */
  async function openAs(agent: Agent, options: BrowserContextOptions): Promise<Page> {
    const p = (page ??= await openPage(stack.browser, { scanner: { port: rd.port }, device: options }));
    await p.goto('about:blank');
    await p.goto(`${apiUrl}/#token=${await stack.issuer.agentToken(agent.userCode)}`);
    return p;
  }

  const screen = (p: Page, name: string, state?: string) =>
    p.waitForSelector(`section[data-screen="${name}"]${state ? `[data-state="${state}"]` : ''}:not([hidden])`, {
      timeout: 45_000,
    });

  /** Every check of one new screen: its language, no raw key or provider text, axe-core, a screenshot. */
  async function check(p: Page, lang: Lang, device: string, name: string) {
    expect(await p.getAttribute('html', 'lang')).toBe(lang);
    const body = await p.locator('body').innerText();
    expect(body).not.toMatch(RAW_KEY);
    for (const raw of [REASON_BIOMETRIC, REASON_REKYC, 'Invalid Biometric', '1714', 'Transaction Not Completed']) {
      expect(body, name).not.toContain(raw);
    }
    if (lang === 'hi') expect(body).toMatch(/[\u0900-\u097f]{3}/);
    // The eKYC's steps mean nothing here.
    expect(await p.isHidden('#steps')).toBe(true);
    // Nothing pushes the page sideways (a long reference wraps).
    expect(await p.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), name).toBe(true);
    expect(await seriousViolations(p), `${lang} ${device} ${name}`).toEqual([]);
    await screenshot(p, `agent-${lang}-${device}-${name}`);
  }

  /** How the page formats `at` (ISO or ms) in `lang`, computed by the browser's own Intl. */
  const formatted = (p: Page, lang: Lang, at: string | number, options: Intl.DateTimeFormatOptions) =>
    p.evaluate(
      ([locale, iso, opts]) =>
        new Intl.DateTimeFormat(locale as string, { timeZone: 'Asia/Kolkata', ...(opts as object) }).format(
          new Date(iso as string),
        ),
      [LOCALE[lang], new Date(at).toISOString(), options] as const,
    );

  /**
   * The next Daily KYC request reaches Eko as a capture UIDAI refuses (the scanner rated it fine, the match failed):
   * its qScore is lowered on the way, so the simulator answers 1714 "Authentication Failed. Invalid Biometric data.".
   */
  async function refuseNextCapture(p: Page, agent: Agent) {
    const url = `${apiUrl}/v1/agents/${agent.userCode}/daily-auth`;
    await p.route(
      url,
      async (route) => {
        const body = route.request().postDataJSON() as { aadhaar: string; pidData: string };
        const pidData = body.pidData.replace(/qScore="\d+"/, 'qScore="10"');
        expect(pidData).not.toBe(body.pidData);
        await route.continue({ postData: JSON.stringify({ ...body, pidData }) });
      },
      { times: 1 },
    );
  }

  /** Type the Aadhaar number, capture (good quality), press the submit button. */
  async function captureAndSubmit(p: Page, agent: Agent) {
    await p.fill('#aadhaar', agent.aadhaar);
    await p.waitForSelector('#capture:not([disabled]):not([hidden])', { timeout: 45_000 });
    await p.click('#capture');
    await p.waitForSelector('#quality[data-band="good"]');
    await p.click('#submit-fp');
  }

  const dailyCalls = (agent: Agent) =>
    h.sim.ledger().filter((e) => e.step === 'dailyKyc' && e.userCode === agent.userCode);

  it.each(COMBOS)(
    '%s on a %s: authenticates for today after a refused capture, then "done for today"',
    async (lang, device, options) => {
      const agent = await agentWithEkyc(4);
      const p = await openAs(agent, options);
      await screen(p, 'daily');
      expect(await p.textContent('#screen-daily h2')).toBe(text(lang, 'daily.title'));
      // The Aadhaar field of the eKYC's form, on this screen.
      expect(await p.isVisible('#screen-daily #aadhaar')).toBe(true);
      await p.waitForSelector('#device[data-state="ready"]');
      expect(await p.textContent('#fp-attempts')).toBe(text(lang, 'daily.attemptsLeft', { n: 3 }));
      expect(await p.textContent('#submit-fp')).toBe(text(lang, 'daily.submit'));
      expect(await p.textContent('#footer')).toBe(text(lang, 'footer.daily'));
      await check(p, lang, device, 'daily');

      // The Aadhaar number is judged by the server's rule before anything is sent; the capture is kept.
      await p.fill('#aadhaar', agent.aadhaar.slice(0, 11) + ((Number(agent.aadhaar[11]) + 1) % 10));
      await p.click('#capture');
      await p.waitForSelector('#quality[data-band="good"]');
      expect(await p.textContent('#quality-text')).toBe(text(lang, 'quality.goodDaily'));
      await p.click('#submit-fp');
      await p.waitForSelector('#aadhaar-error:not([hidden])');
      expect(await p.textContent('#aadhaar-error')).toBe(text(lang, 'rule.aadhaarChecksum'));
      expect(await p.getAttribute('#aadhaar', 'aria-invalid')).toBe('true');
      expect(await p.evaluate(() => document.activeElement?.id)).toBe('aadhaar');
      await check(p, lang, device, 'daily-aadhaar-error');
      await p.fill('#aadhaar', agent.aadhaar);
      expect(await p.isHidden('#aadhaar-error')).toBe(true);
      expect(dailyCalls(agent)).toEqual([]);

      // Eko refuses the capture: what to do next, the attempts left and a reference; never Eko's words.
      await refuseNextCapture(p, agent);
      await p.click('#submit-fp');
      await p.waitForSelector('#fp-error:not([hidden])', { timeout: 45_000 });
      const refused = (await p.textContent('#fp-error'))!;
      expect(refused).toContain(text(lang, 'daily.rejected'));
      expect(refused).toMatch(new RegExp(`EkoBiometricRejected/${agent.userCode}/\\d{8}-\\d{4}`));
      expect(await p.textContent('#fp-attempts')).toBe(text(lang, 'daily.attemptsLeft', { n: 2 }));
      await p.waitForSelector('#capture:not([hidden]):not([disabled])');
      expect(await p.textContent('#capture')).toBe(text(lang, 'fp.captureAgain'));
      await check(p, lang, device, 'daily-refused');

      // A good capture: done for today, until midnight IST, the date through Intl in the page's language.
      await captureAndSubmit(p, agent);
      await screen(p, 'agent', 'AUTHENTICATED');
      expect(await p.textContent('#agent-title')).toBe(text(lang, 'agent.AUTHENTICATED.title'));
      const status = await h.ekyc.agentStatus(agent.userCode);
      expect(status).toMatchObject({ state: 'AUTHENTICATED', canTransact: true });
      const today = await formatted(p, lang, `${status.today.date}T12:00:00+05:30`, LONG_DATE);
      const at = await formatted(p, lang, status.today.authenticatedAt!, { timeStyle: 'short' });
      expect(await p.textContent('#agent-text')).toBe(
        text(lang, 'agent.AUTHENTICATED.text', { time: at, date: today }),
      );
      expect(await p.textContent('#agent-next')).toBe(text(lang, 'agent.AUTHENTICATED.next'));
      expect(await p.textContent('#agent-ref-code')).toMatch(
        new RegExp(`^AUTHENTICATED/${agent.userCode}/\\d{8}-\\d{4}$`),
      );
      expect(await p.evaluate(() => document.activeElement?.id)).toBe('agent-title');
      await check(p, lang, device, 'done');

      // Two captures, each with the Daily KYC wadh; Eko was asked twice (the refusal, the success), never with the
      // wrong Aadhaar number.
      expect(dailyCalls(agent)).toHaveLength(2);
      expect(h.sim.agentState(agent.userCode)?.dailyAuthDay).toBe(status.today.date);
      expect(rd.captures.slice(-2).map((c) => c.wadh)).toEqual([DAILY_WADH, DAILY_WADH]);

      // Opened again from the agent app: straight to "done for today"; the Aadhaar number was never kept.
      await openAs(agent, options);
      await screen(p, 'agent', 'AUTHENTICATED');
      const kept = await p.evaluate(() => JSON.stringify({ ...sessionStorage, ...localStorage }));
      expect(kept).not.toContain(agent.aadhaar);

      // A cash withdrawal got FP069: today's Daily KYC is asked again, and the page says why.
      await h.ekyc.invalidateDailyAuth(agent.userCode, 'FP069');
      for (let i = 0; i < 200 && (await h.ekyc.agentStatus(agent.userCode)).state !== 'AUTH_REQUIRED'; i++) {
        await new Promise((r) => setTimeout(r, 100));
      }
      await openAs(agent, options);
      await screen(p, 'daily');
      expect(await p.textContent('#daily-again')).toBe(text(lang, 'daily.again'));
      expect(await p.inputValue('#aadhaar')).toBe('');
      await check(p, lang, device, 'daily-again');
    },
  );

  it.each(COMBOS)(
    '%s on a %s: NOT_YET_ELIGIBLE shows the date; BLOCKED and REKYC_REQUIRED the reason and the next step',
    async (lang, device, options) => {
      // Inside the window after the eKYC: the date Daily KYC opens, and Eko is not asked.
      const waiting = await agentWithEkyc(1);
      let p = await openAs(waiting, options);
      await screen(p, 'agent', 'WAITING_ELIGIBILITY');
      const { eligibleAt } = await h.ekyc.agentStatus(waiting.userCode);
      const opens = await formatted(p, lang, eligibleAt!, DATE_TIME);
      expect(await p.textContent('#agent-title')).toBe(text(lang, 'agent.WAITING_ELIGIBILITY.title'));
      expect(await p.textContent('#agent-text')).toBe(text(lang, 'agent.WAITING_ELIGIBILITY.text', { when: opens }));
      expect(await p.textContent('#agent-next')).toBe(text(lang, 'agent.WAITING_ELIGIBILITY.next'));
      expect(await p.textContent('#agent-ref-code')).toMatch(/^NOT_YET_ELIGIBLE\/\d{8}\/\d{8}-\d{4}$/);
      expect(await p.isHidden('#agent-ekyc')).toBe(true);
      await check(p, lang, device, 'not-yet-eligible');
      expect(dailyCalls(waiting)).toEqual([]);
      // Switching the language says it again, the date formatted anew in the other language.
      const other: Lang = lang === 'hi' ? 'en' : 'hi';
      await p.selectOption('#lang', other);
      const opensOther = await formatted(p, other, eligibleAt!, DATE_TIME);
      expect(await p.textContent('#agent-text')).toBe(
        text(other, 'agent.WAITING_ELIGIBILITY.text', { when: opensOther }),
      );
      await p.selectOption('#lang', lang);

      // One attempt a day (EKYC_DAILY_AUTH_MAX_ATTEMPTS=1 for this agent), refused: blocked until midnight IST.
      const blocked = await agentWithEkyc(4, { maxAttempts: 1 });
      p = await openAs(blocked, options);
      await screen(p, 'daily');
      expect(await p.textContent('#fp-attempts')).toBe(text(lang, 'daily.attemptsLeft', { n: 1 }));
      await refuseNextCapture(p, blocked);
      await captureAndSubmit(p, blocked);
      await screen(p, 'agent', 'BLOCKED');
      const midnight = await formatted(p, lang, nextIstMidnight(Date.now()), DATE_TIME);
      expect(await p.textContent('#agent-title')).toBe(text(lang, 'agent.BLOCKED.title'));
      expect(await p.textContent('#agent-text')).toBe(text(lang, 'agent.BLOCKED.text', { n: 1 }));
      expect(await p.textContent('#agent-next')).toBe(text(lang, 'agent.BLOCKED.next', { when: midnight }));
      expect(await p.textContent('#agent-ref-code')).toMatch(
        new RegExp(`^DAILY_AUTH_BLOCKED/${blocked.userCode}/\\d{8}-\\d{4}$`),
      );
      expect(await p.evaluate(() => document.activeElement?.id)).toBe('agent-title');
      await check(p, lang, device, 'blocked');
      expect(dailyCalls(blocked)).toHaveLength(1);

      // Eko does not answer (HTTP 503) for the whole step: try again later, nothing used up, never a raw error.
      const down = await agentWithEkyc(4, { ekoStepTimeout: '5s' });
      h.sim.injectFault(down.userCode, 'dailyKyc', { kind: 'http503', times: 1000 });
      p = await openAs(down, options);
      await screen(p, 'daily');
      await captureAndSubmit(p, down);
      await p.waitForSelector('#fp-error:not([hidden])', { timeout: 45_000 });
      const unavailable = (await p.textContent('#fp-error'))!;
      expect(unavailable).toContain(text(lang, 'code.EKO_UNAVAILABLE'));
      expect(unavailable).toMatch(new RegExp(`EKO_UNAVAILABLE/${down.userCode}/\\d{8}-\\d{4}`));
      expect(await p.textContent('#fp-attempts')).toBe(text(lang, 'daily.attemptsLeft', { n: 3 }));
      await check(p, lang, device, 'daily-eko-down');

      // Eko says "Please complete bank eKYC": the reason, and the new eKYC offered.
      const rekyc = await agentWithEkyc(4);
      h.sim.updateAgent(rekyc.userCode, { rekycRequired: true });
      p = await openAs(rekyc, options);
      await screen(p, 'daily');
      await captureAndSubmit(p, rekyc);
      await screen(p, 'agent', 'REKYC_REQUIRED');
      expect(await p.textContent('#agent-title')).toBe(text(lang, 'agent.REKYC_REQUIRED.title'));
      expect(await p.textContent('#agent-text')).toBe(text(lang, 'agent.REKYC_REQUIRED.text'));
      expect(await p.textContent('#agent-next')).toBe(text(lang, 'agent.REKYC_REQUIRED.next'));
      expect(await p.textContent('#agent-ekyc')).toBe(text(lang, 'agent.startEkyc'));
      expect(await p.isVisible('#agent-ekyc')).toBe(true);
      await check(p, lang, device, 'rekyc');
      // The button leads to the eKYC's details, the user code from the token.
      await p.click('#agent-ekyc');
      await screen(p, 'start');
      expect(await p.inputValue('#userCode')).toBe(rekyc.userCode);
      expect(await p.isVisible('#steps')).toBe(true);
    },
  );

  it('REKYC_REQUIRED: the new eKYC from the page, after which Daily KYC waits for its new window', async () => {
    const agent = await agentWithEkyc(10);
    h.sim.updateAgent(agent.userCode, { rekycRequired: true });
    const p = await openAs(agent, { ...DESKTOP, locale: 'en-IN' });
    await screen(p, 'daily');
    await captureAndSubmit(p, agent);
    await screen(p, 'agent', 'REKYC_REQUIRED');
    await p.click('#agent-ekyc');
    await screen(p, 'start');
    await p.fill('#customerId', agent.customerId);
    await p.fill('#aadhaar', agent.aadhaar);
    await p.fill('#bankCode', 'HDFC');
    await p.click('#start-submit');
    await screen(p, 'otp');
    await p.fill('#otp', h.sim.currentOtp(agent.userCode)!);
    await p.click('#otp-submit');
    await screen(p, 'fingerprint');
    await p.waitForSelector('#capture:not([disabled])');
    await p.click('#capture');
    await p.waitForSelector('#quality[data-band="good"]');
    // The eKYC captures with its own wadh, whatever EKO_DAILY_WADH is.
    expect(rd.captures.at(-1)?.wadh).toBe(EKYC_WADH);
    await p.click('#submit-fp');
    await screen(p, 'result');
    expect(await p.textContent('#result-title')).toBe('eKYC completed');

    // The lifecycle learns of the new eKYC; opened again, the page shows when Daily KYC opens after it.
    let status = await h.ekyc.agentStatus(agent.userCode);
    for (let i = 0; i < 200 && status.state !== 'WAITING_ELIGIBILITY'; i++) {
      await new Promise((r) => setTimeout(r, 100));
      status = await h.ekyc.agentStatus(agent.userCode);
    }
    expect(status.state).toBe('WAITING_ELIGIBILITY');
    expect(Date.parse(status.eligibleAt!)).toBeGreaterThan(Date.now() + 2 * DAY);
    await openAs(agent, { ...DESKTOP, locale: 'en-IN' });
    await screen(p, 'agent', 'WAITING_ELIGIBILITY');
    expect(await p.textContent('#agent-text')).toContain(await formatted(p, 'en', status.eligibleAt!, DATE_TIME));
    await screenshot(p, 'agent-en-desktop-after-rekyc');
  });
});
