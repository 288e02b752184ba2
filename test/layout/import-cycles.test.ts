// No import cycles in the project's own modules: every `import`, `export … from`, type-only import and dynamic
// `import()` between the project's TypeScript files counts, as the TypeScript compiler reads them. A cycle makes
// module initialisation order-dependent (a value read before its module has run) and the layers hard to follow.
import { readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The project's TypeScript files, as tsconfig.json includes them. */
function projectFiles(): string[] {
  const config = ts.readConfigFile(join(ROOT, 'tsconfig.json'), ts.sys.readFile);
  const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, ROOT);
  return parsed.fileNames.filter((f) => /\.tsx?$/.test(f) && !f.endsWith('.d.ts')).map((f) => resolve(f));
}

/** Each file's imports of other project files (relative specifiers; `.js` names the `.ts` source). */
export function importGraph(files: string[]): Map<string, string[]> {
  const known = new Set(files);
  const graph = new Map<string, string[]>();
  for (const file of files) {
    const info = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
    const targets = new Set<string>();
    for (const { fileName } of info.importedFiles) {
      if (!fileName.startsWith('.')) continue;
      const base = resolve(dirname(file), fileName);
      const candidates = [
        base.replace(/\.js$/, '.ts'),
        base.replace(/\.js$/, '.tsx'),
        `${base}.ts`,
        join(base, 'index.ts'),
      ];
      const target = candidates.find((c) => known.has(c));
      if (target) targets.add(target);
    }
    graph.set(file, [...targets]);
  }
  return graph;
}

/** The strongly connected components with more than one file, or a file importing itself (Tarjan). */
export function cycles(graph: Map<string, string[]>): string[][] {
  let index = 0;
  const indices = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string) => {
    indices.set(v, index);
    low.set(v, index);
    index++;
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!indices.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v)!, indices.get(w)!));
      }
    }
    if (low.get(v) === indices.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1 || (graph.get(v) ?? []).includes(v)) found.push(component.sort());
    }
  };
  for (const v of graph.keys()) if (!indices.has(v)) visit(v);
  return found;
}

describe('import graph', () => {
  it('finds a cycle when there is one (the check itself)', () => {
    const g = new Map([
      ['a', ['b']],
      ['b', ['c']],
      ['c', ['a']],
      ['d', ['a']],
      ['e', ['e']],
    ]);
    expect(cycles(g).sort()).toEqual([['a', 'b', 'c'], ['e']]);
    expect(
      cycles(
        new Map([
          ['a', ['b']],
          ['b', []],
        ]),
      ),
    ).toEqual([]);
  });

  it('reads static, type-only, re-export and dynamic imports of the project files', () => {
    const files = projectFiles();
    const graph = importGraph(files);
    const of = (f: string) => (graph.get(join(ROOT, f)) ?? []).map((t) => relative(ROOT, t));
    expect(files.length).toBeGreaterThan(100);
    // A dynamic import (the SDK is loaded only when tracing is switched on), a type-only import and a re-export.
    expect(of('observability/tracing.ts').sort()).toEqual(
      ['config/index.ts', 'observability/otel-sdk.ts', 'observability/tracing-types.ts'].sort(),
    );
  });

  it('has no cycle among the project’s modules', () => {
    const found = cycles(importGraph(projectFiles())).map((c) => c.map((f) => relative(ROOT, f)));
    expect(found).toEqual([]);
  });
});
