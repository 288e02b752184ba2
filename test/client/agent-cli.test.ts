// `ekyc agent`, `ekyc daily-auth` and `ekyc invalidate-daily-auth` as a user runs them: a subprocess per command,
// one JSON object on stdout and the exit code, against the dev server, a worker and the Eko simulator.
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pidData, type Agent } from '../sim/eko-fixtures.js';
import { startLifecycle } from '../workflows/agent-harness.js';
import { processEnv, startClientHarness, type ClientHarness } from './harness.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CLI_ENTRY = fileURLToPath(new URL('./cli-entry.ts', import.meta.url));

interface Run {
  code: number | null;
  stderr: string;
  json: Record<string, unknown> & { error?: { code: string; message: string } };
}

let h: ClientHarness;
let dir: string;
beforeAll(async () => {
  h = await startClientHarness();
  dir = await mkdtemp(join(tmpdir(), 'ekyc-agent-cli-'));
});
afterAll(async () => {
  await h?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

function ekyc(args: string[]): Promise<Run> {
  const env: Record<string, string> = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp' };
  Object.assign(env, processEnv(h.taskQueue));
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CLI_ENTRY, ...args], { cwd: ROOT, env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      let json = {} as Run['json'];
      try {
        json = JSON.parse(stdout);
      } catch {
        // the assertion on json shows the problem
      }
      resolve({ code, stderr, json });
    });
    child.stdin.end('');
  });
}

async function files(agent: Agent, qScore = 78) {
  const aadhaar = join(dir, `aadhaar-${agent.userCode}`);
  const pid = join(dir, `pid-${agent.userCode}-${qScore}`);
  await writeFile(aadhaar, `${agent.aadhaar}\n`, { mode: 0o600 });
  await writeFile(pid, pidData({ qScore }), { mode: 0o600 });
  return ['--aadhaar-file', aadhaar, '--pid-file', pid];
}

/** An agent whose eKYC completed days ago, with its lifecycle started as that completion does. */
async function eligibleAgent(): Promise<Agent> {
  const agent = h.newAgent();
  const completedAt = Date.now() - 4 * 86_400_000;
  h.sim.updateAgent(agent.userCode, { ekycCompletedAt: new Date(completedAt).toISOString() });
  await startLifecycle(h.ekyc.client, h.taskQueue, agent, completedAt);
  return agent;
}

describe('ekyc agent / daily-auth / invalidate-daily-auth', () => {
  it('prints the agent status, authenticates once, and exits 3 when a capture is not accepted', async () => {
    const agent = await eligibleAgent();
    const status = await ekyc(['agent', '--user-code', agent.userCode]);
    expect(status.code).toBe(0);
    expect(status.json).toMatchObject({ userCode: agent.userCode, state: 'AUTH_REQUIRED', canTransact: false });

    const poor = await ekyc(['daily-auth', '--user-code', agent.userCode, ...(await files(agent, 10))]);
    expect(poor.code).toBe(3);
    expect(poor.json).toMatchObject({ accepted: false, code: 'EkoBiometricRejected', attemptsLeft: 2 });

    const done = await ekyc(['daily-auth', '--user-code', agent.userCode, ...(await files(agent))]);
    expect(done.code).toBe(0);
    expect(done.json).toMatchObject({ accepted: true, state: 'AUTHENTICATED' });
    expect(JSON.stringify(done)).not.toContain(agent.aadhaar);

    const invalidated = await ekyc(['invalidate-daily-auth', '--user-code', agent.userCode, '--reason', 'FP069']);
    expect(invalidated.code).toBe(0);
    expect(invalidated.json).toEqual({ workflowId: `fingpay-agent-${agent.userCode}`, invalidated: true });
    for (let i = 0; i < 50 && (await h.ekyc.agentStatus(agent.userCode)).state !== 'AUTH_REQUIRED'; i++) {
      await new Promise((r) => setTimeout(r, 100));
    }
    expect((await ekyc(['agent', '--user-code', agent.userCode])).json).toMatchObject({
      state: 'AUTH_REQUIRED',
      today: { invalidations: 1 },
    });
  });

  it('refuses a bad reason and an unknown agent with a clear error', async () => {
    const agent = await eligibleAgent();
    const bad = await ekyc(['invalidate-daily-auth', '--user-code', agent.userCode, '--reason', 'BORED']);
    expect(bad.code).toBe(2);
    expect(bad.json.error?.code).toBe('VALIDATION');
    const unknown = await ekyc(['agent', '--user-code', h.newAgent().userCode]);
    expect(unknown.code).toBe(1);
    expect(unknown.json.error?.code).toBe('AGENT_NOT_FOUND');
  });
});
