import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { defaultPayloadConverter } from '@temporalio/common';
import { devCodecKeyPath, loadOrCreateDevCodecConfig, restrictToOwner } from '../../codec/dev-key.js';
import { AesGcmPayloadCodec } from '../../codec/payload-codec.js';
import { keyEntry } from './helpers.js';

const dirs: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'ekyc-devkey-'));
  dirs.push(dir);
  return dir;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('dev-mode codec key', () => {
  it('creates a random key file readable only by its owner on first use', () => {
    const dataDir = join(tempDir(), 'data');
    const config = loadOrCreateDevCodecConfig(dataDir);
    const path = devCodecKeyPath(dataDir);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(config.keys).toHaveLength(1);
    expect(readFileSync(path, 'utf8')).toMatch(/^dev-[a-z0-9]+:[A-Za-z0-9+/]{43}=\n$/);
  });

  it('reuses the same key on later starts, so earlier payloads still decode', async () => {
    const dataDir = tempDir();
    const first = new AesGcmPayloadCodec(loadOrCreateDevCodecConfig(dataDir));
    const [encoded] = await first.encode([defaultPayloadConverter.toPayload({ stage: 'AWAITING_OTP' })]);
    const second = new AesGcmPayloadCodec(loadOrCreateDevCodecConfig(dataDir));
    expect(second.keyId).toBe(first.keyId);
    expect(defaultPayloadConverter.fromPayload((await second.decode([encoded]))[0])).toEqual({ stage: 'AWAITING_OTP' });
  });

  it('makes a key file found with a wider mode (an older data folder) readable by its owner only', () => {
    const dataDir = tempDir();
    loadOrCreateDevCodecConfig(dataDir);
    const path = devCodecKeyPath(dataDir);
    chmodSync(path, 0o644);
    loadOrCreateDevCodecConfig(dataDir);
    expect(statSync(path).mode & 0o777).toBe(0o600);
  });

  it('restrictToOwner takes group and other bits off a secret file and leaves an owner-only one alone', () => {
    const path = join(tempDir(), 'secret');
    for (const [mode, expected] of [
      [0o644, 0o600],
      [0o640, 0o600],
      [0o666, 0o600],
      [0o600, 0o600],
      [0o400, 0o400],
    ]) {
      writeFileSync(path, 'x');
      chmodSync(path, mode);
      restrictToOwner(path);
      expect(statSync(path).mode & 0o777).toBe(expected);
    }
  });

  it('uses EKYC_CODEC_KEYS instead when it is set, creating no file', () => {
    const dataDir = tempDir();
    const config = loadOrCreateDevCodecConfig(dataDir, { EKYC_CODEC_KEYS: keyEntry('from-env') });
    expect(config.currentKeyId).toBe('from-env');
    expect(() => statSync(devCodecKeyPath(dataDir))).toThrow();
  });
});
