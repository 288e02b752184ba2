// The key store's contract, run on both implementations through the same code path: the embedded file store and
// PostgreSQL (a throwaway cluster, test/support/postgres.ts). Then sealing and the sweeper on each.
import { mkdtempSync, rmSync, statSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openKeyStore, Sealer, startSweeper, type KeyStore } from '../../keystore/index.js';
import { KeyDestroyedError } from '../../keystore/sealer.js';
import { FileKeyStore } from '../../keystore/file.js';
import { migrate, PostgresKeyStore } from '../../keystore/postgres.js';
import { sealedKeyId } from '../../common/sealed.js';
import { startTestPostgres, type TestPostgres } from '../support/postgres.js';
import { markedPidData } from '../privacy/support.js';
import pg from 'pg';

let postgres: TestPostgres;
const dataDir = mkdtempSync(join(tmpdir(), 'ekyc-keys-'));

beforeAll(async () => {
  postgres = await startTestPostgres();
}, 180_000);
afterAll(async () => {
  await postgres?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

const newId = () => randomBytes(16).toString('base64url');
const AADHAAR = '234123412346';

const backends: [string, () => Promise<KeyStore>][] = [
  ['file', () => openKeyStore({ url: null, dataDir })],
  ['postgres', () => openKeyStore({ url: postgres.url, dataDir })],
];

describe.each(backends)('the %s key store', (backend, open) => {
  let store: KeyStore;
  let other: KeyStore;
  beforeAll(async () => {
    store = await open();
    other = await open(); // a second process's handle on the same store
  });
  afterAll(async () => {
    await store.close();
    await other.close();
  });

  it('reports its backend', () => {
    expect(store.backend).toBe(backend);
  });

  it('hands a key out until it is destroyed, to every handle on the store', async () => {
    const id = newId();
    const key = randomBytes(32);
    await store.put({ id, owner: 'fingpay-ekyc-10000001', kind: 'pid', key, expiresAt: Date.now() + 60_000 });
    expect((await other.get(id))?.equals(key)).toBe(true);
    expect(await other.destroy([id])).toBe(1);
    expect(await store.get(id)).toBeNull();
    expect(await store.destroy([id])).toBe(0);
  });

  it('never hands out an expired key, and purges exactly the expired ones', async () => {
    const owner = `fingpay-ekyc-${Date.now()}`;
    const expired = newId();
    const live = newId();
    await store.put({ id: expired, owner, kind: 'pid', key: randomBytes(32), expiresAt: Date.now() - 1 });
    await store.put({ id: live, owner, kind: 'aadhaar', key: randomBytes(32), expiresAt: Date.now() + 60_000 });
    expect(await store.get(expired)).toBeNull();
    expect(await store.countOwnedBy(owner)).toBe(2);
    expect(await other.purgeExpired()).toBeGreaterThanOrEqual(1);
    expect(await store.countOwnedBy(owner)).toBe(1);
    expect(await store.get(live)).not.toBeNull();
    expect(await store.destroy([live, live])).toBe(1);
    expect(await store.countOwnedBy(owner)).toBe(0);
  });

  it('seals a value that holds nothing of it in the clear and opens it until the key is destroyed', async () => {
    const sealer = new Sealer(store);
    const { pid, marker } = markedPidData();
    const token = await sealer.seal('pid', 'fingpay-ekyc-10000002', pid, 60_000);
    expect(token).not.toContain(marker);
    expect(token).not.toContain('<PidData');
    expect(Buffer.from(token.split(':').pop()!, 'base64url').toString('latin1')).not.toContain(marker);
    expect(sealedKeyId(token, 'pid')).not.toBeNull();
    expect(sealedKeyId(token, 'aadhaar')).toBeNull();
    expect(await new Sealer(other).open('pid', token)).toBe(pid);
    expect(await sealer.shred('pid', [token])).toBe(1);
    await expect(sealer.open('pid', token)).rejects.toBeInstanceOf(KeyDestroyedError);
  });

  it('refuses a token whose ciphertext was altered', async () => {
    const sealer = new Sealer(store);
    const token = await sealer.seal('aadhaar', 'fingpay-ekyc-10000003', AADHAAR, 60_000);
    const last = token.at(-2) === 'A' ? 'B' : 'A';
    await expect(sealer.open('aadhaar', `${token.slice(0, -2)}${last}${token.at(-1)}`)).rejects.toThrow();
    await sealer.shred('aadhaar', [token]);
  });

  it('has the sweeper destroy unused keys at their expiry and report how many', async () => {
    const sealer = new Sealer(store);
    const owner = `fingpay-ekyc-sweep-${backend}`;
    const tokens = await Promise.all([1, 2, 3].map(() => sealer.seal('pid', owner, AADHAAR, 50)));
    await new Promise((r) => setTimeout(r, 100));
    const reported: number[] = [];
    const sweeper = startSweeper(
      other,
      { destroyed: (_reason, n) => reported.push(n), failed: (err) => reported.push(-1, err.message.length) },
      60_000,
    );
    await sweeper.stop();
    expect(await store.countOwnedBy(owner)).toBe(0);
    expect(reported.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(tokens.length);
    expect(reported).not.toContain(-1);
  });
});

describe('the embedded store on disk', () => {
  it('keeps each key in a 0600 file in a 0700 folder, and leaves nothing behind a destroy', async () => {
    const store = await FileKeyStore.open(dataDir);
    const id = newId();
    await store.put({ id, owner: 'o', kind: 'pid', key: randomBytes(32), expiresAt: Date.now() + 60_000 });
    expect(statSync(join(store.dir, `${id}.key`)).mode & 0o777).toBe(0o600);
    expect(statSync(store.dir).mode & 0o777).toBe(0o700);
    await store.destroy([id]);
    expect(readdirSync(store.dir).filter((f) => f.includes(id))).toEqual([]);
  });
});

describe('the PostgreSQL store schema', () => {
  it('is migrated once: opening again applies nothing, and the table and its version are there', async () => {
    const store = await PostgresKeyStore.open(postgres.url);
    const pool = new pg.Pool({ connectionString: postgres.url });
    try {
      expect(await migrate(pool)).toBe(0);
      const { rows } = await pool.query('SELECT version FROM ekyc_schema_migrations ORDER BY version');
      expect(rows.map((r) => r.version)).toEqual([1]);
    } finally {
      await pool.end();
      await store.close();
    }
  });

  it('fails to open with a message naming the variable, not the password', async () => {
    const wrong = postgres.url.replace(/:[^:@/]+@/, ':wrong-password@');
    const err = await PostgresKeyStore.open(wrong).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toContain('EKYC_KEY_STORE_URL');
    expect((err as Error).message).not.toContain('wrong-password');
  });
});
