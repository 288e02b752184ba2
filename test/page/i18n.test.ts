// The agent page in Hindi and English (and a partial Marathi), on a 390×844 phone and on a desktop, against the fake
// API and the RD-service simulator: every screen in each language from the catalogues (nothing left in the other
// language, no raw key), no raw Eko or RD-service text, an axe-core check of every screen with no serious or
// critical violation, and the rough edges of issue 15. Screenshots: artifacts/screenshots/i18n-<lang>-<device>-*.png.
import type { Browser, BrowserContextOptions, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { verhoeffCheckDigit } from '../../common/verhoeff.js';
import { EKO_ERROR } from '../../common/eko-steps.js';
import { END_CODE, OUTCOME_CODE } from '../../workflows/messages.js';
import { RdServiceSimulator } from '../../sim/rd-sim.js';
import { FakeApi } from './support/fake-api.js';
import { seriousViolations } from './support/axe.js';
import { DESKTOP, launchBrowser, openPage, PHONE_390, screenshot } from './support/browser.js';

const USER_CODE = '31415926';
const MOBILE = '9876543210';
const AADHAAR = ((body: string) => body + verhoeffCheckDigit(body))('27182818284');
const TOKEN = 'header.eyJzY29wZSI6ImVreWM6YWdlbnQifQ.signature';
const RAW_EKO = 'Eko 463: User not found.';

type Catalogue = Record<string, string | { one: string; other: string }>;
const load = async (lang: string): Promise<Catalogue> =>
  (
    (await import(/* @vite-ignore */ new URL(`../../api/public/i18n/${lang}.js`, import.meta.url).href)) as {
      default: Catalogue;
    }
  ).default;

const visible = (page: Page, screen: string) =>
  page.waitForSelector(`section[data-screen="${screen}"]:not([hidden])`, { timeout: 20_000 });

/** Texts of the page a catalogue key would show as (a key no catalogue has shows as itself). */
const RAW_KEY =
  /\b(?:app|steps|field|location|start|rule|wait|otp|resend|fp|device|quality|rd|result|cancel|banner|code|notoken|loading|language)\.[A-Za-z]/;

const COMBOS: [lang: 'hi' | 'en', device: 'phone' | 'desktop', options: BrowserContextOptions][] = [
  ['hi', 'phone', { ...PHONE_390, locale: 'hi-IN' }],
  ['en', 'phone', { ...PHONE_390, locale: 'en-IN' }],
  ['hi', 'desktop', { ...DESKTOP, locale: 'hi-IN' }],
  ['en', 'desktop', { ...DESKTOP, locale: 'en-US' }],
];

describe('the message catalogues', () => {
  it('Hindi has every English key, with the same placeholders and plural forms', async () => {
    const [en, hi] = [await load('en'), await load('hi')];
    expect(Object.keys(hi).sort()).toEqual(Object.keys(en).sort());
    const holes = (v: Catalogue[string]) =>
      JSON.stringify((typeof v === 'string' ? [v] : [v.one, v.other]).map((s) => s.match(/\{\w+\}/g)?.sort() ?? []));
    for (const key of Object.keys(en)) {
      expect(holes(hi[key]), key).toBe(holes(en[key]));
      expect(typeof hi[key], key).toBe(typeof en[key]);
    }
    // Written in Devanagari, not in English with a Hindi label.
    const devanagari = Object.values(hi).filter((v) => /[\u0900-\u097f]/.test(JSON.stringify(v)));
    expect(devanagari.length / Object.keys(hi).length).toBeGreaterThan(0.9);
  });

  it('the partial Marathi catalogue has only known keys, and is partial', async () => {
    const [en, mr] = [await load('en'), await load('mr')];
    expect(Object.keys(mr).filter((k) => !(k in en))).toEqual([]);
    expect(Object.keys(mr).length).toBeLessThan(Object.keys(en).length);
  });

  it("says what to do for every code the workflow, the API and Eko's permanent verdicts can end with", async () => {
    const [en, hi] = [await load('en'), await load('hi')];
    const codes = [
      ...Object.values(OUTCOME_CODE),
      ...Object.values(END_CODE),
      EKO_ERROR.OtpRejected,
      EKO_ERROR.BiometricRejected,
      EKO_ERROR.UnknownAgent,
      EKO_ERROR.AgentNotAllowed,
      EKO_ERROR.DetailsRejected,
      EKO_ERROR.OutcomeUncertain,
      'RATE_LIMITED',
      'TEMPORAL_UNAVAILABLE',
      'ALREADY_COMPLETED',
    ];
    for (const code of codes) {
      expect(en[`code.${code}`], code).toBeDefined();
      expect(hi[`code.${code}`], code).toBeDefined();
    }
    // The others (the service's own set-up, transient failures) have the general advice.
    for (const key of ['code.support', 'code.transient', 'code.unknown']) expect(hi[key]).toBeDefined();
  });
});

describe('the agent page in Hindi and English', () => {
  let browser: Browser;
  let rd: RdServiceSimulator;
  let api: FastApiHolder;
  let page: Page | undefined;
  let en: Catalogue;
  let hi: Catalogue;

  type FastApiHolder = FakeApi | undefined;

  beforeAll(async () => {
    browser = await launchBrowser();
    rd = await RdServiceSimulator.start();
    [en, hi] = [await load('en'), await load('hi')];
  });
  afterAll(async () => {
    await browser?.close();
    await rd?.stop();
  });
  afterEach(async () => {
    await page?.context().close();
    page = undefined;
    await api?.stop();
    api = undefined;
    rd.setMode('good');
  });

  const open = async (device: BrowserContextOptions, { geolocation = true } = {}) => {
    api = await FakeApi.start();
    page = await openPage(browser, { scanner: { port: rd.port }, device, geolocation });
    // Count the page's requests for the location: it asks only when the agent needs to give it.
    await page.addInitScript(() => {
      const geo = navigator.geolocation;
      const ask = geo.getCurrentPosition.bind(geo);
      (window as unknown as { geoCalls: number }).geoCalls = 0;
      geo.getCurrentPosition = (...args: Parameters<Geolocation['getCurrentPosition']>) => {
        (window as unknown as { geoCalls: number }).geoCalls += 1;
        return ask(...args);
      };
    });
    return page;
  };

  /** Every check of one screen: its language, no raw key, nothing of the other language, axe, a screenshot. */
  async function check(p: Page, lang: 'hi' | 'en', device: string, name: string) {
    expect(await p.getAttribute('html', 'lang')).toBe(lang);
    const text = await p.locator('body').innerText();
    expect(text).not.toMatch(RAW_KEY);
    const [mine, other] = lang === 'hi' ? [hi, en] : [en, hi];
    // Any sentence of the other catalogue that differs from this one's would be an untranslated string.
    const foreign = Object.entries(other)
      .filter(([k, v]) => typeof v === 'string' && v !== mine[k] && v.length >= 12 && !v.includes('{'))
      .map(([, v]) => v as string)
      .filter((v) => text.includes(v));
    expect(foreign, name).toEqual([]);
    if (lang === 'hi') expect(text).toMatch(/[\u0900-\u097f]{3}/);
    expect(await seriousViolations(p), `${lang} ${device} ${name}`).toEqual([]);
    await screenshot(p, `i18n-${lang}-${device}-${name}`);
  }

  it.each(COMBOS)('%s on a %s: every screen, checked with axe-core', async (lang, device, options) => {
    const p = await open(options);
    const fake = api!;
    // Signed out.
    await p.goto(`${fake.url}/`);
    await visible(p, 'notoken');
    await check(p, lang, device, 'signed-out');

    // Details: the language from the browser, the switch visible; the location is not asked on opening.
    await p.goto(`${fake.url}/#token=${TOKEN}`);
    await visible(p, 'start');
    expect(await p.isVisible('#lang')).toBe(true);
    expect(await p.inputValue('#lang')).toBe(lang);
    expect(await p.textContent('#screen-start h2')).toBe((lang === 'hi' ? hi : en)['start.title']);
    expect(await p.textContent('#location-why')).toBe((lang === 'hi' ? hi : en)['field.location.why']);
    await p.waitForTimeout(300);
    expect(await p.evaluate(() => (window as unknown as { geoCalls: number }).geoCalls)).toBe(0);
    await check(p, lang, device, 'start');

    // Field errors in the language, then gone once each field is right.
    await p.fill('#userCode', '1234');
    await p.fill('#customerId', '5123456789');
    await p.fill('#aadhaar', AADHAAR.slice(0, 11) + ((Number(AADHAAR[11]) + 1) % 10));
    await p.fill('#bankCode', 'H');
    await p.click('#start-submit');
    await p.waitForSelector('#userCode-error:not([hidden])');
    const cat = lang === 'hi' ? hi : en;
    expect(await p.textContent('#userCode-error')).toBe(cat['rule.userCode']);
    expect(await p.textContent('#aadhaar-error')).toBe(cat['rule.aadhaarChecksum']);
    await check(p, lang, device, 'start-errors');
    await p.fill('#userCode', '12345');
    expect(await p.isVisible('#userCode-error')).toBe(true);
    await p.fill('#userCode', USER_CODE);
    expect(await p.isHidden('#userCode-error')).toBe(true);
    expect(await p.getAttribute('#userCode', 'aria-invalid')).toBeNull();
    await p.fill('#customerId', MOBILE);
    await p.fill('#aadhaar', AADHAAR);
    expect(await p.isHidden('#customerId-error')).toBe(true);
    expect(await p.isHidden('#aadhaar-error')).toBe(true);
    // The bank code from the searchable list, or typed.
    expect(await p.getAttribute('#bankCode', 'list')).toBe('banks');
    const banks = await p.$$eval('#banks option', (os) => os.map((o) => (o as HTMLOptionElement).value));
    expect(banks).toEqual(expect.arrayContaining(['SBIN', 'HDFC', 'PUNB', 'BARB', 'ICIC', 'UTIB']));
    await p.fill('#bankCode', 'sbin');
    expect(await p.isHidden('#bankCode-error')).toBe(true);

    // Sending asks for the location now (granted), then the OTP screen with its countdown.
    await p.click('#start-submit');
    await visible(p, 'otp');
    expect(await p.evaluate(() => (window as unknown as { geoCalls: number }).geoCalls)).toBe(1);
    await p.waitForSelector('#resend[disabled]');
    expect(await p.textContent('#resend')).toMatch(/\d:\d\d/);
    // The countdown is readable: at least 4.5:1 against its background, not faded.
    const contrast = await p.evaluate(() => {
      const el = document.getElementById('resend')!;
      const style = getComputedStyle(el);
      const rgb = (s: string) => (s.match(/[\d.]+/g) ?? []).slice(0, 3).map(Number);
      const lum = (c: number[]) => {
        const [r, g, b] = c.map((v) => {
          const s = v / 255;
          return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
        });
        return 0.2126 * r + 0.7152 * g + 0.0722 * b;
      };
      const [a, b] = [lum(rgb(style.color)), lum(rgb(style.backgroundColor))];
      return { ratio: (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05), opacity: Number(style.opacity) };
    });
    expect(contrast.opacity).toBe(1);
    expect(contrast.ratio).toBeGreaterThanOrEqual(4.5);
    await p.fill('#otp', '12');
    await p.click('#otp-submit');
    expect(await p.textContent('#otp-error')).toBe(cat['rule.otp']);
    await p.fill('#otp', '123456');
    expect(await p.isHidden('#otp-error')).toBe(true);
    await p.fill('#otp', '');
    await check(p, lang, device, 'otp');

    // Waiting on Eko.
    fake.setStage(USER_CODE, 'SUBMITTING_BIOMETRIC');
    await visible(p, 'wait');
    await check(p, lang, device, 'wait');

    // Fingerprint: ready, the RD ids one tap away; a capture; a submit after which "Capture again" never leads.
    fake.setStage(USER_CODE, 'AWAITING_BIOMETRIC');
    await visible(p, 'fingerprint');
    await p.waitForSelector('#device[data-state="ready"]');
    expect(await p.isVisible('#device-facts')).toBe(false);
    await check(p, lang, device, 'fingerprint');
    await p.click('#device-more summary');
    expect(await p.isVisible('#device-facts')).toBe(true);
    await p.click('#capture');
    await p.waitForSelector('#submit-fp:not([hidden])');
    await check(p, lang, device, 'fingerprint-captured');
    await p.evaluate(() => {
      const w = window as unknown as { captureLed: string[] };
      w.captureLed = [];
      const capture = document.getElementById('capture')!;
      const look = () => {
        if (capture.offsetParent !== null && capture.classList.contains('primary') && !capture.hidden) {
          w.captureLed.push(capture.textContent ?? '');
        }
      };
      new MutationObserver(look).observe(document.body, {
        subtree: true,
        attributes: true,
        childList: true,
        characterData: true,
      });
    });
    await p.click('#submit-fp');
    await visible(p, 'result');
    expect(await p.evaluate(() => (window as unknown as { captureLed: string[] }).captureLed)).toEqual([]);

    // Done: when (through Intl), the next step, and a reference.
    const completedAt = await p.evaluate(() => document.getElementById('result-text')!.textContent);
    const expectedWhen = await p.evaluate(
      ([locale]) =>
        new Intl.DateTimeFormat(locale, { timeZone: 'Asia/Kolkata', dateStyle: 'medium', timeStyle: 'short' }).format(
          new Date(),
        ),
      [lang === 'hi' ? 'hi-IN' : 'en-IN'],
    );
    expect(completedAt).toContain(expectedWhen.slice(0, 6));
    expect(await p.textContent('#result-next')).toBe(cat['result.COMPLETED.next']);
    expect(await p.textContent('#result-ref-code')).toMatch(/^COMPLETED\/31415926\/\d{8}-\d{4}$/);
    await check(p, lang, device, 'done');

    // A failed session: what to do and a reference, never Eko's own text.
    fake.setStage(USER_CODE, 'FAILED', { lastError: { code: 'EkoUnknownAgent', message: RAW_EKO } });
    await p.goto('about:blank');
    await p.goto(`${fake.url}/#token=${TOKEN}`);
    await visible(p, 'result');
    const failed = await p.locator('body').innerText();
    expect(failed).not.toContain('User not found');
    expect(failed).not.toContain('463');
    expect(await p.textContent('#result-text')).toBe(cat['code.EkoUnknownAgent']);
    expect(await p.textContent('#result-ref-code')).toMatch(/^EkoUnknownAgent\/31415926\/\d{8}-\d{4}$/);
    await check(p, lang, device, 'failed');
  });

  it('switches language at once, remembers only the language, and shows a partial Marathi that falls back', async () => {
    const p = await open({ ...PHONE_390, locale: 'hi-IN' });
    await p.goto(`${api!.url}/#token=${TOKEN}`);
    await visible(p, 'start');
    expect(await p.getAttribute('html', 'lang')).toBe('hi');
    await p.fill('#userCode', '1');
    await p.click('#start-submit');
    await p.waitForSelector('#userCode-error:not([hidden])');
    expect(await p.textContent('#userCode-error')).toBe(hi['rule.userCode']);

    await p.selectOption('#lang', 'en');
    expect(await p.getAttribute('html', 'lang')).toBe('en');
    expect(await p.textContent('#screen-start h2')).toBe('Your details');
    // What was said is said again in the new language.
    expect(await p.textContent('#userCode-error')).toBe(en['rule.userCode']);
    expect(await p.textContent('#locate')).toBe('Update my location');
    expect(await p.evaluate(() => ({ ...localStorage }))).toEqual({ 'ekyc.lang': 'en' });

    // Marathi: its own keys, and the rest from Hindi.
    const mr = await load('mr');
    const options = await p.$$eval('#lang option', (os) =>
      os.map((o) => [(o as HTMLOptionElement).value, o.textContent]),
    );
    expect(options).toEqual([
      ['en', 'English'],
      ['hi', 'हिन्दी'],
      ['mr', 'मराठी'],
    ]);
    await p.selectOption('#lang', 'mr');
    expect(await p.getAttribute('html', 'lang')).toBe('mr');
    expect(await p.textContent('#screen-start h2')).toBe(mr['start.title']);
    expect('field.userCode.hint' in mr).toBe(false);
    expect(await p.textContent('#userCode-hint')).toBe(hi['field.userCode.hint']);
    await screenshot(p, 'i18n-mr-phone-start');

    // Opened again from the agent app: the chosen language, whatever the browser prefers.
    await p.selectOption('#lang', 'en');
    await p.goto('about:blank');
    await p.goto(`${api!.url}/#token=${TOKEN}`);
    await visible(p, 'start');
    expect(await p.getAttribute('html', 'lang')).toBe('en');
    expect(await p.textContent('#screen-start h2')).toBe('Your details');
  });

  it("maps the RD service's errors to what to do, in Hindi, with the errCode as the reference", async () => {
    const p = await open({ ...PHONE_390, locale: 'hi-IN' });
    await p.goto(`${api!.url}/#token=${TOKEN}`);
    await visible(p, 'start');
    for (const [id, value] of Object.entries({
      userCode: USER_CODE,
      customerId: MOBILE,
      aadhaar: AADHAAR,
      bankCode: 'SBIN',
    }))
      await p.fill(`#${id}`, value);
    await p.click('#start-submit');
    await visible(p, 'otp');
    api!.setStage(USER_CODE, 'AWAITING_BIOMETRIC');
    await visible(p, 'fingerprint');
    await p.waitForSelector('#capture:not([disabled])');
    rd.setMode('deviceError');
    await p.click('#capture');
    await p.waitForSelector('#fp-error:not([hidden])');
    const error = await p.textContent('#fp-error');
    expect(error).toContain(hi['rd.720'] as string);
    expect(error).toMatch(/RD720\/31415926\/\d{8}-\d{4}/);
    expect(error).not.toMatch(/Device not ready/);
    expect(await seriousViolations(p)).toEqual([]);
    await screenshot(p, 'i18n-hi-phone-fingerprint-rd-error');
  });
});
