// The embedded key store: one file per key under <EKYC_DATA_DIR>/keys, shared by every process of one machine (the
// worker, the API, the CLI of `ekyc dev`) without a server. Each file is written whole to a temporary name (0600) and
// renamed into place, so a reader sees a key entirely or not at all; destroying overwrites it with zeros first.
// The calls on the path of every Eko step (put, get, destroy) use the synchronous file calls for everything but the
// fsync: a key file is a few hundred bytes on a local disk, read or written in microseconds, while each asynchronous
// call is a round trip through libuv's thread pool that cost the worker's main thread more than the work itself
// (a read 8 against 230-280 µs of CPU; docs/PERFORMANCE.md). The fsync, which waits for the disk, stays off the main
// thread. The sweeper and the counts, which walk the whole folder, stay asynchronous.
import { randomBytes } from 'node:crypto';
import { closeSync, fstatSync, fsync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { mkdir, readdir, readFile, stat } from 'node:fs/promises';
import { promisify } from 'node:util';
import { join } from 'node:path';
import { KEY_ID_PATTERN, SEALED_KINDS, type SealedKind } from '../common/sealed.js';
import type { KeyRecord, KeyStore } from './store.js';

const SUFFIX = '.key';
const fsyncAsync = promisify(fsync);
/** A temporary file left by a process killed mid-write is removed once older than this. */
const STALE_TMP_MS = 60_000;

interface KeyFile {
  owner: string;
  kind: SealedKind;
  key: string;
  expiresAt: number;
}

export class FileKeyStore implements KeyStore {
  readonly backend = 'file' as const;
  private constructor(readonly dir: string) {}

  static async open(dataDir: string): Promise<FileKeyStore> {
    const dir = join(dataDir, 'keys');
    await mkdir(dir, { recursive: true, mode: 0o700 });
    return new FileKeyStore(dir);
  }

  private path(id: string): string {
    if (!KEY_ID_PATTERN.test(id)) throw new Error('key id must be 22 base64url characters');
    return join(this.dir, `${id}${SUFFIX}`);
  }

  async put({ id, owner, kind, key, expiresAt }: KeyRecord): Promise<void> {
    const target = this.path(id);
    const tmp = join(this.dir, `.${id}.${randomBytes(6).toString('hex')}.tmp`);
    const body: KeyFile = { owner, kind, key: key.toString('base64'), expiresAt };
    const fd = openSync(tmp, 'wx', 0o600);
    try {
      writeSync(fd, JSON.stringify(body));
      await fsyncAsync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, target);
  }

  /** The key file at `path`, or null when there is none (or a destroy has zeroed it). */
  private read(path: string, text?: string): KeyFile | null {
    try {
      const parsed = JSON.parse(text ?? readFileSync(path, 'utf8')) as KeyFile;
      return SEALED_KINDS.includes(parsed.kind) ? parsed : null;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      if (err instanceof SyntaxError) return null; // zeroed by a destroy under way
      throw err;
    }
  }

  /** read(), with the file read asynchronously: for the walks over the whole folder. */
  private async readAsync(path: string): Promise<KeyFile | null> {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw err;
    }
    return this.read(path, text);
  }

  async get(id: string): Promise<Buffer | null> {
    const found = this.read(this.path(id));
    if (!found || found.expiresAt <= Date.now()) return null;
    return Buffer.from(found.key, 'base64');
  }

  /** Overwrites the key with zeros on disk, then removes the file: true when it existed. */
  private async shred(path: string): Promise<boolean> {
    let fd: number;
    try {
      fd = openSync(path, 'r+');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw err;
    }
    try {
      const { size } = fstatSync(fd);
      writeSync(fd, Buffer.alloc(size), 0, size, 0);
      await fsyncAsync(fd);
    } finally {
      closeSync(fd);
    }
    try {
      unlinkSync(path);
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false; // another process destroyed it first
      throw err;
    }
  }

  async destroy(ids: readonly string[]): Promise<number> {
    let destroyed = 0;
    for (const id of new Set(ids)) if (await this.shred(this.path(id))) destroyed += 1;
    return destroyed;
  }

  private async entries(): Promise<string[]> {
    return (await readdir(this.dir)).filter((name) => name.endsWith(SUFFIX));
  }

  async purgeExpired(now = Date.now()): Promise<number> {
    let purged = 0;
    for (const name of await this.entries()) {
      const path = join(this.dir, name);
      const found = await this.readAsync(path);
      if (found && found.expiresAt <= now && (await this.shred(path))) purged += 1;
    }
    for (const name of await readdir(this.dir)) {
      if (!name.endsWith('.tmp')) continue;
      const path = join(this.dir, name);
      const info = await stat(path).catch(() => null);
      if (info && now - info.mtimeMs > STALE_TMP_MS) await this.shred(path);
    }
    return purged;
  }

  async countOwnedBy(owner: string): Promise<number> {
    let count = 0;
    for (const name of await this.entries()) {
      if ((await this.readAsync(join(this.dir, name)))?.owner === owner) count += 1;
    }
    return count;
  }

  async close(): Promise<void> {}
}
