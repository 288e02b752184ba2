// `ekyc dev` as a newcomer runs it: it starts, serves the agent page and the Temporal UI, a session completes
// through the CLI, the worker's metrics move, Ctrl-C stops everything with no process left behind, and a
// second start resumes the same sessions.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeJwt } from 'jose';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../../dev/ports.js';
import { findTemporalCli } from '../../dev/temporal-server.js';
import { newAgent, pidData, LATLONG } from '../sim/eko-fixtures.js';

const CLI_ENTRY = fileURLToPath(new URL('../client/cli-entry.ts', import.meta.url));
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

interface DevOutput {
  urls: Record<string, string | null>;
  devToken: string;
  dataDir: string;
  deployment: { deploymentName: string; buildId: string } | null;
}

async function ports() {
  const temporal = await freePort();
  return {
    TEMPORAL_ADDRESS: `127.0.0.1:${temporal}`,
    EKYC_TEMPORAL_UI_PORT: String(await freePort()),
    EKYC_API_PORT: String(await freePort()),
    EKYC_CODEC_PORT: String(await freePort()),
    EKO_SIM_PORT: String(await freePort()),
    EKYC_METRICS_PORT: String(await freePort()),
  };
}

function startDev(env: NodeJS.ProcessEnv): Promise<{ child: ChildProcess; out: DevOutput; stderr: () => string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', CLI_ENTRY, 'dev'], { cwd: ROOT, env, stdio: 'pipe' });
  let stdout = '';
  let stderr = '';
  child.stderr!.on('data', (b: Buffer) => (stderr += b.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`ekyc dev did not come up: ${stderr.slice(-3000)}`)), 120_000);
    child.stdout!.on('data', (b: Buffer) => {
      stdout += b.toString();
      try {
        const out = JSON.parse(stdout) as DevOutput;
        clearTimeout(timer);
        resolve({ child, out, stderr: () => stderr });
      } catch {
        // not the whole object yet
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`ekyc dev exited with ${code}: ${stderr.slice(-3000)}`));
    });
  });
}

function stopDev(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve(child.exitCode);
    child.once('exit', (code) => resolve(code));
    child.kill('SIGINT');
  });
}

function cli(args: string[], env: NodeJS.ProcessEnv, input?: string) {
  const res = spawnSync(process.execPath, ['--import', 'tsx', CLI_ENTRY, ...args], {
    cwd: ROOT,
    env,
    input,
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: res.status, json: res.stdout ? JSON.parse(res.stdout) : null, stderr: res.stderr };
}

/** Processes whose command line mentions `needle` (the dev server's own port is unique to this test). */
function processesMatching(needle: string): string[] {
  const res = spawnSync('pgrep', ['-af', '--', needle], { encoding: 'utf8' });
  return res.stdout
    .split('\n')
    .filter((l) => l.includes(needle) && !l.includes('pgrep'))
    .filter(Boolean);
}

async function metricValue(url: string, name: string, labels: string): Promise<number> {
  const text = await (await fetch(url)).text();
  const line = text.split('\n').find((l) => l.startsWith(name) && l.includes(labels));
  return line ? Number(line.split(' ').at(-1)) : 0;
}

const dataDir = mkdtempSync(join(tmpdir(), 'ekyc-dev-test-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describe('ekyc dev', () => {
  it('runs the whole stack, completes a session through the CLI, and stops cleanly; a restart resumes', async () => {
    expect(findTemporalCli()).not.toBeNull();
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      ...(await ports()),
      EKYC_DATA_DIR: dataDir,
      EKYC_LOG_LEVEL: 'warn',
    };
    delete env.EKO_BASE_URL;
    delete env.EKYC_CODEC_KEYS;
    const temporalPort = env.TEMPORAL_ADDRESS!.split(':')[1];

    const first = await startDev(env);
    const { urls } = first.out;
    try {
      // Its worker is a version of the deployment, made current at start: the session below runs only because it is.
      expect(first.out.deployment).toMatchObject({ deploymentName: 'fingpay-ekyc' });
      const page = await fetch(urls.api + '/');
      expect(page.status).toBe(200);
      expect(await page.text()).toMatch(/<html/i);
      expect((await fetch(urls.temporalUi!)).status).toBe(200);
      expect((await fetch(`${urls.codecServer}/healthz`)).status).toBe(200);

      // The CLI talks to the stack's Temporal with the stack's dev codec key.
      const cliEnv = { ...env, EKYC_CODEC_KEYS: readFileSync(join(dataDir, 'codec-keys'), 'utf8').trim() };
      const agent = newAgent();
      const started = cli(
        ['start', '--user-code', agent.userCode, '--customer-id', agent.customerId, '--aadhaar-file', '-'],
        cliEnv,
        agent.aadhaar,
      );
      // --latlong and --bank-code are mandatory: the CLI names what is missing.
      expect(started.status).not.toBe(0);
      const ok = cli(
        [
          'start',
          '--user-code',
          agent.userCode,
          '--customer-id',
          agent.customerId,
          '--aadhaar-file',
          '-',
          '--latlong',
          LATLONG,
          '--bank-code',
          'HDFC',
        ],
        cliEnv,
        agent.aadhaar,
      );
      expect(ok.status, ok.stderr).toBe(0);
      expect(ok.json.workflowId).toBe(`fingpay-ekyc-${agent.userCode}`);

      const simRoot = urls.ekoSimulator!.replace(/\/ekoapi\/v3$/, '');
      let otp: string | undefined;
      for (let i = 0; i < 60 && !otp; i++) {
        const res = await fetch(`${simRoot}/__sim/otp/${agent.userCode}`);
        if (res.ok) otp = ((await res.json()) as { otp: string }).otp;
        else await new Promise((r) => setTimeout(r, 250));
      }
      expect(otp).toBeDefined();
      const verified = cli(['otp', '--user-code', agent.userCode, '--otp', otp!], cliEnv);
      expect(verified.status, verified.stderr).toBe(0);
      expect(verified.json.accepted).toBe(true);

      const bio = cli(['biometric', '--user-code', agent.userCode, '--pid-file', '-'], cliEnv, pidData());
      expect(bio.status, bio.stderr).toBe(0);
      expect(bio.json).toMatchObject({ accepted: true, stage: 'COMPLETED' });

      const status = cli(['status', '--user-code', agent.userCode], cliEnv);
      expect(status.json.stage).toBe('COMPLETED');

      // The page URL carries a short-lived token without ekyc:ops; the operator's dev token is only on stdout.
      const pageToken = new URL(urls.agentPage!).hash.replace(/^#token=/, '');
      const pageClaims = decodeJwt(pageToken);
      expect(String(pageClaims.scope).split(' ')).not.toContain('ekyc:ops');
      expect(pageClaims.exp! - pageClaims.iat!).toBeLessThanOrEqual(3600);
      expect(pageClaims.exp! * 1000).toBeLessThanOrEqual(Date.now() + 3600_000 + 5_000);
      expect(pageToken).not.toBe(first.out.devToken);
      expect(String(decodeJwt(first.out.devToken).scope).split(' ')).toContain('ekyc:ops');
      expect(first.stderr().includes(pageToken) || first.stderr().includes(first.out.devToken)).toBe(false);
      const withToken = (token: string) => ({ Authorization: `Bearer ${token}` });
      // It is enough for the page: it reads the session the CLI completed (a dev page onboards any user code)…
      const seen = await fetch(`${urls.api}/v1/ekyc/${agent.userCode}`, { headers: withToken(pageToken) });
      expect(seen.status).toBe(200);
      expect(((await seen.json()) as { stage: string }).stage).toBe('COMPLETED');
      // …but the codec server decrypts nothing for it; the dev token it does.
      const decode = (token: string) =>
        fetch(`${urls.codecServer}/decode`, {
          method: 'POST',
          headers: { ...withToken(token), 'Content-Type': 'application/json' },
          body: JSON.stringify({ payloads: [] }),
        });
      expect((await decode(pageToken)).status).toBe(403);
      expect((await decode(first.out.devToken)).status).toBe(200);

      // The worker's Prometheus endpoint counts the session and its Eko calls (a histogram by its _count: the first
      // bucket's line holds only the calls faster than its bound).
      expect(await metricValue(urls.workerMetrics!, 'ekyc_sessions_ended', 'stage="COMPLETED"')).toBeGreaterThanOrEqual(
        1,
      );
      expect(await metricValue(urls.workerMetrics!, 'ekyc_eko_calls', 'step="biometric"')).toBeGreaterThanOrEqual(1);
      expect(await metricValue(urls.workerMetrics!, 'ekyc_sessions_started', '')).toBeGreaterThanOrEqual(1);
      expect(await metricValue(urls.workerMetrics!, 'ekyc_otp_attempts', 'outcome="accepted"')).toBeGreaterThanOrEqual(
        1,
      );
      expect(await metricValue(urls.workerMetrics!, 'ekyc_eko_latency_count', 'step="sendOtp"')).toBeGreaterThanOrEqual(
        1,
      );

      expect(processesMatching(`--port ${temporalPort}`).length).toBe(1);
      expect(await stopDev(first.child)).toBe(0);
      expect(processesMatching(`--port ${temporalPort}`)).toEqual([]);

      // The data folder's secrets are the owner's only, also when a second start finds them with a wider mode.
      const secrets = ['dev-jwt-key.pem', 'codec-keys'].map((f) => join(dataDir, f));
      for (const file of secrets) {
        expect({ file, mode: statSync(file).mode & 0o777 }).toEqual({ file, mode: 0o600 });
        chmodSync(file, 0o644);
      }

      // Second start on the same data folder: the completed session is still there.
      const second = await startDev(env);
      try {
        for (const file of secrets) expect({ file, mode: statSync(file).mode & 0o777 }).toEqual({ file, mode: 0o600 });
        const again = cli(['status', '--user-code', agent.userCode], cliEnv);
        expect(again.status, again.stderr).toBe(0);
        expect(again.json.stage).toBe('COMPLETED');
      } finally {
        expect(await stopDev(second.child)).toBe(0);
      }
      expect(processesMatching(`--port ${temporalPort}`)).toEqual([]);
    } finally {
      // On a failed assertion: stop the stack the way Ctrl-C does, so its Temporal server goes too.
      if (first.child.exitCode === null) await stopDev(first.child);
    }
  }, 300_000);
});
