// `ekyc dev` as a newcomer runs it: it starts, serves the agent page and the Temporal UI, a session completes
// through the CLI (which finds the stack by its data folder), the worker's metrics move, Ctrl-C stops everything
// with no process left behind, and a second start resumes the same sessions, also those half-way through with the
// Eko simulator. A metrics port another process holds stops it with one line. No test here needs a fixed port.
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeJwt } from 'jose';
import { afterAll, describe, expect, it } from 'vitest';
import { DEV_STACK_FILE } from '../../client/dev-stack.js';
import { findTemporalCli } from '../../dev/temporal-server.js';
import { newAgent, pidData } from '../sim/eko-fixtures.js';
import {
  CLI_ENTRY,
  ROOT,
  cli,
  devEnv,
  fetchAgain,
  processesMatching,
  simOtp,
  startArgs,
  startDev,
  stopDev,
} from './support.js';

async function metricValue(url: string, name: string, labels: string): Promise<number> {
  const text = await (await fetchAgain(url)).text();
  const line = text.split('\n').find((l) => l.startsWith(name) && l.includes(labels));
  return line ? Number(line.split(' ').at(-1)) : 0;
}

const dataDir = mkdtempSync(join(tmpdir(), 'ekyc-dev-test-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describe('ekyc dev', () => {
  it('runs the whole stack, completes a session through the CLI, and stops cleanly; a restart resumes', async () => {
    expect(findTemporalCli()).not.toBeNull();
    const env = devEnv(dataDir);
    // Another shell, as README "Try it" has it: no TEMPORAL_ADDRESS, no EKYC_CODEC_KEYS (only where the data is).
    const cliEnv = devEnv(dataDir);

    const first = await startDev(env);
    const { urls } = first.out;
    const temporalPort = urls.temporal.split(':')[1];
    try {
      // The ports it reports are the ones it bound (0 = any free port was asked for most of them).
      for (const url of [urls.api, urls.temporalUi, urls.codecServer, urls.ekoSimulator!]) {
        expect(url).toMatch(/^http:\/\/127\.0\.0\.1:[1-9]\d*(\/|$)/);
      }
      expect(urls.workerMetrics).toBe(`http://127.0.0.1:${first.env.EKYC_METRICS_PORT}/metrics`);
      // Its worker is a version of the deployment, made current at start: the session below runs only because it is.
      expect(first.out.deployment).toMatchObject({ deploymentName: 'fingpay-ekyc' });
      const page = await fetchAgain(urls.api + '/');
      expect(page.status).toBe(200);
      expect(await page.text()).toMatch(/<html/i);
      expect((await fetchAgain(urls.temporalUi)).status).toBe(200);
      expect((await fetchAgain(`${urls.codecServer}/healthz`)).status).toBe(200);

      const agent = newAgent();
      const missing = cli(
        ['start', '--user-code', agent.userCode, '--customer-id', agent.customerId, '--aadhaar-file', '-'],
        cliEnv,
        agent.aadhaar,
      );
      // --latlong and --bank-code are mandatory: the CLI names what is missing.
      expect(missing.status).not.toBe(0);
      const ok = cli(startArgs(agent), cliEnv, agent.aadhaar);
      expect(ok.status, ok.stderr).toBe(0);
      expect(ok.json.workflowId).toBe(`fingpay-ekyc-${agent.userCode}`);

      const otp = await simOtp(urls.ekoSimulator!, agent.userCode);
      // As README "Try it": the OTP from the simulator, piped in.
      const verified = cli(['otp', '--user-code', agent.userCode, '--otp', '-'], cliEnv, `${otp}\n`);
      expect(verified.status, verified.stderr).toBe(0);
      expect(verified.json.accepted).toBe(true);

      // The sample capture README "Try it" hands the CLI.
      const bio = cli(['biometric', '--user-code', agent.userCode, '--pid-file', 'dev/sample-pid.xml'], cliEnv);
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
      const seen = await fetchAgain(`${urls.api}/v1/ekyc/${agent.userCode}`, { headers: withToken(pageToken) });
      expect(seen.status).toBe(200);
      expect(((await seen.json()) as { stage: string }).stage).toBe('COMPLETED');
      // …but the codec server decrypts nothing for it; the dev token it does.
      const decode = (token: string) =>
        fetchAgain(`${urls.codecServer}/decode`, {
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

      // Two sessions left half-way over the restart: one waiting for its OTP, one for its fingerprint.
      const waitingOtp = newAgent();
      expect(cli(startArgs(waitingOtp), cliEnv, waitingOtp.aadhaar).status).toBe(0);
      const otpBefore = await simOtp(urls.ekoSimulator!, waitingOtp.userCode);
      const waitingBio = newAgent();
      expect(cli(startArgs(waitingBio), cliEnv, waitingBio.aadhaar).status).toBe(0);
      const bioOtp = await simOtp(urls.ekoSimulator!, waitingBio.userCode);
      expect(cli(['otp', '--user-code', waitingBio.userCode, '--otp', bioOtp], cliEnv).json).toMatchObject({
        accepted: true,
        stage: 'AWAITING_BIOMETRIC',
      });
      expect(cli(['status', '--user-code', waitingOtp.userCode], cliEnv).json.stage).toBe('AWAITING_OTP');

      expect(processesMatching(`--port ${temporalPort}`).length).toBe(1);
      expect(await stopDev(first.child)).toBe(0);
      expect(processesMatching(`--port ${temporalPort}`)).toEqual([]);
      // A stopped stack is no longer offered to the CLI.
      expect(existsSync(join(dataDir, DEV_STACK_FILE))).toBe(false);

      // The data folder's secrets are the owner's only, also when a second start finds them with a wider mode.
      const secrets = ['dev-jwt-key.pem', 'codec-keys', 'eko-sim-key', 'eko-sim-state.json'].map((f) =>
        join(dataDir, f),
      );
      for (const file of secrets) {
        expect({ file, mode: statSync(file).mode & 0o777 }).toEqual({ file, mode: 0o600 });
        chmodSync(file, 0o644);
      }

      // Second start on the same data folder (on new ports): the sessions are still there, and the simulated Eko
      // still knows its agents, so the half-way ones finish.
      const second = await startDev(env);
      try {
        for (const file of secrets) expect({ file, mode: statSync(file).mode & 0o777 }).toEqual({ file, mode: 0o600 });
        const again = cli(['status', '--user-code', agent.userCode], cliEnv);
        expect(again.status, again.stderr).toBe(0);
        expect(again.json.stage).toBe('COMPLETED');

        const bioAfter = cli(['biometric', '--user-code', waitingBio.userCode, '--pid-file', '-'], cliEnv, pidData());
        expect(bioAfter.json, bioAfter.stderr).toMatchObject({ accepted: true, stage: 'COMPLETED' });

        // The OTP sent before the restart is still the one the simulator holds for the agent's mobile.
        expect(await simOtp(second.out.urls.ekoSimulator!, waitingOtp.userCode)).toBe(otpBefore);
        const otpAfter = cli(['otp', '--user-code', waitingOtp.userCode, '--otp', otpBefore], cliEnv);
        expect(otpAfter.json, otpAfter.stderr).toMatchObject({ accepted: true, stage: 'AWAITING_BIOMETRIC' });
        const done = cli(['biometric', '--user-code', waitingOtp.userCode, '--pid-file', '-'], cliEnv, pidData());
        expect(done.json, done.stderr).toMatchObject({ accepted: true, stage: 'COMPLETED' });
      } finally {
        expect(await stopDev(second.child)).toBe(0);
      }
      expect(processesMatching(`--port ${second.out.urls.temporal.split(':')[1]}`)).toEqual([]);
    } finally {
      // On a failed assertion: stop the stack the way Ctrl-C does, so its Temporal server goes too.
      if (first.child.exitCode === null) await stopDev(first.child);
    }
  }, 420_000);

  it('stops with one line naming EKYC_METRICS_PORT when another process holds that port, before starting anything', async () => {
    const holder = createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const port = (holder.address() as AddressInfo).port;
    const dir = mkdtempSync(join(tmpdir(), 'ekyc-dev-metrics-'));
    try {
      const env = { ...devEnv(dir), TEMPORAL_ADDRESS: '127.0.0.1:1', EKYC_METRICS_PORT: String(port) };
      const child = spawn(process.execPath, ['--import', 'tsx', CLI_ENTRY, 'dev'], { cwd: ROOT, env, stdio: 'pipe' });
      let stdout = '';
      let stderr = '';
      child.stdout!.on('data', (b: Buffer) => (stdout += b.toString()));
      child.stderr!.on('data', (b: Buffer) => (stderr += b.toString()));
      const code = await new Promise((resolve) => child.once('exit', resolve));
      const message = `EKYC_METRICS_PORT: cannot serve metrics on 127.0.0.1:${port} (the port is in use by another process): free it, choose another port, or 0 to turn the endpoint off`;
      expect({ code, stderr: stderr.trim().split('\n') }).toEqual({ code: 2, stderr: [`ekyc: ${message}`] });
      expect(JSON.parse(stdout)).toEqual({ error: { code: 'CONFIG', message } });
      // Nothing was started (TEMPORAL_ADDRESS names port 1, which no dev server could have taken).
      expect(existsSync(join(dir, 'temporal.sqlite'))).toBe(false);
    } finally {
      await new Promise((resolve) => holder.close(resolve));
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
