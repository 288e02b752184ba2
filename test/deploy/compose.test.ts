// What can be checked of the deployment without a Docker engine: the files parse and agree with the
// CLI, the configuration schema and each other; nothing is published beyond the host; each service gets only
// the variables its own process reads.
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { buildProgram } from '../../client/cli.js';
import { SEARCH_ATTRIBUTES } from '../../dev/temporal-server.js';
import { configurationTable, VARIABLE_NAMES, VARIABLES, type Reader } from '../../config/variables.js';
import { TEMPORAL_SERVER_VERSION } from '../../dev/cluster.js';

const root = join(import.meta.dirname, '..', '..');
const read = (p: string) => readFileSync(join(root, p), 'utf8');

/** A port as compose writes it: short syntax (`"8233:8080"`, `"127.0.0.1:8233:8080"`, `"7233"`) or long syntax. */
type PortSpec = string | number | { target: number | string; published?: number | string; host_ip?: string };
interface Service {
  build?: string;
  command?: string[];
  environment?: Record<string, string | null> | string[];
  env_file?: unknown;
  network_mode?: string;
  ports?: PortSpec[];
  depends_on?: Record<string, { condition: string }>;
  image?: string;
}
type Compose = { services: Record<string, Service> };
const loadCompose = (text: string) => parse(text, { merge: true }) as Compose;
const compose = loadCompose(read('docker-compose.yml'));
const ours = Object.entries(compose.services).filter(([, s]) => s.build === '.');
const envExample = read('.env.example')
  .split('\n')
  .map((l) => /^#?\s*([A-Z][A-Z0-9_]+)=/.exec(l)?.[1])
  .filter((n): n is string => Boolean(n));

/** The environment of a service as a map (compose also takes a `NAME=value` / `NAME` list). */
function environmentOf(service: Service): Record<string, string | null> {
  const env = service.environment ?? {};
  if (!Array.isArray(env)) return env;
  return Object.fromEntries(
    env.map((e) => (e.includes('=') ? [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)] : [e, null])),
  );
}

/** The host port of a short-syntax or long-syntax port (`''` when Docker picks one). */
function hostPortOf(port: PortSpec): string {
  if (typeof port === 'object') return String(port.published ?? '');
  const parts = String(port)
    .replace(/\/(tcp|udp|sctp)$/, '')
    .split(':');
  return parts.length === 1 ? '' : parts[parts.length - 2];
}

/** Where a published port listens on the host: `''` when no address is given, which means every interface. */
function hostAddressOf(port: PortSpec): string {
  if (typeof port === 'object') return port.host_ip ?? '';
  const spec = String(port).replace(/\/(tcp|udp|sctp)$/, '');
  if (spec.startsWith('[')) return spec.slice(1, spec.indexOf(']'));
  const parts = spec.split(':');
  // CONTAINER, HOST:CONTAINER, IP:HOST:CONTAINER (IP:HOST may be empty, and an IPv6 address holds colons).
  return parts.length <= 2 ? '' : parts.slice(0, -2).join(':');
}
const isLoopback = (address: string) => /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(address) || address === '::1';

/** Every port of every service that a machine other than this host can reach. */
function exposedPorts(c: Compose): { service: string; port: PortSpec }[] {
  return Object.entries(c.services).flatMap(([service, s]) => [
    ...(s.network_mode === 'host' ? [{ service, port: 'network_mode: host' }] : []),
    ...(s.ports ?? []).filter((p) => !isLoopback(hostAddressOf(p))).map((port) => ({ service, port })),
  ]);
}

/**
 * What a service is handed from .env or the shell: every `${NAME}` its definition interpolates, the names its
 * environment passes on, and everything when it has an env_file.
 */
function variablesHandedTo(service: Service, all: Iterable<string>): Set<string> {
  if (service.env_file) return new Set(all);
  const handed = new Set([...JSON.stringify(service).matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => m[1]));
  for (const name of Object.keys(environmentOf(service))) handed.add(name);
  return handed;
}

/** The process each of our services runs, as the configuration registry names readers. */
const READER_OF: Record<string, Reader> = { worker: 'worker', api: 'api', 'codec-server': 'codec-server' };
const readBy = (reader: Reader) =>
  new Set(VARIABLES.filter((v) => v.usedBy.includes(reader) || v.usedBy.includes('container')).map((v) => v.name));
const ALL_VARIABLES = [...VARIABLE_NAMES];

describe('docker-compose.yml', () => {
  it('defines Temporal on PostgreSQL with schema setup, namespace init and the UI, plus the key store database and our three services', () => {
    expect(Object.keys(compose.services).sort()).toEqual(
      [
        'api',
        'codec-server',
        'keystore-init',
        'postgresql',
        'temporal',
        'temporal-init',
        'temporal-schema',
        'temporal-ui',
        'worker',
      ].sort(),
    );
    expect(environmentOf(compose.services.temporal).DB).toBe('postgres12');
    expect(compose.services.temporal.depends_on?.['temporal-schema'].condition).toBe('service_completed_successfully');
  });

  it('runs one Temporal release everywhere: server, admin tools, `npm run cluster` and its build script; UI 2.54 or later', () => {
    const tag = (service: string) => {
      const m = /^temporalio\/([a-z-]+):(\S+)$/.exec(compose.services[service].image ?? '');
      return m ? { repo: m[1], tag: m[2] } : null;
    };
    expect(tag('temporal')).toEqual({ repo: 'server', tag: TEMPORAL_SERVER_VERSION });
    expect(tag('temporal-schema')).toEqual({ repo: 'admin-tools', tag: TEMPORAL_SERVER_VERSION });
    expect(tag('temporal-init')).toEqual({ repo: 'admin-tools', tag: TEMPORAL_SERVER_VERSION });
    // The tests' dev server (Temporal CLI 1.9.x) runs Server 1.32.0: the same minor.
    expect(TEMPORAL_SERVER_VERSION).toMatch(/^1\.32\.\d+$/);
    expect(read('deploy/temporal/build-server.sh')).toContain(`TEMPORAL_SERVER_VERSION:-${TEMPORAL_SERVER_VERSION}}`);
    const ui = tag('temporal-ui');
    expect(ui?.repo).toBe('ui');
    const [major, minor] = (ui?.tag ?? '').split('.').map(Number);
    expect(major * 1000 + minor).toBeGreaterThanOrEqual(2054);
  });

  it("gives the server what the 1.32 image's compiled-in template reads, and a dynamic config file that exists", () => {
    const temporal = compose.services.temporal as Service & { volumes?: string[] };
    const env = environmentOf(temporal);
    expect(env).toMatchObject({ DB: 'postgres12', POSTGRES_SEEDS: 'postgresql', POSTGRES_USER: 'temporal' });
    expect(Number(env.NUM_HISTORY_SHARDS)).toBeGreaterThan(0);
    const mount = (temporal.volumes ?? [])
      .map((v) => v.split(':'))
      .find(([, target]) => env.DYNAMIC_CONFIG_FILE_PATH?.startsWith(target));
    expect(mount).toBeDefined();
    const file = join(mount![0], env.DYNAMIC_CONFIG_FILE_PATH!.slice(mount![1].length));
    expect(existsSync(join(root, file))).toBe(true);
    // The cluster's config file is that template: the same variables for the database and the shards.
    const template = read('deploy/temporal/config.yaml');
    for (const name of [
      'POSTGRES_SEEDS',
      'DB_PORT',
      'POSTGRES_USER',
      'POSTGRES_PWD',
      'NUM_HISTORY_SHARDS',
      'DYNAMIC_CONFIG_FILE_PATH',
    ]) {
      expect(template).toContain(`env "${name}"`);
    }
  });

  it('sets up the schema with the script that also runs natively (no nc; tool and schema from the environment)', () => {
    const schema = compose.services['temporal-schema'] as Service & { entrypoint?: string[] };
    expect(schema.entrypoint).toEqual(['/bin/sh', '/deploy/setup-postgres.sh']);
    const script = read('deploy/temporal/setup-postgres.sh');
    expect(script).not.toMatch(/\bnc\b/);
    expect(script).toContain('${TEMPORAL_SQL_TOOL:-temporal-sql-tool}');
    expect(script).toContain('${TEMPORAL_SCHEMA_DIR:-/etc/temporal/schema/postgresql/v12}');
  });

  it('runs our services with commands the CLI has', () => {
    const commands = buildProgram().commands.map((c) => c.name());
    expect(ours.map(([name]) => name).sort()).toEqual(['api', 'codec-server', 'worker']);
    for (const [, service] of ours) expect(commands).toContain(service.command?.[0]);
  });

  it('sets only variables of the configuration schema on our services', () => {
    for (const [, service] of ours) {
      for (const name of Object.keys(environmentOf(service))) expect(VARIABLE_NAMES).toContain(name);
    }
  });

  it('gives every ${VAR} it references a value in .env.example or a default', () => {
    const refs = [...read('docker-compose.yml').matchAll(/\$\{([A-Z0-9_]+)(:?[-?][^}]*)?\}/g)];
    for (const [, name, fallback] of refs) {
      if (!fallback?.startsWith(':-')) expect(envExample).toContain(name);
    }
  });

  it('publishes the ports the services are configured to listen on, on loopback', () => {
    const api = compose.services.api;
    const apiPort = environmentOf(api).EKYC_API_PORT;
    expect(api.ports).toContain(`127.0.0.1:${apiPort}:${apiPort}`);
    const codec = compose.services['codec-server'];
    const codecPort = environmentOf(codec).EKYC_CODEC_PORT;
    expect(codec.ports).toContain(`127.0.0.1:${codecPort}:${codecPort}`);
    expect(environmentOf(codec).EKYC_HEALTHCHECK_URL).toContain(`:${codecPort}/`);
    expect(environmentOf(api).EKYC_HEALTHCHECK_URL).toContain(`:${apiPort}/`);
    const worker = environmentOf(compose.services.worker);
    expect(worker.EKYC_HEALTHCHECK_URL).toContain(`:${worker.EKYC_METRICS_PORT}/`);
  });

  it('points the Temporal UI at the codec server, which allows the UI origin', () => {
    const ui = compose.services['temporal-ui'];
    const codec = compose.services['codec-server'];
    expect(environmentOf(codec).EKYC_CODEC_CORS_ORIGINS).toContain(`localhost:${hostPortOf(ui.ports![0])}`);
    expect(environmentOf(ui).TEMPORAL_CODEC_ENDPOINT).toContain(`localhost:${hostPortOf(codec.ports![0])}`);
    // The codec server's session cookie carries the ekyc:ops token: the UI must send cross-origin credentials.
    expect(environmentOf(ui).TEMPORAL_CODEC_INCLUDE_CREDENTIALS).toBe('true');
  });

  it('publishes no Temporal, Temporal UI or PostgreSQL port (nor any other) on a non-loopback address', () => {
    expect(exposedPorts(compose)).toEqual([]);
    // The frontend and the database are for this compose network only: no port at all.
    expect(compose.services.temporal.ports ?? []).toEqual([]);
    expect(compose.services.postgresql.ports ?? []).toEqual([]);
    expect(compose.services['temporal-ui'].ports?.map(hostAddressOf)).toEqual(['127.0.0.1']);
  });

  it('reads every form of port mapping, a mapping without an address counting as every interface', () => {
    const exposed = (ports: PortSpec[]) => exposedPorts({ services: { s: { ports } } }).map((e) => e.port);
    const open: PortSpec[] = [
      '8233:8080',
      '7233',
      7233,
      '0.0.0.0:8233:8080',
      '7233:7233/tcp',
      '192.168.1.10:5432:5432',
      '[::]:8233:8080',
      '::8233:8080',
      { target: 8080, published: 8233 },
      { target: 7233, published: '7233', host_ip: '0.0.0.0' },
      { target: 5432 },
    ];
    const closed: PortSpec[] = [
      '127.0.0.1:8233:8080',
      '127.0.0.1::8080',
      '127.0.0.1:7233:7233/tcp',
      '[::1]:8233:8080',
      { target: 8080, published: 8233, host_ip: '127.0.0.1' },
    ];
    expect(exposed([...open, ...closed])).toEqual(open);
    expect(exposedPorts({ services: { s: { network_mode: 'host' } } })).toHaveLength(1);
    expect(['8233:8080', '127.0.0.1:8233:8080', { target: 8080, published: 8233 }].map(hostPortOf)).toEqual([
      '8233',
      '8233',
      '8233',
    ]);
  });

  it('gives no service an env_file (it would hand every service every secret)', () => {
    for (const [name, service] of Object.entries(compose.services))
      expect({ name, env_file: service.env_file }).toEqual({ name, env_file: undefined });
  });

  it('hands each of our services exactly the variables its process reads', () => {
    for (const [name, service] of ours) {
      const reads = readBy(READER_OF[name]);
      const handed = variablesHandedTo(service, ALL_VARIABLES);
      expect({ name, notRead: [...handed].filter((v) => !reads.has(v)) }).toEqual({ name, notRead: [] });
      // …and every one of them, so that a value set in .env reaches the process that reads it.
      expect({ name, missing: [...reads].filter((v) => !handed.has(v)) }).toEqual({ name, missing: [] });
    }
  });

  it('hands each secret only to the services that use it', () => {
    const holders = (variable: string) =>
      Object.entries(compose.services)
        .filter(([, s]) => variablesHandedTo(s, ALL_VARIABLES).has(variable))
        .map(([name]) => name)
        .sort();
    const expected: Record<string, string[]> = {
      EKO_DEVELOPER_KEY: ['worker'],
      EKO_ACCESS_KEY: ['worker'],
      EKO_INITIATOR_ID: ['worker'],
      EKO_AADHAAR_PUBLIC_KEY: ['worker'],
      EKYC_WEBHOOK_SECRETS: ['worker'],
      EKYC_CODEC_KEYS: ['api', 'codec-server', 'worker'],
      EKYC_CODEC_KEY_ID: ['api', 'codec-server', 'worker'],
      EKYC_JWT_JWKS_URL: ['api', 'codec-server'],
      EKYC_JWT_PUBLIC_KEY: ['api', 'codec-server'],
      TEMPORAL_API_KEY: ['api', 'worker'],
      TEMPORAL_TLS_CLIENT_KEY_PATH: ['api', 'worker'],
      OTEL_EXPORTER_OTLP_HEADERS: ['api', 'worker'],
      POSTGRES_PASSWORD: ['keystore-init', 'postgresql', 'temporal', 'temporal-schema'],
      EKYC_KEY_STORE_URL: ['api', 'keystore-init', 'worker'],
    };
    expect(Object.fromEntries(Object.keys(expected).map((v) => [v, holders(v)]))).toEqual(expected);
  });

  it("hands Temporal's, PostgreSQL's and the UI's containers nothing of ours but what they need", () => {
    const allowed: Record<string, string[]> = {
      postgresql: ['POSTGRES_PASSWORD'],
      'temporal-schema': ['POSTGRES_PASSWORD'],
      temporal: ['POSTGRES_PASSWORD'],
      'temporal-init': ['TEMPORAL_NAMESPACE'],
      // Creates the key store's role with the password in the URL the worker and the API use.
      'keystore-init': ['POSTGRES_PASSWORD', 'EKYC_KEY_STORE_URL'],
      'temporal-ui': ['EKYC_CODEC_PUBLIC_URL'],
    };
    for (const [name, service] of Object.entries(compose.services)) {
      if (service.build === '.') continue;
      const ofOurs = [...variablesHandedTo(service, ALL_VARIABLES)].filter(
        (v) => ALL_VARIABLES.includes(v) && !(allowed[name] ?? []).includes(v),
      );
      // Their own settings (DB, POSTGRES_SEEDS, TEMPORAL_CODEC_ENDPOINT…) are theirs; TEMPORAL_ADDRESS points at the
      // server on this network.
      expect({ name, ofOurs: ofOurs.filter((v) => v !== 'TEMPORAL_ADDRESS') }).toEqual({ name, ofOurs: [] });
    }
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

  it('names only variables that some service is handed', () => {
    const handed = new Set(Object.values(compose.services).flatMap((s) => [...variablesHandedTo(s, [])]));
    expect(envExample.filter((name) => !handed.has(name))).toEqual([]);
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
  it('builds and runs on the Node major that package.json, .nvmrc and the CLI require', () => {
    const major = /^>=(\d+)$/.exec(
      (JSON.parse(read('package.json')) as { engines: { node: string } }).engines.node,
    )?.[1];
    expect(major).toBe(read('.nvmrc').trim());
    expect(read('bin/ekyc.js')).toContain(`MIN_NODE_MAJOR = ${major};`);
    const images = [...dockerfile.matchAll(/^FROM (\S+)/gm)].map((m) => m[1]);
    expect(images.length).toBeGreaterThanOrEqual(2);
    for (const image of images) expect(image).toBe(`node:${major}-bookworm-slim`);
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
