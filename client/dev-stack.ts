// How the CLI in another shell finds a running `ekyc dev`: the stack writes `dev-stack.json` into its data folder
// (`EKYC_DATA_DIR`, default `.data`) while it runs, and the session commands, given neither `EKYC_CODEC_KEYS` nor
// another `TEMPORAL_ADDRESS`, take the stack's Temporal address and its dev codec key from there.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { devCodecKeyPath } from '../codec/dev-key.js';
import type { Env } from '../config/index.js';

export const DEV_STACK_FILE = 'dev-stack.json';
const MAX_BYTES = 4096;

export interface DevStackRecord {
  pid: number;
  temporalAddress: string;
  namespace: string;
}

export function recordDevStack(dataDir: string, record: DevStackRecord): void {
  writeFileSync(join(dataDir, DEV_STACK_FILE), `${JSON.stringify(record)}\n`, { mode: 0o600 });
}

/** Removes the record if it is still this process's (a newer stack on the same folder keeps its own). */
export function forgetDevStack(dataDir: string, pid: number): void {
  if (readRecord(dataDir)?.pid === pid) rmSync(join(dataDir, DEV_STACK_FILE), { force: true });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readRecord(dataDir: string): DevStackRecord | null {
  try {
    const text = readFileSync(join(dataDir, DEV_STACK_FILE), 'utf8');
    if (text.length > MAX_BYTES) return null;
    const r = JSON.parse(text) as Partial<DevStackRecord>;
    if (!Number.isSafeInteger(r.pid) || typeof r.temporalAddress !== 'string' || typeof r.namespace !== 'string') {
      return null;
    }
    return r as DevStackRecord;
  } catch {
    return null;
  }
}

/**
 * `env`, completed with a running local stack's Temporal address, namespace and dev codec key when it names no
 * codec keys and no other Temporal. Unchanged when no stack runs on the data folder.
 */
export function withDevStack(env: Env): Env {
  if (env.EKYC_CODEC_KEYS) return env;
  const dataDir = resolve(env.EKYC_DATA_DIR || '.data');
  const record = readRecord(dataDir);
  if (!record || !alive(record.pid)) return env;
  if (env.TEMPORAL_ADDRESS && env.TEMPORAL_ADDRESS !== record.temporalAddress) return env;
  let keys: string;
  try {
    keys = readFileSync(devCodecKeyPath(dataDir), 'utf8').trim();
  } catch {
    return env;
  }
  return {
    ...env,
    TEMPORAL_ADDRESS: record.temporalAddress,
    TEMPORAL_NAMESPACE: env.TEMPORAL_NAMESPACE || record.namespace,
    EKYC_CODEC_KEYS: keys,
  };
}
