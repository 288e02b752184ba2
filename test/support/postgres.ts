// A throwaway PostgreSQL 15 cluster for the key store's tests: initdb in a temporary folder, run as the `postgres`
// user on a free loopback port, a database and role of the key store's own, removed at stop. It fails (never skips)
// when the Debian binaries are missing (.ci/run installs postgresql-15) or the cluster does not start.
import { execFile } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '../../dev/ports.js';

const run = promisify(execFile);
export const PG_BIN = process.env.EKYC_TEST_PG_BIN ?? '/usr/lib/postgresql/15/bin';

export interface TestPostgres {
  /** postgres://ekyc_keys:…@127.0.0.1:<port>/ekyc_keys */
  url: string;
  /** The cluster's Unix socket folder (local connections as `postgres` are trusted) and port. */
  socketDir: string;
  port: number;
  stop(): Promise<void>;
}

/** Runs a PostgreSQL binary as the postgres user (initdb refuses root). */
async function asPostgres(bin: string, args: string[]): Promise<string> {
  const asRoot = process.getuid?.() === 0;
  const [file, argv] = asRoot
    ? ['runuser', ['-u', 'postgres', '--', join(PG_BIN, bin), ...args]]
    : [join(PG_BIN, bin), args];
  const { stdout } = await run(file, argv, { timeout: 120_000 });
  return stdout;
}

export async function startTestPostgres(): Promise<TestPostgres> {
  if (!existsSync(join(PG_BIN, 'initdb'))) {
    throw new Error(`PostgreSQL 15 is not installed (${PG_BIN}/initdb): apt-get install -y postgresql-15`);
  }
  const dir = mkdtempSync(join(tmpdir(), 'ekyc-pg-'));
  const data = join(dir, 'data');
  if (process.getuid?.() === 0) {
    const { stdout } = await run('id', ['-u', 'postgres']);
    const { stdout: gid } = await run('id', ['-g', 'postgres']);
    chownSync(dir, Number(stdout.trim()), Number(gid.trim()));
  }
  const port = await freePort();
  const password = `test-${Math.random().toString(36).slice(2)}`;
  let started = false;
  try {
    await asPostgres('initdb', [
      '-D',
      data,
      '-U',
      'postgres',
      '--auth-local=trust',
      '--auth-host=scram-sha-256',
      '-E',
      'UTF8',
      '--no-sync',
    ]);
    await asPostgres('pg_ctl', [
      '-D',
      data,
      '-l',
      join(dir, 'log'),
      '-w',
      '-t',
      '90',
      '-o',
      `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`,
      'start',
    ]);
    started = true;
    const sql = [`CREATE ROLE ekyc_keys LOGIN PASSWORD '${password}'`, 'CREATE DATABASE ekyc_keys OWNER ekyc_keys'];
    for (const statement of sql) {
      await asPostgres('psql', [
        '-h',
        dir,
        '-p',
        String(port),
        '-U',
        'postgres',
        '-v',
        'ON_ERROR_STOP=1',
        '-c',
        statement,
      ]);
    }
  } catch (err) {
    if (started) await asPostgres('pg_ctl', ['-D', data, '-m', 'immediate', 'stop']).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`the test PostgreSQL cluster could not be started: ${(err as Error).message}`, { cause: err });
  }
  return {
    url: `postgres://ekyc_keys:${password}@127.0.0.1:${port}/ekyc_keys`,
    socketDir: dir,
    port,
    async stop() {
      await asPostgres('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop']).catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
