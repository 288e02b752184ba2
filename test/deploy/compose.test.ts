// What can be checked of the deployment without a Docker engine: the files parse and agree with the
// CLI, the configuration schema and each other.
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { buildProgram } from '../../client/cli.js';
import { SEARCH_ATTRIBUTES } from '../../dev/temporal-server.js';
import { configurationTable, VARIABLE_NAMES } from '../../config/variables.js';

const root = join(import.meta.dirname, '..', '..');
const read = (p: string) => readFileSync(join(root, p), 'utf8');

interface Service {
  build?: string;
  command?: string[];
  environment?: Record<string, string>;
  ports?: string[];
  depends_on?: Record<string, { condition: string }>;
  image?: string;
}
const compose = parse(read('docker-compose.yml'), { merge: true }) as { services: Record<string, Service> };
const ours = Object.entries(compose.services).filter(([, s]) => s.build === '.');
const envExample = read('.env.example')
  .split('\n')
  .map((l) => /^#?\s*([A-Z][A-Z0-9_]+)=/.exec(l)?.[1])
  .filter((n): n is string => Boolean(n));

describe('docker-compose.yml', () => {
  it('defines Temporal on PostgreSQL with schema setup, namespace init and the UI, plus our three services', () => {
    expect(Object.keys(compose.services).sort()).toEqual(
      [
        'api',
        'codec-server',
        'postgresql',
        'temporal',
        'temporal-init',
        'temporal-schema',
        'temporal-ui',
        'worker',
      ].sort(),
    );
    expect(compose.services.temporal.environment?.DB).toBe('postgres12');
    expect(compose.services.temporal.depends_on?.['temporal-schema'].condition).toBe('service_completed_successfully');
  });

  it('runs our services with commands the CLI has', () => {
    const commands = buildProgram().commands.map((c) => c.name());
    expect(ours.map(([name]) => name).sort()).toEqual(['api', 'codec-server', 'worker']);
    for (const [, service] of ours) expect(commands).toContain(service.command?.[0]);
  });

  it('sets only variables of the configuration schema on our services', () => {
    for (const [, service] of ours) {
      for (const name of Object.keys(service.environment ?? {})) expect(VARIABLE_NAMES).toContain(name);
    }
  });

  it('gives every ${VAR} it references a value in .env.example or a default', () => {
    const refs = [...read('docker-compose.yml').matchAll(/\$\{([A-Z0-9_]+)(:?[-?][^}]*)?\}/g)];
    for (const [, name, fallback] of refs) {
      if (!fallback?.startsWith(':-')) expect(envExample).toContain(name);
    }
  });

  it('publishes the ports the services are configured to listen on', () => {
    const api = compose.services.api;
    expect(api.ports).toContain(`${api.environment?.EKYC_API_PORT}:${api.environment?.EKYC_API_PORT}`);
    const codec = compose.services['codec-server'];
    expect(codec.ports).toContain(`${codec.environment?.EKYC_CODEC_PORT}:${codec.environment?.EKYC_CODEC_PORT}`);
    expect(codec.environment?.EKYC_HEALTHCHECK_URL).toContain(`:${codec.environment?.EKYC_CODEC_PORT}/`);
    expect(api.environment?.EKYC_HEALTHCHECK_URL).toContain(`:${api.environment?.EKYC_API_PORT}/`);
    const worker = compose.services.worker;
    expect(worker.environment?.EKYC_HEALTHCHECK_URL).toContain(`:${worker.environment?.EKYC_METRICS_PORT}/`);
  });

  it('points the Temporal UI at the codec server, which allows the UI origin', () => {
    const ui = compose.services['temporal-ui'];
    const uiPublished = ui.ports?.[0]?.split(':')[0];
    expect(compose.services['codec-server'].environment?.EKYC_CODEC_CORS_ORIGINS).toContain(`localhost:${uiPublished}`);
    expect(ui.environment?.TEMPORAL_CODEC_ENDPOINT).toContain(
      compose.services['codec-server'].ports?.[0]?.split(':')[0],
    );
    // The codec server's session cookie carries the ekyc:ops token: the UI must send cross-origin credentials.
    expect(ui.environment?.TEMPORAL_CODEC_INCLUDE_CREDENTIALS).toBe('true');
  });

  it('registers every search attribute the workflow uses', () => {
    const init = read('deploy/temporal/init-namespace.sh');
    for (const name of Object.keys(SEARCH_ATTRIBUTES)) expect(init).toContain(name);
  });
});

describe('.env.example', () => {
  it('names only variables of the configuration schema', () => {
    for (const name of envExample) expect(VARIABLE_NAMES).toContain(name);
  });
});

describe('Dockerfile', () => {
  const dockerfile = read('Dockerfile');
  it('is multi-stage, runs as a non-root user, pre-bundles the workflow code and has a health check', () => {
    expect(dockerfile.match(/^FROM /gm)?.length).toBeGreaterThanOrEqual(2);
    expect(dockerfile).toMatch(/^USER node$/m);
    expect(dockerfile).toMatch(/npm run build/);
    expect(dockerfile).toMatch(/^HEALTHCHECK .*scripts\/healthcheck\.js/m);
    expect(dockerfile).toMatch(/^ENTRYPOINT \["node", "bin\/ekyc\.js"\]/m);
  });
  it('copies only files that exist', () => {
    for (const [, src] of dockerfile.matchAll(/^COPY --from=build \S+ \/app\/(\S+)/gm)) {
      if (src.startsWith('node_modules') || src.startsWith('dist')) continue;
      expect(existsSync(join(root, src))).toBe(true);
    }
  });
});

describe('configuration table', () => {
  const readme = read('README.md');
  it('is the README table, generated from the schema (npm run docs:config)', () => {
    const cells = (table: string) =>
      table
        .trim()
        .split('\n')
        .filter((row) => !/^\|[\s|-]+\|$/.test(row))
        .map((row) => row.split(/(?<!\\)\|/).map((cell) => cell.trim()));
    const inReadme = /<!-- config-table:start -->([\s\S]*?)<!-- config-table:end -->/.exec(readme)?.[1] ?? '';
    expect(cells(inReadme)).toEqual(cells(configurationTable()));
  });

  it('lists every variable the source code reads', () => {
    const seen = new Set<string>();
    const walk = (dir: string) => {
      for (const entry of readdirSync(join(root, dir))) {
        const rel = join(dir, entry);
        if (statSync(join(root, rel)).isDirectory()) walk(rel);
        else if (/\.(ts|js)$/.test(entry)) {
          // Environment reads: env.X, env['X'], and the config loaders' read(env, 'X') / readVariable(env, 'X').
          const reads =
            /(?:\benv\.|\benv\[\s*['"]|\bread(?:Variable)?\(\s*\w+,\s*['"])((?:EKO|EKYC|TEMPORAL)_[A-Z0-9_]+)/g;
          for (const [, name] of read(rel).matchAll(reads)) seen.add(name);
        }
      }
    };
    for (const dir of [
      'activities',
      'api',
      'auth',
      'client',
      'codec',
      'config',
      'dev',
      'observability',
      'sim',
      'worker',
      'scripts',
    ]) {
      if (existsSync(join(root, dir))) walk(dir);
    }
    expect(seen.size).toBeGreaterThan(15);
    const unknown = [...seen].filter((n) => !VARIABLE_NAMES.has(n));
    expect(unknown).toEqual([]);
  });
});
