// The page loads the shared rules (common/checks.ts) from the API as plain ES modules: GET /common/<name>.js serves
// JavaScript, with a JavaScript MIME type, for the three pure modules the page needs, and nothing else of common/.
// From the sources (as here) the module is common/*.ts transpiled; from the build, tsc's dist/common/*.js.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { pino } from 'pino';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApi, type EkycApiClient } from '../../api/app.js';
import { PAGE_MODULES } from '../../api/page-modules.js';

let api: FastifyInstance;
const BUILT = fileURLToPath(new URL('../../dist/api/page-modules.js', import.meta.url));

describe('the shared rules served to the page', () => {
  beforeAll(async () => {
    api = buildApi({
      client: { ping: async () => undefined } as unknown as EkycApiClient,
      auth: async () => {
        throw new Error('no tokens here');
      },
      logger: pino({ level: 'silent' }),
    });
    await api.ready();
  });
  afterAll(() => api?.close());

  it.each(PAGE_MODULES)('serves common/%s as a JavaScript module, without TypeScript or Node imports', async (name) => {
    const res = await api.inject({ method: 'GET', url: `/common/${name}.js` });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/javascript/);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.body).not.toMatch(/\bimport type\b|: string\b|\binterface\b/);
    expect(res.body).not.toMatch(/from ['"](node:|[a-z@])/);
    for (const [, path] of res.body.matchAll(/from ['"]([^'"]+)['"]/g)) {
      expect(PAGE_MODULES.map((m) => `./${m}.js`)).toContain(path);
    }
  });

  it('evaluates, as served, to the same rules the server runs', async () => {
    const checks = await import('../../common/checks.js');
    // As the browser would: the served files side by side, imported by their relative paths.
    const dir = mkdtempSync(join(tmpdir(), 'page-modules-'));
    try {
      for (const name of PAGE_MODULES) writeFileSync(join(dir, `${name}.mjs`), await served(name));
      const page = (await import(/* @vite-ignore */ pathToFileURL(join(dir, 'checks.mjs')).href)) as typeof checks;
      expect(page.RULES).toEqual(checks.RULES);
      expect(page.MAX_LENGTH).toEqual(checks.MAX_LENGTH);
      const bad = { userCode: '1234', customerId: '5123456789', aadhaar: '234567890123', latlong: 'x', bankCode: 'H' };
      expect(page.checkEkycInput(bad)).toEqual(checks.checkEkycInput(bad));
      expect(page.checkEkycInput(bad).length).toBe(5);
      expect(page.checkOtpArg({ otp: '12a456' })).toEqual(checks.checkOtpArg({ otp: '12a456' }));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  // The build (`npm run build`, which `npm ci` runs) serves tsc's output; skipped where the build is older than this.
  it.skipIf(!existsSync(BUILT))('from the build, serves the compiled dist/common, without its source map', async () => {
    const built = (await import(
      /* @vite-ignore */ pathToFileURL(BUILT).href
    )) as typeof import('../../api/page-modules.js');
    const text = await built.pageModuleSource('checks');
    expect(text).toContain('export function checkEkycInput');
    expect(text).toContain(`from './verhoeff.js'`);
    expect(text).not.toMatch(/sourceMappingURL/);
    expect(text.replace(/\n$/, '')).toBe(
      readFileSync(fileURLToPath(new URL('../../dist/common/checks.js', import.meta.url)), 'utf8').replace(
        /\n\/\/# sourceMappingURL=\S*\s*$/,
        '',
      ),
    );
  });

  it.each([
    '/common/validation.js',
    '/common/eko-steps.js',
    '/common/otp-quota.js',
    '/common/checks.ts',
    '/common/checks',
    '/common/..%2Fconfig%2Findex.js',
  ])('serves nothing else of common/: %s', async (url) => {
    const res = await api.inject({ method: 'GET', url });
    expect(res.statusCode).toBe(404);
    expect(res.body).not.toMatch(/export /);
  });
});

/** The module as the page gets it, its imports renamed to the .mjs files written next to it. */
async function served(name: string): Promise<string> {
  const res = await api.inject({ method: 'GET', url: `/common/${name}.js` });
  return res.body.replace(/from '\.\/([a-z-]+)\.js'/g, "from './$1.mjs'");
}
