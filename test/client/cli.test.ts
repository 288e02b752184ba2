// The `ekyc` session commands as a user runs them: a subprocess per command, one JSON object on stdout and the
// exit code, against the real Temporal dev server, a worker and the Eko simulator.
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { workflowIdFor } from '../../common/domain.js';
import { RULES } from '../../common/validation.js';
import { badChecksumAadhaar, LATLONG, pidData, syntheticUserCode, type Agent } from '../sim/eko-fixtures.js';
import { processEnv, startClientHarness, type ClientHarness } from './harness.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CLI_ENTRY = fileURLToPath(new URL('./cli-entry.ts', import.meta.url));

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  json: Record<string, unknown> & { error?: { code: string; message: string; errors?: unknown } };
}

let h: ClientHarness;
let dir: string;
beforeAll(async () => {
  h = await startClientHarness();
  dir = await mkdtemp(join(tmpdir(), 'ekyc-cli-test-'));
});
afterAll(async () => {
  await h?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

function ekyc(
  args: string[],
  options: { env?: Record<string, string | undefined>; input?: string } = {},
): Promise<Run> {
  const env: Record<string, string> = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp' };
  for (const [k, v] of Object.entries({ ...processEnv(h.taskQueue), ...options.env })) if (v !== undefined) env[k] = v;
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
      resolve({ code, stdout, stderr, json });
    });
    child.stdin.end(options.input ?? '');
  });
}

async function aadhaarFile(agent: Agent, content = agent.aadhaar): Promise<string> {
  const file = join(dir, `aadhaar-${agent.userCode}`);
  await writeFile(file, `${content}\n`, { mode: 0o600 });
  return file;
}

const startArgs = (agent: Agent, file: string) => [
  'start',
  '--user-code',
  agent.userCode,
  '--customer-id',
  agent.customerId,
  '--aadhaar-file',
  file,
  '--latlong',
  LATLONG,
  '--bank-code',
  'HDFC',
];

async function started(agent: Agent, extra: string[] = []): Promise<Run> {
  const run = await ekyc([...startArgs(agent, await aadhaarFile(agent)), ...extra]);
  expect(run.code).toBe(0);
  await h.waitForStage(agent.userCode, 'AWAITING_OTP');
  return run;
}

describe('ekyc start', () => {
  it('reads the Aadhaar number from a file and prints { workflowId, runId, stage }', async () => {
    const agent = h.newAgent();
    const run = await ekyc(startArgs(agent, await aadhaarFile(agent)));
    expect(run.code).toBe(0);
    expect(run.json).toMatchObject({ workflowId: workflowIdFor(agent.userCode), stage: 'SENDING_OTP', resumed: false });
    expect(run.json.runId).toEqual(expect.any(String));
    expect((run.stdout + run.stderr).includes(agent.aadhaar)).toBe(false);
  });

  it('reads the Aadhaar number from stdin with --aadhaar-file -, and a second start resumes the same run', async () => {
    const agent = h.newAgent();
    const first = await ekyc(startArgs(agent, '-'), { input: `${agent.aadhaar}\n` });
    expect(first.code).toBe(0);
    await h.waitForStage(agent.userCode, 'AWAITING_OTP');
    const second = await ekyc(startArgs(agent, '-'), { input: agent.aadhaar });
    expect(second.code).toBe(0);
    expect(second.json).toMatchObject({ runId: first.json.runId, stage: 'AWAITING_OTP', resumed: true });
  });

  it('exits 2 with a VALIDATION error naming aadhaar for a bad check digit, and starts nothing', async () => {
    const agent = h.newAgent();
    const bad = badChecksumAadhaar();
    const run = await ekyc(startArgs(agent, await aadhaarFile(agent, bad)));
    expect(run.code).toBe(2);
    expect(run.json.error).toMatchObject({
      code: 'VALIDATION',
      errors: [{ field: 'aadhaar', rule: RULES.aadhaarChecksum }],
    });
    expect((run.stdout + run.stderr).includes(bad)).toBe(false);
    const status = await ekyc(['status', '--user-code', agent.userCode]);
    expect(status.json.error?.code).toBe('NOT_FOUND');
  });

  it('exits 2 naming aadhaarFile when the file cannot be read', async () => {
    const agent = h.newAgent();
    const run = await ekyc(startArgs(agent, join(dir, 'missing')));
    expect(run.code).toBe(2);
    expect(run.json.error).toMatchObject({ code: 'VALIDATION', errors: [{ field: 'aadhaarFile' }] });
  });

  it('has no option that takes the Aadhaar number on the command line', async () => {
    const agent = h.newAgent();
    const run = await ekyc([...startArgs(agent, await aadhaarFile(agent)), '--aadhaar', agent.aadhaar]);
    expect(run.code).toBe(2);
    expect(run.json.error?.code).toBe('USAGE');
  });
});

describe('ekyc otp, resend-otp, biometric, status, cancel', () => {
  it('otp prints a wrong OTP outcome with the attempts left and exits 3, then the right one and exits 0', async () => {
    const agent = h.newAgent();
    await started(agent);
    const right = h.sim.currentOtp(agent.userCode)!;
    const wrong = await ekyc(['otp', '--user-code', agent.userCode, '--otp', right === '000000' ? '111111' : '000000']);
    expect(wrong.code).toBe(3);
    expect(wrong.json).toMatchObject({ accepted: false, stage: 'AWAITING_OTP', attemptsLeft: 2 });
    const ok = await ekyc(['otp', '--user-code', agent.userCode, '--otp', right]);
    expect(ok.code).toBe(0);
    expect(ok.json).toMatchObject({ accepted: true, stage: 'AWAITING_BIOMETRIC' });
  });

  it('otp --otp - reads the OTP from stdin (one line, trimmed), so it never appears on the command line', async () => {
    const agent = h.newAgent();
    await started(agent);
    const right = h.sim.currentOtp(agent.userCode)!;
    const wrongOtp = right === '000000' ? '111111' : '000000';
    const wrong = await ekyc(['otp', '--user-code', agent.userCode, '--otp', '-'], { input: `${wrongOtp}\n` });
    expect(wrong.code).toBe(3);
    expect(wrong.json).toMatchObject({ accepted: false, stage: 'AWAITING_OTP', attemptsLeft: 2 });
    // Only the first line counts; surrounding blanks and a Windows line end are trimmed.
    const ok = await ekyc(['otp', '--user-code', agent.userCode, '--otp', '-'], { input: `  ${right} \r\nignored\n` });
    expect(ok.code).toBe(0);
    expect(ok.json).toMatchObject({ accepted: true, stage: 'AWAITING_BIOMETRIC' });
    for (const run of [wrong, ok]) expect(run.stdout.includes(right) || run.stderr.includes(right)).toBe(false);
  });

  it('otp --otp - with nothing or a malformed OTP on stdin exits 2 naming otp, without echoing it', async () => {
    for (const input of ['', '12a45\n']) {
      const run = await ekyc(['otp', '--user-code', syntheticUserCode(), '--otp', '-'], { input });
      expect(run.code).toBe(2);
      expect(run.json.error).toMatchObject({ code: 'VALIDATION', errors: [{ field: 'otp', rule: RULES.otp }] });
      expect(run.stdout + run.stderr).not.toContain('12a45');
    }
  });

  it('says in its help that --otp - reads the OTP from stdin', async () => {
    const run = await ekyc(['otp', '--help']);
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/--otp <otp>\s+the 6-digit OTP; - reads it from stdin/);
  });

  it('biometric --pid-file completes the session', async () => {
    const agent = h.newAgent();
    await started(agent);
    await h.ekyc.submitOtp(agent.userCode, h.sim.currentOtp(agent.userCode)!);
    const file = join(dir, `pid-${agent.userCode}.xml`);
    await writeFile(file, pidData());
    const run = await ekyc(['biometric', '--user-code', agent.userCode, '--pid-file', file]);
    expect(run.code).toBe(0);
    expect(run.json).toMatchObject({ accepted: true, stage: 'COMPLETED' });
  });

  it('refuses a --pid-file over 512 KiB naming the field, before reading it or asking Temporal', async () => {
    const file = join(dir, 'huge-pid.xml');
    await writeFile(file, Buffer.alloc(600 * 1024, 0x3c));
    const run = await ekyc(['biometric', '--user-code', '12345678', '--pid-file', file]);
    expect(run.code).toBe(2);
    expect(run.json).toMatchObject({
      error: { code: 'VALIDATION', errors: [{ field: 'pidFile', rule: 'must be at most 512 KiB' }] },
    });
  });

  it('resend-otp during the cooldown prints RESEND_COOLDOWN and exits 3', async () => {
    const agent = h.newAgent();
    await started(agent, ['--policy', '{"resendCooldown":"10m"}']);
    const run = await ekyc(['resend-otp', '--user-code', agent.userCode]);
    expect(run.code).toBe(3);
    expect(run.json).toMatchObject({ accepted: false, code: 'RESEND_COOLDOWN' });
  });

  it('status prints the session status', async () => {
    const agent = h.newAgent();
    await started(agent);
    const run = await ekyc(['status', '--user-code', agent.userCode]);
    expect(run.code).toBe(0);
    expect(run.json).toMatchObject({ stage: 'AWAITING_OTP', userCode: agent.userCode, otpAttemptsLeft: 3 });
    expect(run.stdout.includes(agent.customerId)).toBe(false);
  });

  it('cancel prints cancelRequested and the session ends CANCELLED', async () => {
    const agent = h.newAgent();
    await started(agent);
    const run = await ekyc(['cancel', '--user-code', agent.userCode, '--reason', 'test']);
    expect(run.code).toBe(0);
    expect(run.json).toEqual({ workflowId: workflowIdFor(agent.userCode), cancelRequested: true });
    await h.waitForStage(agent.userCode, 'CANCELLED');
  });

  it('status of an agent without a session exits 1 with NOT_FOUND', async () => {
    const run = await ekyc(['status', '--user-code', syntheticUserCode()]);
    expect(run.code).toBe(1);
    expect(run.json.error?.code).toBe('NOT_FOUND');
  });

  it('otp with a malformed OTP exits 2 naming otp', async () => {
    const run = await ekyc(['otp', '--user-code', syntheticUserCode(), '--otp', '12a']);
    expect(run.code).toBe(2);
    expect(run.json.error).toMatchObject({ code: 'VALIDATION', errors: [{ field: 'otp', rule: RULES.otp }] });
  });
});

describe('ekyc configuration and reachability', () => {
  it('exits 2 with a CONFIG error naming EKYC_CODEC_KEYS when it is missing', async () => {
    const run = await ekyc(['status', '--user-code', syntheticUserCode()], { env: { EKYC_CODEC_KEYS: undefined } });
    expect(run.code).toBe(2);
    expect(run.json.error?.code).toBe('CONFIG');
    expect(run.json.error?.message).toMatch(/^EKYC_CODEC_KEYS: /);
  });

  it('exits 1 with TEMPORAL_UNAVAILABLE when Temporal cannot be reached', async () => {
    const run = await ekyc(['status', '--user-code', syntheticUserCode()], {
      env: { TEMPORAL_ADDRESS: '127.0.0.1:1', EKYC_TEMPORAL_TIMEOUT_MS: '1000' },
    });
    expect(run.code).toBe(1);
    expect(run.json.error?.code).toBe('TEMPORAL_UNAVAILABLE');
  });
});
