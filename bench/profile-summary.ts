// Summarises V8 .cpuprofile files (from `npm run bench -- --profile`, one per thread of a worker). For a folder: CPU
// by what the product does (each sample goes to the innermost frame on its stack that belongs to a category:
// codec, Eko HTTP, logging, our workflow code, the SDK's sandbox...). For one file: self time by package or
// project folder, and the top functions.
// Run: node --import tsx bench/profile-summary.ts <folder | file.cpuprofile> [top=25]
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

interface CpuProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface CpuProfile {
  nodes: CpuProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

/** Which package or project folder a script belongs to. */
export function area(url: string): string {
  if (!url) return '(native / V8)';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1];
  if (url.startsWith('node:')) return `node:${url.slice(5).split('/')[0]}`;
  const project = /\/(bench|activities|worker|workflows|codec|common|client|config|observability|sim|api)\/[^/]+$/.exec(
    url,
  );
  if (project) return `project:${project[1]}`;
  return url.split('/').slice(-1)[0] || '(other)';
}

/** What the product does, by the scripts doing it; the first match from the innermost frame outwards wins. */
export const CATEGORIES: [string, RegExp][] = [
  ['payload codec', /codec\/payload-codec|codec\/data-converter/],
  ['Eko RSA + signing', /aadhaar-crypto|eko\/signing/],
  ['Eko HTTP (ky over fetch/undici)', /\/ky\/|eko\/client\.[jt]s|undici/],
  ['activities and their wrappers', /activities\/index\.[jt]s|worker\/worker\.[jt]s/],
  ['logging', /pino|sonic-boom|observability\/logger|temporal-logger|lib\/logger\.js/],
  ['workflow bundle (our code, zod, SDK workflow lib)', /-bundle\.js|workflow-bundle/],
  ['SDK workflow sandbox', /threaded-vm|vm-shared|reusable-vm|workflow-worker-thread/],
  ['module loading', /esm\/|cjs\/loader|\/tsx\/|esbuild|run_main/],
];

function load(file: string): CpuProfile {
  return JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
}

function parents(profile: CpuProfile): Map<number, number> {
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  return parent;
}

function selfTimes(profile: CpuProfile): Map<number, number> {
  const self = new Map<number, number>();
  profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  return self;
}

/** Busy time (µs) per category over every profile given. */
export function byCategory(profiles: CpuProfile[]): Map<string, number> {
  const total = new Map<string, number>();
  for (const profile of profiles) {
    const byId = new Map(profile.nodes.map((n) => [n.id, n]));
    const parent = parents(profile);
    for (const [id, us] of selfTimes(profile)) {
      const fn = byId.get(id)!.callFrame.functionName;
      if (fn === '(idle)') continue;
      let category = fn === '(garbage collector)' ? 'garbage collection' : fn === '(program)' ? 'V8 (program)' : null;
      for (let cur: number | undefined = id; !category && cur !== undefined; cur = parent.get(cur)) {
        const url = byId.get(cur)!.callFrame.url;
        category = CATEGORIES.find(([, re]) => re.test(url))?.[0] ?? null;
      }
      category ??= 'other (SDK worker, core bridge, rxjs, Node)';
      total.set(category, (total.get(category) ?? 0) + us);
    }
  }
  return total;
}

export function summarizeProfile(profile: CpuProfile, top = 25) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = selfTimes(profile);
  const total = [...selfUs.values()].reduce((a, b) => a + b, 0);
  const areas = new Map<string, number>();
  const fns = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
    const a = functionName === '(idle)' ? '(idle)' : functionName === '(garbage collector)' ? '(gc)' : area(url);
    areas.set(a, (areas.get(a) ?? 0) + us);
    const key = `${functionName || '(anonymous)'} ${url.split('/').slice(-2).join('/')}:${lineNumber + 1}`;
    fns.set(key, (fns.get(key) ?? 0) + us);
  }
  const busy = total - (areas.get('(idle)') ?? 0);
  const pct = (us: number) => Math.round((us / busy) * 1000) / 10;
  const sorted = (m: Map<string, number>) =>
    [...m.entries()].filter(([k]) => !k.startsWith('(idle)')).sort((a, b) => b[1] - a[1]);
  return {
    busyMs: Math.round(busy / 1000),
    wallMs: Math.round((profile.endTime - profile.startTime) / 1000),
    byArea: sorted(areas)
      .slice(0, top)
      .map(([name, us]) => ({ name, ms: Math.round(us / 1000), pct: pct(us) })),
    topFunctions: sorted(fns)
      .slice(0, top)
      .map(([name, us]) => ({ name, ms: Math.round(us / 1000), pct: pct(us) })),
  };
}

if (process.argv[1]?.endsWith('profile-summary.ts')) {
  const [target, top] = process.argv.slice(2);
  if (!target) {
    console.error('usage: node --import tsx bench/profile-summary.ts <folder | file.cpuprofile> [top]');
    process.exit(2);
  }
  if (statSync(target).isDirectory()) {
    const files = readdirSync(target).filter((f) => f.endsWith('.cpuprofile'));
    const totals = byCategory(files.map((f) => load(join(target, f))));
    const sum = [...totals.values()].reduce((a, b) => a + b, 0);
    console.log(`${files.length} profiles, busy ${Math.round(sum / 1000)} ms (all threads):`);
    for (const [name, us] of [...totals].sort((a, b) => b[1] - a[1])) {
      console.log(
        `  ${String(Math.round((us / sum) * 1000) / 10).padStart(5)}%  ${String(Math.round(us / 1000)).padStart(7)} ms  ${name}`,
      );
    }
  } else {
    const summary = summarizeProfile(load(target), Number(top ?? 25));
    console.log(`busy ${summary.busyMs} ms of ${summary.wallMs} ms wall`);
    console.log('\nself time by area (% of busy):');
    for (const a of summary.byArea)
      console.log(`  ${String(a.pct).padStart(5)}%  ${String(a.ms).padStart(6)} ms  ${a.name}`);
    console.log('\ntop functions (self, % of busy):');
    for (const f of summary.topFunctions) {
      console.log(`  ${String(f.pct).padStart(5)}%  ${String(f.ms).padStart(6)} ms  ${f.name}`);
    }
  }
}
