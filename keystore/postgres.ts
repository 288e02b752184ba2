// The production key store: a table in its own PostgreSQL database (docker-compose.yml: database and role
// `ekyc_keys`). The schema is migrated on open, under an advisory lock, so every worker and API replica may start at
// once. Destroyed rows are vacuumed promptly (the table's autovacuum thresholds are set to zero scale).
import pg from 'pg';
import type { SealedKind } from '../common/sealed.js';
import type { KeyRecord, KeyStore } from './store.js';

/** Applied in order, each once; a new one is appended, never edited. */
export const MIGRATIONS: readonly string[] = [
  `CREATE TABLE seal_keys (
     id text PRIMARY KEY,
     owner text NOT NULL,
     kind text NOT NULL CHECK (kind IN ('aadhaar', 'pid')),
     key bytea NOT NULL,
     created_at timestamptz NOT NULL DEFAULT now(),
     expires_at timestamptz NOT NULL
   ) WITH (autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 50);
   CREATE INDEX seal_keys_expires_at ON seal_keys (expires_at);
   CREATE INDEX seal_keys_owner ON seal_keys (owner);`,
];

const LOCK_ID = 0x656b7963; // 'ekyc'

/** Runs the migrations not yet applied; how many ran. */
export async function migrate(pool: pg.Pool): Promise<number> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock($1)', [LOCK_ID]);
    await client.query(
      'CREATE TABLE IF NOT EXISTS ekyc_schema_migrations (version int PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())',
    );
    const { rows } = await client.query<{ v: number | null }>('SELECT max(version) AS v FROM ekyc_schema_migrations');
    const applied = rows[0]?.v ?? 0;
    for (let version = applied + 1; version <= MIGRATIONS.length; version++) {
      await client.query(MIGRATIONS[version - 1]);
      await client.query('INSERT INTO ekyc_schema_migrations (version) VALUES ($1)', [version]);
    }
    await client.query('COMMIT');
    return Math.max(0, MIGRATIONS.length - applied);
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

export class PostgresKeyStore implements KeyStore {
  readonly backend = 'postgres' as const;
  private constructor(private readonly pool: pg.Pool) {}

  /** Connects, migrates the schema, and fails (naming no secret) when either cannot be done. */
  static async open(connectionString: string, options: { max?: number } = {}): Promise<PostgresKeyStore> {
    const pool = new pg.Pool({ connectionString, max: options.max ?? 4, connectionTimeoutMillis: 10_000 });
    // An idle client losing its server must not crash the process; the next query reports it.
    pool.on('error', () => undefined);
    try {
      await migrate(pool);
    } catch (err) {
      await pool.end().catch(() => undefined);
      // The driver's error object stays behind (only its message goes on): it is not ours to vet for secrets.
      // eslint-disable-next-line preserve-caught-error
      throw new Error(`the key store (EKYC_KEY_STORE_URL) could not be opened: ${(err as Error).message}`);
    }
    return new PostgresKeyStore(pool);
  }

  async put({ id, owner, kind, key, expiresAt }: KeyRecord): Promise<void> {
    await this.pool.query(
      'INSERT INTO seal_keys (id, owner, kind, key, expires_at) VALUES ($1, $2, $3, $4, to_timestamp($5 / 1000.0))',
      [id, owner, kind satisfies SealedKind, key, expiresAt],
    );
  }

  async get(id: string): Promise<Buffer | null> {
    const { rows } = await this.pool.query<{ key: Buffer }>(
      'SELECT key FROM seal_keys WHERE id = $1 AND expires_at > to_timestamp($2 / 1000.0)',
      [id, Date.now()],
    );
    return rows[0]?.key ?? null;
  }

  async destroy(ids: readonly string[]): Promise<number> {
    if (ids.length === 0) return 0;
    const result = await this.pool.query('DELETE FROM seal_keys WHERE id = ANY($1::text[])', [[...new Set(ids)]]);
    return result.rowCount ?? 0;
  }

  async purgeExpired(now = Date.now()): Promise<number> {
    const result = await this.pool.query('DELETE FROM seal_keys WHERE expires_at <= to_timestamp($1 / 1000.0)', [now]);
    return result.rowCount ?? 0;
  }

  async countOwnedBy(owner: string): Promise<number> {
    const { rows } = await this.pool.query<{ n: string }>('SELECT count(*) AS n FROM seal_keys WHERE owner = $1', [
      owner,
    ]);
    return Number(rows[0]?.n ?? 0);
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
