// Finds and runs the Temporal CLI dev server: TEMPORAL_CLI_PATH, then PATH, then the SDK's own download.
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants as fsConstants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { Connection } from '@temporalio/client';
import { freePort } from './ports.js';

export const SEARCH_ATTRIBUTES = {
  EkycStage: 'Keyword',
  EkoUserCode: 'Keyword',
  AgentState: 'Keyword',
  DailyAuthDate: 'Keyword',
  WebhookFailures: 'Int',
} as const;

export interface DevServerOptions {
  ip?: string;
  port?: number;
  /** false: headless. A number: the UI port. */
  uiPort?: number | false;
  /** Persistent SQLite file; in memory when absent. */
  dbFilename?: string;
  codecEndpoint?: string;
  namespace?: string;
  startTimeoutMs?: number;
  env?: NodeJS.ProcessEnv;
}

export interface DevServer {
  address: string;
  namespace: string;
  uiUrl: string | null;
  source: 'TEMPORAL_CLI_PATH' | 'PATH' | 'sdk-download';
  pid: number | undefined;
  stop(): Promise<void>;
}

export function isExecutable(path: string): boolean {
  try {
    accessSync(path, fsConstants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export function findTemporalCli(
  env: NodeJS.ProcessEnv = process.env,
): { path: string; source: 'TEMPORAL_CLI_PATH' | 'PATH' } | null {
  if (env.TEMPORAL_CLI_PATH) {
    if (!isExecutable(env.TEMPORAL_CLI_PATH)) {
      throw new Error(`TEMPORAL_CLI_PATH: ${env.TEMPORAL_CLI_PATH} is not an executable file`);
    }
    return { path: env.TEMPORAL_CLI_PATH, source: 'TEMPORAL_CLI_PATH' };
  }
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (dir && isExecutable(join(dir, 'temporal'))) return { path: join(dir, 'temporal'), source: 'PATH' };
  }
  return null;
}

async function waitUntilServing(address: string, child: ChildProcess | null, timeoutMs: number, stderr: () => string) {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (child && child.exitCode !== null) {
      throw new Error(`Temporal dev server exited with code ${child.exitCode}: ${stderr().slice(-2000)}`);
    }
    try {
      const connection = await Connection.connect({ address, connectTimeout: 1000 });
      try {
        await connection.workflowService.getSystemInfo({});
        return;
      } finally {
        await connection.close();
      }
    } catch (err) {
      lastError = err;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  throw new Error(`Temporal dev server at ${address} not ready after ${timeoutMs} ms: ${String(lastError)}`);
}

export async function startDevServer(opts: DevServerOptions = {}): Promise<DevServer> {
  const ip = opts.ip ?? '127.0.0.1';
  const port = opts.port ?? (await freePort(ip));
  const namespace = opts.namespace ?? 'default';
  const timeout = opts.startTimeoutMs ?? 60_000;
  const cli = findTemporalCli(opts.env ?? process.env);

  if (!cli) {
    // What users with internet get for free: the SDK downloads the CLI.
    const { TestWorkflowEnvironment } = await import('@temporalio/testing');
    const uiPort = opts.uiPort === false || opts.uiPort === undefined ? undefined : opts.uiPort;
    const env = await TestWorkflowEnvironment.createLocal({
      server: {
        ip,
        port,
        namespace,
        ui: uiPort !== undefined,
        uiPort,
        dbFilename: opts.dbFilename,
        searchAttributes: Object.entries(SEARCH_ATTRIBUTES).map(([name, type]) => ({
          name,
          type: type.toUpperCase(),
        })) as never,
        extraArgs: opts.codecEndpoint ? ['--ui-codec-endpoint', opts.codecEndpoint] : [],
      },
    });
    return {
      address: `${ip}:${port}`,
      namespace,
      uiUrl: uiPort !== undefined ? `http://${ip}:${uiPort}` : null,
      source: 'sdk-download',
      pid: undefined,
      stop: () => env.teardown(),
    };
  }

  const args = [
    'server',
    'start-dev',
    '--ip',
    ip,
    '--port',
    String(port),
    '--namespace',
    namespace,
    '--log-level',
    'warn',
  ];
  for (const [name, type] of Object.entries(SEARCH_ATTRIBUTES)) args.push('--search-attribute', `${name}=${type}`);
  if (opts.dbFilename) args.push('--db-filename', opts.dbFilename);
  if (opts.uiPort === false || opts.uiPort === undefined) args.push('--headless');
  else args.push('--ui-port', String(opts.uiPort), '--ui-disable-news-fetch');
  if (opts.codecEndpoint) args.push('--ui-codec-endpoint', opts.codecEndpoint);

  const child = spawn(cli.path, args, { stdio: ['ignore', 'ignore', 'pipe'], env: opts.env ?? process.env });
  let errText = '';
  child.stderr?.on('data', (b: Buffer) => {
    errText = (errText + b.toString()).slice(-8000);
  });
  const address = `${ip}:${port}`;
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode) return;
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  };
  try {
    await waitUntilServing(address, child, timeout, () => errText);
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    address,
    namespace,
    uiUrl: opts.uiPort ? `http://${ip}:${opts.uiPort}` : null,
    source: cli.source,
    pid: child.pid,
    stop,
  };
}
