// The real stack the end-to-end page tests run the page on: the Temporal dev server (globalSetup) with an in-process
// worker and the Eko simulator (the client harness), the HTTP API serving the page, the RD-service simulator, and
// headless Chromium.
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import type { Browser } from 'playwright-core';
import { buildApi } from '../../../api/app.js';
import { RdServiceSimulator } from '../../../sim/rd-sim.js';
import { startClientHarness, type ClientHarness } from '../../client/harness.js';
import { createTestIssuer, type TestIssuer } from '../../support/jwt.js';
import { launchBrowser } from './browser.js';

export interface PageStack {
  h: ClientHarness;
  issuer: TestIssuer;
  api: FastifyInstance;
  apiUrl: string;
  rd: RdServiceSimulator;
  browser: Browser;
  close(): Promise<void>;
}

/** `dailyWadh`: the API's EKO_DAILY_WADH (GET /page-config.json). */
export async function startPageStack({ dailyWadh }: { dailyWadh?: string } = {}): Promise<PageStack> {
  const [h, issuer, rd, browser] = await Promise.all([
    startClientHarness(),
    createTestIssuer(),
    RdServiceSimulator.start(),
    launchBrowser(),
  ]);
  const api = buildApi({ client: h.ekyc, auth: issuer.config, logger: pino({ level: 'silent' }), dailyWadh });
  const apiUrl = await api.listen({ host: '127.0.0.1', port: 0 });
  return {
    h,
    issuer,
    api,
    apiUrl,
    rd,
    browser,
    async close() {
      await browser.close();
      await api.close();
      await rd.stop();
      await h.close();
    },
  };
}
