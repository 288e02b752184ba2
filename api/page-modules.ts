// The modules of common/ the agent page loads as plain ES modules (GET /common/<name>.js), so that the page checks
// its forms with the very rules the API and the workflow use (common/checks.ts), not with a copy. Each is pure: no
// Node imports, only relative imports of one another.
//
// From the build (dist/api/app.js) they are tsc's output next to it (dist/common/*.js, made by `npm run build`,
// which `npm ci` runs). From the sources (api/app.ts under tsx or vitest) there is no dist to trust (it may be
// missing or stale), so the TypeScript source is transpiled on first request with the typescript dev dependency
// and kept in memory.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

/** The modules the page may load, and nothing else of common/. */
export const PAGE_MODULES = ['checks', 'verhoeff', 'domain', 'agent', 'sealed'] as const;
export type PageModule = (typeof PAGE_MODULES)[number];

export const PAGE_MODULE_TYPE = 'text/javascript; charset=utf-8';

const COMMON_DIR = fileURLToPath(new URL('../common/', import.meta.url));
const cache = new Map<PageModule, Promise<string>>();

export function isPageModule(name: string): name is PageModule {
  return (PAGE_MODULES as readonly string[]).includes(name);
}

async function load(name: PageModule): Promise<string> {
  const built = `${COMMON_DIR}${name}.js`;
  // tsc's source map stays on the server: the page has no use for it, and would only ask for it (a 404).
  if (existsSync(built)) return (await readFile(built, 'utf8')).replace(/\n\/\/# sourceMappingURL=\S*\s*$/, '\n');
  const source = await readFile(`${COMMON_DIR}${name}.ts`, 'utf8');
  const ts = (await import('typescript')).default;
  return ts.transpileModule(source, {
    fileName: `${name}.ts`,
    compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext, sourceMap: false },
  }).outputText;
}

/** The JavaScript of one page module. */
export function pageModuleSource(name: PageModule): Promise<string> {
  let text = cache.get(name);
  if (!text) {
    text = load(name);
    text.catch(() => cache.delete(name));
    cache.set(name, text);
  }
  return text;
}
