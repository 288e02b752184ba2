// The time-skipping server's launcher fails loudly (never skips) without its jars, and leaves no java behind.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startTimeSkipping } from './time-skipping.js';

describe('the time-skipping test server launcher', () => {
  it('fails, naming the command that fetches the server, when its jars are missing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'no-test-server-'));
    try {
      await expect(startTimeSkipping(dir)).rejects.toThrow(/jars are missing .* npm run test-server:fetch/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('starts the server, skips time, and stops its java process', async () => {
    const ts = await startTimeSkipping();
    const before = await ts.env.currentTimeMs();
    await ts.env.sleep(3 * 86_400_000);
    expect((await ts.env.currentTimeMs()) - before).toBeGreaterThanOrEqual(3 * 86_400_000);
    await ts.stop();
  }, 120_000);
});
