// How the CLI finds a running `ekyc dev` (client/dev-stack.ts): only a live stack's record is used, and only when
// the shell names no codec keys and no other Temporal. The whole path (CLI commands against a real stack with no
// variables set) is in test/dev/stack.test.ts.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { DEV_STACK_FILE, forgetDevStack, recordDevStack, withDevStack } from '../../client/dev-stack.js';

const dirs: string[] = [];
function dataDir(keys = 'dev-1:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n'): string {
  const dir = mkdtempSync(join(tmpdir(), 'ekyc-dev-stack-'));
  dirs.push(dir);
  writeFileSync(join(dir, 'codec-keys'), keys);
  return dir;
}
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const record = { pid: process.pid, temporalAddress: '127.0.0.1:17233', namespace: 'default' };

describe('the CLI finds a running ekyc dev', () => {
  it('takes its Temporal address, namespace and dev key from the data folder', () => {
    const dir = dataDir();
    recordDevStack(dir, record);
    expect(withDevStack({ EKYC_DATA_DIR: dir })).toMatchObject({
      TEMPORAL_ADDRESS: '127.0.0.1:17233',
      TEMPORAL_NAMESPACE: 'default',
      EKYC_CODEC_KEYS: 'dev-1:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=',
    });
    // The same address named explicitly is still that stack.
    expect(withDevStack({ EKYC_DATA_DIR: dir, TEMPORAL_ADDRESS: '127.0.0.1:17233' }).EKYC_CODEC_KEYS).toBeDefined();
  });

  it('leaves the environment alone when it names codec keys or another Temporal', () => {
    const dir = dataDir();
    recordDevStack(dir, record);
    const withKeys = { EKYC_DATA_DIR: dir, EKYC_CODEC_KEYS: 'k1:x' };
    expect(withDevStack(withKeys)).toEqual(withKeys);
    const elsewhere = { EKYC_DATA_DIR: dir, TEMPORAL_ADDRESS: 'temporal.example.com:7233' };
    expect(withDevStack(elsewhere)).toEqual(elsewhere);
  });

  it('ignores a record whose stack is gone, and a stack removes its own record only', () => {
    const dir = dataDir();
    // A process that has exited: its pid names nothing any more.
    const gone = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    recordDevStack(dir, { ...record, pid: Number(gone.stdout) });
    expect(withDevStack({ EKYC_DATA_DIR: dir })).toEqual({ EKYC_DATA_DIR: dir });
    recordDevStack(dir, record);
    forgetDevStack(dir, record.pid + 1);
    expect(withDevStack({ EKYC_DATA_DIR: dir }).TEMPORAL_ADDRESS).toBe('127.0.0.1:17233');
    forgetDevStack(dir, record.pid);
    expect(withDevStack({ EKYC_DATA_DIR: dir })).toEqual({ EKYC_DATA_DIR: dir });
  });

  it('ignores a record that is not one', () => {
    const dir = dataDir();
    writeFileSync(join(dir, DEV_STACK_FILE), '{"pid":"x"}');
    expect(withDevStack({ EKYC_DATA_DIR: dir })).toEqual({ EKYC_DATA_DIR: dir });
    writeFileSync(join(dir, DEV_STACK_FILE), 'not json');
    expect(withDevStack({ EKYC_DATA_DIR: dir })).toEqual({ EKYC_DATA_DIR: dir });
  });
});
