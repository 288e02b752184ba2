// deploy/temporal/setup-postgres.sh natively (as `npm run cluster` runs it) against a PostgreSQL 15 of its own, with
// the real temporal-sql-tool 1.32.2: started before PostgreSQL is up, it waits by retrying the tool (no nc); it
// creates both databases at the schema version the tool ships; a second run changes nothing and succeeds.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findTemporalBinaries } from '../../dev/cluster.js';
import { freePort } from '../../dev/ports.js';
import { letPostgresTraverse, PgCluster } from '../../dev/postgres.js';

const SCRIPT = join(import.meta.dirname, '..', '..', 'deploy', 'temporal', 'setup-postgres.sh');
const dir = mkdtempSync(join(tmpdir(), 'ekyc-setup-pg-'));
letPostgresTraverse(dir);
let pg: PgCluster | null = null;
afterAll(async () => {
  await pg?.stop('immediate').catch(() => undefined);
  rmSync(dir, { recursive: true, force: true });
});

function setup(env: NodeJS.ProcessEnv): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn('sh', [SCRIPT], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.once('exit', (code) => resolve({ code, output }));
  });
}

describe('deploy/temporal/setup-postgres.sh', () => {
  it('waits for PostgreSQL, sets up both databases, and is idempotent', async () => {
    const binaries = findTemporalBinaries();
    expect(binaries, 'Temporal binaries: run deploy/temporal/build-server.sh').not.toBeNull();
    pg = new PgCluster({ dir: join(dir, 'pg'), port: await freePort(), fsync: false });
    await pg.init();
    const env = {
      PATH: process.env.PATH,
      POSTGRES_SEEDS: '127.0.0.1',
      DB_PORT: String(pg.port),
      POSTGRES_USER: 'temporal',
      POSTGRES_PWD: 'setup-test-pw',
      TEMPORAL_SQL_TOOL: binaries!.sqlTool,
      // No schema folder: the schema compiled into the tool.
      TEMPORAL_SCHEMA_DIR: join(dir, 'none'),
    };
    // Started while PostgreSQL is down: it must wait, not fail.
    const first = setup(env);
    await new Promise((r) => setTimeout(r, 3_000));
    await pg.start();
    await pg.psql("CREATE ROLE temporal LOGIN CREATEDB PASSWORD 'setup-test-pw'");
    const one = await first;
    expect(one.output).toContain('waiting for PostgreSQL');
    expect(one.code).toBe(0);
    const versions = async () =>
      Promise.all(
        ['temporal', 'temporal_visibility'].map(async (db) =>
          (await pg!.psql('SELECT curr_version FROM schema_version', db)).trim(),
        ),
      );
    const after = await versions();
    for (const v of after) expect(v).toMatch(/^1\.\d+$/);
    expect(
      Number((await pg.psql("SELECT count(*) FROM pg_tables WHERE tablename = 'executions'", 'temporal')).trim()),
    ).toBe(1);

    const two = await setup(env);
    expect(two.code).toBe(0);
    expect(await versions()).toEqual(after);

    // A wrong password is no reason to wait: it fails with the tool's words after its tries.
    const wrong = await setup({ ...env, POSTGRES_PWD: 'wrong', SETUP_MAX_TRIES: '2' });
    expect(wrong.code).not.toBe(0);
    expect(wrong.output).toMatch(/could not create database temporal/);
  }, 180_000);
});
