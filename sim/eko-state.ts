// The Eko simulator's agents on disk, so a restarted `ekyc dev` resumes its sessions: the Temporal sessions survive
// a restart, and Eko (real or simulated) must still know the agents they talk about. The file holds Aadhaar
// numbers, mobiles and pending OTPs, so it is AES-256-GCM encrypted with a key kept beside it (both 0600); it is a
// dev tool's file, but nothing we write holds those in plain text.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SimAgent } from './eko-agents.js';

export const SIM_STATE_FILE = 'eko-sim-state.json';
export const SIM_STATE_KEY_FILE = 'eko-sim-key';
const VERSION = 1;
/** Far above any dev folder's agents; a larger file is not ours. */
const MAX_FILE_BYTES = 16 * 1024 * 1024;

export interface SimStateStore {
  load(): SimAgent[];
  save(agents: SimAgent[]): void;
}

interface SealedFile {
  v: number;
  iv: string;
  tag: string;
  data: string;
}

function ownerOnly(path: string): void {
  if ((statSync(path).mode & 0o077) !== 0) chmodSync(path, 0o600);
}

function loadOrCreateKey(path: string): Buffer {
  try {
    writeFileSync(path, randomBytes(32).toString('base64') + '\n', { mode: 0o600, flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  ownerOnly(path);
  const key = Buffer.from(readFileSync(path, 'utf8').trim(), 'base64');
  if (key.length !== 32) throw new Error(`${path}: not a 32-byte base64 key; delete it to start the simulator afresh`);
  return key;
}

function isAgent(a: unknown): a is SimAgent {
  const x = a as SimAgent;
  return (
    !!x &&
    typeof x.userCode === 'string' &&
    typeof x.aadhaar === 'string' &&
    (x.mobile === null || typeof x.mobile === 'string') &&
    typeof x.onboarded === 'boolean' &&
    typeof x.activated === 'boolean'
  );
}

/** The encrypted state file under `dir` (an `ekyc dev` data folder). */
export function simStateStore(dir: string): SimStateStore {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const key = loadOrCreateKey(join(dir, SIM_STATE_KEY_FILE));
  const path = join(dir, SIM_STATE_FILE);
  // Owner-only also when an existing folder holds it with a wider mode (copied in, an old umask).
  if (existsSync(path)) ownerOnly(path);
  return {
    load() {
      let text: string;
      try {
        if (statSync(path).size > MAX_FILE_BYTES) throw new Error(`${path}: larger than ${MAX_FILE_BYTES} bytes`);
        text = readFileSync(path, 'utf8');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
        throw err;
      }
      const sealed = JSON.parse(text) as SealedFile;
      if (sealed.v !== VERSION) throw new Error(`${path}: unknown version; delete it to start the simulator afresh`);
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(sealed.iv, 'base64'));
      decipher.setAuthTag(Buffer.from(sealed.tag, 'base64'));
      let plain: string;
      try {
        plain = Buffer.concat([decipher.update(Buffer.from(sealed.data, 'base64')), decipher.final()]).toString('utf8');
      } catch {
        throw new Error(`${path}: cannot be decrypted with ${SIM_STATE_KEY_FILE}; delete both to start afresh`);
      }
      const agents = JSON.parse(plain) as unknown;
      return Array.isArray(agents) ? agents.filter(isAgent) : [];
    },
    save(agents) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      const data = Buffer.concat([cipher.update(JSON.stringify(agents), 'utf8'), cipher.final()]);
      const sealed: SealedFile = {
        v: VERSION,
        iv: iv.toString('base64'),
        tag: cipher.getAuthTag().toString('base64'),
        data: data.toString('base64'),
      };
      // Written whole, then renamed: a stack killed mid-write leaves the previous state, never half of one.
      const tmp = `${path}.${process.pid}.tmp`;
      writeFileSync(tmp, JSON.stringify(sealed), { mode: 0o600 });
      renameSync(tmp, path);
    },
  };
}
