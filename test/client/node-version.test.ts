// bin/ekyc.js (the worker's, API's and CLI's entry point in the image and in `npm start`) refuses a Node older than
// 24 LTS with one clear line. The old Node is simulated by redefining process.version(s) before the script runs.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

function ekycOn(version: string) {
  const fake =
    `Object.defineProperty(process.versions, 'node', { value: '${version}' });` +
    `Object.defineProperty(process, 'version', { value: 'v${version}' });`;
  return spawnSync(
    process.execPath,
    ['--import', `data:text/javascript,${encodeURIComponent(fake)}`, 'bin/ekyc.js', '--help'],
    { cwd: ROOT, encoding: 'utf8', timeout: 30_000 },
  );
}

describe('bin/ekyc.js on an old Node', () => {
  it('exits 2 naming the Node it needs and the one it runs on, before loading the CLI', () => {
    const run = ekycOn('20.20.2');
    expect(run.status).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/^ekyc: needs Node\.js 24 LTS or newer, this is v20\.20\.2 /);
  });

  it('goes on to the CLI on Node 24', () => {
    const run = ekycOn('24.0.0');
    expect(run.stderr).not.toMatch(/needs Node\.js/);
    expect(run.status).toBe(0);
    expect(run.stderr).toMatch(/^Usage: ekyc /); // the CLI writes its help to stderr
  });
});
