// A throwaway PostgreSQL 15 cluster for the key store's tests (dev/postgres.ts): initdb in a temporary folder, run
// as the `postgres` user on a free loopback port, a database and role of the key store's own, removed at stop. It
// fails (never skips) when the Debian binaries are missing (.ci/run installs postgresql-15) or the cluster does not
// start.
import { rmSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../dev/ports.js';
import { assertPostgresInstalled, PgCluster } from '../../dev/postgres.js';

export { PG_BIN } from '../../dev/postgres.js';

export interface TestPostgres {
  /** postgres://ekyc_keys:…@127.0.0.1:<port>/ekyc_keys */
  url: string;
  /** The cluster's Unix socket folder (local connections as `postgres` are trusted) and port. */
  socketDir: string;
  port: number;
  stop(): Promise<void>;
}

export async function startTestPostgres(): Promise<TestPostgres> {
  assertPostgresInstalled();
  const dir = mkdtempSync(join(tmpdir(), 'ekyc-pg-'));
  const pg = new PgCluster({ dir, port: await freePort(), fsync: false });
  const password = `test-${Math.random().toString(36).slice(2)}`;
  let started = false;
  try {
    await pg.init();
    await pg.start();
    started = true;
    await pg.psql(`CREATE ROLE ekyc_keys LOGIN PASSWORD '${password}'`);
    await pg.psql('CREATE DATABASE ekyc_keys OWNER ekyc_keys');
  } catch (err) {
    if (started) await pg.stop('immediate').catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`the test PostgreSQL cluster could not be started: ${(err as Error).message}`, { cause: err });
  }
  return {
    url: `postgres://ekyc_keys:${password}@127.0.0.1:${pg.port}/ekyc_keys`,
    socketDir: pg.socketDir,
    port: pg.port,
    async stop() {
      await pg.stop('fast').catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
