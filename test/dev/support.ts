// `ekyc dev` as a child process, as a newcomer runs it, for the tests of the local stack. No fixed port: the
// servers that can take any free port are given 0 and the stack reports what it bound; Temporal and the metrics
// endpoint (whose port must be named up front) get a port the OS just handed out, and should another process take
// it in between, the stack stops with its one line naming the variable and the start is tried again on new ports.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../dev/ports.js';

export const CLI_ENTRY = fileURLToPath(new URL('../client/cli-entry.ts', import.meta.url));
export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface DevOutput {
  urls: Record<string, string | null> & {
    api: string;
    temporalUi: string;
    temporal: string;
    codecServer: string;
  };
  devToken: string;
  dataDir: string;
  deployment: { deploymentName: string; buildId: string } | null;
}

export interface RunningDev {
  child: ChildProcess;
  out: DevOutput;
  stderr: () => string;
  /** The environment it runs with (the ports it was finally started on included). */
  env: NodeJS.ProcessEnv;
}

/** Ports for one start: 0 wherever the stack reports what it bound. */
export async function devPorts(): Promise<NodeJS.ProcessEnv> {
  return {
    TEMPORAL_ADDRESS: `127.0.0.1:${await freePort()}`,
    EKYC_METRICS_PORT: String(await freePort()),
    EKYC_TEMPORAL_UI_PORT: '0',
    EKYC_API_PORT: '0',
    EKYC_CODEC_PORT: '0',
    EKO_SIM_PORT: '0',
  };
}

/** The base environment of a stack on `dataDir`: no codec keys, no Eko, quiet logs. */
export function devEnv(dataDir: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, EKYC_DATA_DIR: dataDir, EKYC_LOG_LEVEL: 'warn' };
  delete env.EKO_BASE_URL;
  delete env.EKYC_CODEC_KEYS;
  delete env.TEMPORAL_ADDRESS;
  return env;
}

const PORT_TAKEN = /^ekyc: [A-Z_]+: .* is in use by another process/m;

class PortTaken extends Error {}

function startOnce(env: NodeJS.ProcessEnv): Promise<RunningDev> {
  const child = spawn(process.execPath, ['--import', 'tsx', CLI_ENTRY, 'dev'], { cwd: ROOT, env, stdio: 'pipe' });
  let stdout = '';
  let stderr = '';
  child.stderr!.on('data', (b: Buffer) => (stderr += b.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGINT');
      reject(new Error(`ekyc dev did not come up: ${stderr.slice(-3000)}`));
    }, 150_000);
    child.stdout!.on('data', (b: Buffer) => {
      stdout += b.toString();
      try {
        const out = JSON.parse(stdout) as DevOutput;
        clearTimeout(timer);
        resolve({ child, out, stderr: () => stderr, env });
      } catch {
        // not the whole object yet
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      if (code === 2 && PORT_TAKEN.test(stderr)) reject(new PortTaken(stderr.trim()));
      else reject(new Error(`ekyc dev exited with ${code}: ${stderr.slice(-3000)}`));
    });
  });
}

/** Starts `ekyc dev` on `base` plus fresh ports; on a port taken in between, again on new ones (3 tries). */
export async function startDev(base: NodeJS.ProcessEnv): Promise<RunningDev> {
  let last: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      return await startOnce({ ...base, ...(await devPorts()) });
    } catch (err) {
      if (!(err instanceof PortTaken)) throw err;
      last = err;
    }
  }
  throw last;
}

/**
 * `fetch` for requests that may be repeated (GETs, /decode): once more when the server closed an idle keep-alive
 * connection just as it was reused (Node's servers drop idle sockets after 5 s; a loaded machine can hit that
 * instant), never for any other failure.
 */
export async function fetchAgain(url: string, init?: RequestInit): Promise<Response> {
  try {
    return await fetch(url, init);
  } catch (err) {
    if ((err as { cause?: { code?: string } }).cause?.code !== 'UND_ERR_SOCKET') throw err;
    return fetch(url, init);
  }
}

/** Ctrl-C, and the exit code. */
export function stopDev(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve(child.exitCode);
    child.once('exit', (code) => resolve(code));
    child.kill('SIGINT');
  });
}

/** `npx ekyc …` in another shell: `env` as that shell has it. */
export function cli(args: string[], env: NodeJS.ProcessEnv, input?: string) {
  const res = spawnSync(process.execPath, ['--import', 'tsx', CLI_ENTRY, ...args], {
    cwd: ROOT,
    env,
    input,
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: res.status, json: res.stdout ? JSON.parse(res.stdout) : null, stderr: res.stderr };
}

/** The location `startArgs` gives: plain in the decoded input, where the Aadhaar is sealed (crypto-shredding). */
export const START_LATLONG = '28.6139,77.2090';

/** `ekyc start` for an agent, as README "Try it" has it (the Aadhaar on stdin). */
export const startArgs = (agent: { userCode: string; customerId: string }) => [
  'start',
  '--user-code',
  agent.userCode,
  '--customer-id',
  agent.customerId,
  '--aadhaar-file',
  '-',
  '--latlong',
  START_LATLONG,
  '--bank-code',
  'HDFC',
];

/** The OTP the simulator "delivered" for the agent's latest Send OTP (README "Try it"). */
export async function simOtp(ekoSimulator: string, userCode: string): Promise<string> {
  const simRoot = ekoSimulator.replace(/\/ekoapi\/v3$/, '');
  for (let i = 0; i < 120; i++) {
    const res = await fetchAgain(`${simRoot}/__sim/otp/${userCode}`);
    if (res.ok) return ((await res.json()) as { otp: string }).otp;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`no OTP pending for ${userCode}`);
}

/** Processes whose command line mentions `needle` (the dev server's own port is unique to this test). */
export function processesMatching(needle: string): string[] {
  const res = spawnSync('pgrep', ['-af', '--', needle], { encoding: 'utf8' });
  return res.stdout
    .split('\n')
    .filter((l) => l.includes(needle) && !l.includes('pgrep'))
    .filter(Boolean);
}
