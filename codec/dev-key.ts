// `ekyc dev` runs without EKYC_CODEC_KEYS: a random key is made once under the data folder (mode 0600) and
// reused, so local histories stay readable across restarts. Never used outside dev mode.
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { loadCodecConfig, parseCodecKeys, type CodecConfig, type Env } from '../config/index.js';

export const DEV_KEY_FILE = 'codec-keys';

/**
 * Makes a secret file of the data folder readable by its owner only (0600), whatever mode it was found with: one
 * created by an older version, copied in, or written under a loose umask. `writeFileSync`'s mode applies only to a
 * file it creates, so an existing file keeps its mode unless it is changed here.
 */
export function restrictToOwner(path: string): void {
  if ((statSync(path).mode & 0o077) !== 0) chmodSync(path, 0o600);
}

export function devCodecKeyPath(dataDir: string): string {
  return join(dataDir, DEV_KEY_FILE);
}

/**
 * EKYC_CODEC_KEYS when it is set; otherwise the key file under `dataDir`, created on first use.
 * The file holds the same `id:base64` text as EKYC_CODEC_KEYS.
 */
export function loadOrCreateDevCodecConfig(dataDir: string, env: Env = {}): CodecConfig {
  if (env.EKYC_CODEC_KEYS) return loadCodecConfig(env);
  const path = devCodecKeyPath(dataDir);
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const text = `dev-${Date.now().toString(36)}:${randomBytes(32).toString('base64')}\n`;
  try {
    // 'wx': if two processes start at once, only one writes; the other reads the winner's key.
    writeFileSync(path, text, { mode: 0o600, flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  restrictToOwner(path);
  const keys = parseCodecKeys(readFileSync(path, 'utf8'), path);
  // As with EKYC_CODEC_KEYS, the first key listed encrypts new payloads.
  return { keys, currentKeyId: keys[0].id };
}
