// Summarises a V8 .cpuprofile (from `npm run bench -- --profile`): self time by package or project folder, and the
// top functions. Run: node --import tsx bench/profile-summary.ts <file.cpuprofile> [top=25]
import { readFileSync } from 'node:fs';

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
  const project =
    /\/work\/[^/]+\/([^/]+)\//.exec(url) ??
    /^file:\/\/.*?\/(bench|activities|worker|workflows|codec|common|client|config|observability|sim|api)\//.exec(url);
  if (project) return `project:${project[1]}`;
  return url.split('/').slice(-1)[0] || '(other)';
}

export function summarizeProfile(profile: CpuProfile, top = 25) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const total = [...selfUs.values()].reduce((a, b) => a + b, 0);
  const areas = new Map<string, number>();
  const fns = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const node = byId.get(id)!;
    const { functionName, url, lineNumber } = node.callFrame;
    const a = functionName === '(idle)' ? '(idle)' : functionName === '(garbage collector)' ? '(gc)' : area(url);
    areas.set(a, (areas.get(a) ?? 0) + us);
    const key = `${functionName || '(anonymous)'} ${url.split('/').slice(-2).join('/')}:${lineNumber + 1}`;
    fns.set(key, (fns.get(key) ?? 0) + us);
  }
  const busy = total - (areas.get('(idle)') ?? 0);
  const pct = (us: number) => Math.round((us / busy) * 1000) / 10;
  const sorted = (m: Map<string, number>) =>
    [...m.entries()].filter(([k]) => k !== '(idle)' && !k.startsWith('(idle)')).sort((a, b) => b[1] - a[1]);
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
  const [file, top] = process.argv.slice(2);
  if (!file) {
    console.error('usage: node --import tsx bench/profile-summary.ts <file.cpuprofile> [top]');
    process.exit(2);
  }
  const summary = summarizeProfile(JSON.parse(readFileSync(file, 'utf8')) as CpuProfile, Number(top ?? 25));
  console.log(`busy ${summary.busyMs} ms of ${summary.wallMs} ms wall`);
  console.log('\nself time by area (% of busy):');
  for (const a of summary.byArea)
    console.log(`  ${String(a.pct).padStart(5)}%  ${String(a.ms).padStart(6)} ms  ${a.name}`);
  console.log('\ntop functions (self, % of busy):');
  for (const f of summary.topFunctions)
    console.log(`  ${String(f.pct).padStart(5)}%  ${String(f.ms).padStart(6)} ms  ${f.name}`);
}
