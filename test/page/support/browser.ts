// Headless Chromium for the page tests, and the screenshots they leave in artifacts/screenshots/ (gitignored).
import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContextOptions, type Page } from 'playwright-core';
import { RD_PORT_RANGE } from '../../../sim/rd-sim.js';

export const SCREENSHOT_DIR = fileURLToPath(new URL('../../../artifacts/screenshots/', import.meta.url));

export const PHONE: BrowserContextOptions = {
  viewport: { width: 360, height: 740 },
  deviceScaleFactor: 2,
  isMobile: true,
  hasTouch: true,
};
export const DESKTOP: BrowserContextOptions = { viewport: { width: 1024, height: 800 } };
/** New Delhi, as the browser's geolocation fix. */
export const GEO = { latitude: 28.6139, longitude: 77.209, accuracy: 12 };

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}

/** Which RD-service port the page may reach; change `port` during a test to unplug or plug in the scanner. */
export interface ScannerPort {
  port: number | null;
}

/** A page whose geolocation is granted (or not), at the given viewport, seeing only `scanner.port` of the RD range. */
export async function openPage(
  browser: Browser,
  {
    geolocation = true,
    device = DESKTOP,
    scanner = { port: null },
  }: { geolocation?: boolean; device?: BrowserContextOptions; scanner?: ScannerPort },
): Promise<Page> {
  const context = await browser.newContext({
    ...device,
    ...(geolocation ? { geolocation: GEO, permissions: ['geolocation'] } : {}),
  });
  // Other test files run RD simulators in the same port range at the same time: hide all but this test's own,
  // as if only one scanner were plugged in.
  await context.route(/^http:\/\/127\.0\.0\.1:111\d\d\//, (route) => {
    const port = Number(new URL(route.request().url()).port);
    const inRange = port >= RD_PORT_RANGE.first && port <= RD_PORT_RANGE.last;
    if (inRange && port !== scanner.port) return route.abort('connectionrefused');
    return route.continue();
  });
  const page = await context.newPage();
  page.on('pageerror', (err) => process.stderr.write(`[page error] ${err.message}\n`));
  return page;
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const path = `${SCREENSHOT_DIR}${name}.png`;
  await page.screenshot({ path, fullPage: true });
  return path;
}

/** The phone of issue 15: 390×844 CSS pixels. */
export const PHONE_390: BrowserContextOptions = {
  viewport: { width: 390, height: 844 },
  deviceScaleFactor: 2,
  isMobile: true,
  hasTouch: true,
};
