// A PostgreSQL 15 cluster of our own (Debian's /usr/lib/postgresql/15/bin): initdb, pg_ctl start/stop/restart and
// psql as the `postgres` user (initdb refuses root, so a root caller runs them through runuser), on a loopback port,
// with its Unix socket in the cluster's folder. `npm run cluster` keeps one under .data/cluster/; the key store's
// tests start throwaway ones (test/support/postgres.ts). Local (socket) connections are trusted, TCP ones need a
// password (scram-sha-256).
import { execFile } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export const PG_BIN = process.env.EKYC_PG_BIN ?? '/usr/lib/postgresql/15/bin';

const asRoot = () => process.getuid?.() === 0;

/** Runs a PostgreSQL binary as the postgres user when we are root, else as ourselves. */
export async function asPostgres(bin: string, args: string[], timeout = 120_000): Promise<string> {
  const [file, argv] = asRoot()
    ? ['runuser', ['-u', 'postgres', '--', join(PG_BIN, bin), ...args]]
    : [join(PG_BIN, bin), args];
  const { stdout } = await run(file, argv, { timeout });
  return stdout;
}

/** The postgres user's uid and gid when we are root (it must own the cluster's folders), else null. */
async function postgresOwner(): Promise<{ uid: number; gid: number } | null> {
  if (!asRoot()) return null;
  const { stdout: uid } = await run('id', ['-u', 'postgres']);
  const { stdout: gid } = await run('id', ['-g', 'postgres']);
  return { uid: Number(uid.trim()), gid: Number(gid.trim()) };
}

export function assertPostgresInstalled(): void {
  if (!existsSync(join(PG_BIN, 'initdb'))) {
    throw new Error(`PostgreSQL 15 is not installed (${PG_BIN}/initdb): apt-get install -y postgresql-15`);
  }
}

export interface PgClusterOptions {
  /** The folder holding data/, the socket and the log; created, and handed to the postgres user when root. */
  dir: string;
  port: number;
  /** fsync=off: for throwaway test clusters only. */
  fsync?: boolean;
  /** Extra `-c name=value` server settings. */
  settings?: Record<string, string | number>;
}

export class PgCluster {
  readonly data: string;
  readonly log: string;

  constructor(readonly options: PgClusterOptions) {
    this.data = join(options.dir, 'data');
    this.log = join(options.dir, 'postgres.log');
  }

  get dir(): string {
    return this.options.dir;
  }

  get port(): number {
    return this.options.port;
  }

  /** Where psql and the setup scripts connect as postgres without a password. */
  get socketDir(): string {
    return this.options.dir;
  }

  /** initdb unless the cluster exists already; true when it was made now. */
  async init(): Promise<boolean> {
    assertPostgresInstalled();
    if (existsSync(join(this.data, 'PG_VERSION'))) return false;
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    const owner = await postgresOwner();
    if (owner) chownSync(this.dir, owner.uid, owner.gid);
    const args = ['-D', this.data, '-U', 'postgres', '--auth-local=trust', '--auth-host=scram-sha-256', '-E', 'UTF8'];
    if (this.options.fsync === false) args.push('--no-sync');
    await asPostgres('initdb', args);
    return true;
  }

  private serverOptions(): string {
    const settings: Record<string, string | number> = {
      listen_addresses: '127.0.0.1',
      ...(this.options.fsync === false ? { fsync: 'off' } : {}),
      ...this.options.settings,
    };
    return [
      `-p ${this.port}`,
      `-k ${this.socketDir}`,
      ...Object.entries(settings).map(([name, value]) => `-c ${name}=${value}`),
    ].join(' ');
  }

  /** `pg_ctl start` or `restart` (waiting up to 90 s), with this cluster's port, socket and settings. */
  private async control(action: 'start' | 'restart', extra: string[] = []): Promise<void> {
    const args = ['-D', this.data, '-l', this.log, '-w', '-t', '90', ...extra, '-o', this.serverOptions(), action];
    await asPostgres('pg_ctl', args);
  }

  async start(): Promise<void> {
    await this.control('start');
  }

  /** `fast` rolls back open transactions and disconnects clients; `immediate` is a crash (recovery on start). */
  async restart(mode: 'fast' | 'immediate' = 'fast'): Promise<void> {
    await this.control('restart', ['-m', mode]);
  }

  async stop(mode: 'fast' | 'immediate' = 'fast'): Promise<void> {
    await asPostgres('pg_ctl', ['-D', this.data, '-m', mode, '-w', '-t', '60', 'stop']);
  }

  async running(): Promise<boolean> {
    try {
      await asPostgres('pg_ctl', ['-D', this.data, 'status']);
      return true;
    } catch {
      return false;
    }
  }

  /** The postmaster's pid (for CPU figures), or null. */
  pid(): number | null {
    try {
      const pid = Number(readFileSync(join(this.data, 'postmaster.pid'), 'utf8').split('\n')[0]);
      return Number.isInteger(pid) && pid > 0 ? pid : null;
    } catch {
      return null;
    }
  }

  /** One SQL statement as the postgres superuser over the socket; the rows as psql's unaligned output. */
  async psql(sql: string, database = 'postgres'): Promise<string> {
    return asPostgres('psql', [
      '-h',
      this.socketDir,
      '-p',
      String(this.port),
      '-U',
      'postgres',
      '-d',
      database,
      '-v',
      'ON_ERROR_STOP=1',
      '-At',
      '-c',
      sql,
    ]);
  }
}

/** Makes `dir` traversable (not listable) by the postgres user, so a cluster folder inside it is reachable. */
export function letPostgresTraverse(dir: string): void {
  if (asRoot()) chmodSync(dir, 0o711);
}
