// `ekyc replay --query '<visibility query>'`: the gate before a worker version is made current. It fetches the
// histories of the executions the query matches (open sessions, say) and replays them against workflow code on
// disk, decrypting with the codec keys as a worker does. Output: counts, and each failure's workflow id, run id and
// error type; never a payload or an error text (which could quote one).
import { readFile } from 'node:fs/promises';
import { Client, Connection } from '@temporalio/client';
import { Worker, type WorkflowBundleOption } from '@temporalio/worker';
import { createDataConverter } from '../codec/data-converter.js';
import { ValidationError } from '../common/validation.js';
import { loadCodecConfig, loadTemporalCallTimeoutMs, loadTemporalConfig, type Env } from '../config/index.js';
import { createLogger } from '../observability/logger.js';
import { installRuntime } from '../worker/runtime.js';
import { defaultBundle, WORKFLOWS_PATH, workerDataConverter } from '../worker/worker.js';
import { TemporalUnavailableError } from './errors.js';
import { printHuman } from './output.js';

/** Exit code when a history does not replay: the code on disk must not take those executions. */
export const EXIT_REPLAY_FAILED = 4;

export interface ReplayFailure {
  workflowId: string;
  runId: string;
  /** DeterminismViolationError (the code would make other commands than the history holds) or ReplayError. */
  error: string;
}

export interface ReplayReport {
  query: string;
  /** `built` (dist/workflow-bundle.js), `sources` (workflows/, bundled now) or the --bundle file given. */
  workflowCode: string;
  replayed: number;
  passed: number;
  failed: number;
  nonDeterministic: number;
  /** Only when --limit stopped the listing early: more executions matched than were replayed. */
  limited?: boolean;
  failures: ReplayFailure[];
}

export interface ReplayOptions {
  query: string;
  /** A pre-built workflow bundle (worker/bundle.ts) to replay against instead of the code on disk. */
  bundle?: string;
  limit?: number;
}

const MAX_QUERY_LENGTH = 4_000;

/** The options as the CLI hands them (strings), checked: each error names its field. */
export function parseReplayOptions(o: Record<string, string | undefined>): ReplayOptions {
  const errors: { field: string; rule: string }[] = [];
  const query = o.query?.trim() ?? '';
  if (!query || query.length > MAX_QUERY_LENGTH) {
    errors.push({ field: 'query', rule: `must be a visibility query of 1-${MAX_QUERY_LENGTH} characters` });
  }
  let limit: number | undefined;
  if (o.limit !== undefined) {
    limit = /^\d{1,7}$/.test(o.limit) ? Number(o.limit) : NaN;
    if (!(limit >= 1)) errors.push({ field: 'limit', rule: 'must be an integer from 1 to 9999999' });
  }
  if (o.bundle !== undefined && !o.bundle.trim()) errors.push({ field: 'bundle', rule: 'must be a file path' });
  if (errors.length) throw new ValidationError(errors);
  return { query, ...(o.bundle ? { bundle: o.bundle } : {}), ...(limit ? { limit } : {}) };
}

async function workflowCode(
  bundle: string | undefined,
): Promise<{ option: WorkflowBundleOption | null; name: string }> {
  if (bundle) {
    try {
      return { option: { code: await readFile(bundle, 'utf8') }, name: bundle };
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? 'unreadable';
      throw new ValidationError([{ field: 'bundle', rule: `could not be read (${code})` }]);
    }
  }
  // The untraced bundle: the tracing interceptors add no commands, and traced histories replay without them.
  const built = defaultBundle(false);
  return { option: built ?? null, name: built ? 'built' : 'sources' };
}

export async function replayCommand(o: Record<string, string | undefined>, env: Env = process.env) {
  const options = parseReplayOptions(o);
  const temporal = loadTemporalConfig(env);
  const codec = loadCodecConfig(env);
  const callTimeoutMs = loadTemporalCallTimeoutMs(env);
  // The replaying core's own lines (which event did not match) go to stderr as JSON: stdout is the one report.
  // The SDK's routine lines (the replay worker starting and stopping) only at EKYC_LOG_LEVEL=info or below.
  const logger = createLogger('ekyc-cli', { ...env, EKYC_LOG_LEVEL: env.EKYC_LOG_LEVEL || 'warn' });
  installRuntime({ logger, metricsPort: 0, metricsHost: '127.0.0.1' });
  const code = await workflowCode(options.bundle);
  const { address, tls, apiKey, metadata } = temporal.connection;
  let connection: Connection;
  try {
    connection = await Connection.connect({ address, tls, apiKey, metadata, connectTimeout: callTimeoutMs });
  } catch {
    throw new TemporalUnavailableError('the server cannot be reached');
  }
  try {
    const dataConverter = createDataConverter(codec);
    const client = new Client({ connection, namespace: temporal.namespace, dataConverter });
    const report = await replayMatching(client, options, code, workerDataConverter(dataConverter));
    if (report.failed) {
      printHuman(`ekyc: ${report.failed} of ${report.replayed} histories do not replay against this workflow code`);
      process.exitCode = EXIT_REPLAY_FAILED;
    }
    return report;
  } finally {
    await connection.close();
  }
}

async function replayMatching(
  client: Client,
  options: ReplayOptions,
  code: { option: WorkflowBundleOption | null; name: string },
  dataConverter: ReturnType<typeof workerDataConverter>,
): Promise<ReplayReport> {
  let listed = 0;
  let limited = false;
  const matching = client.workflow.list({ query: options.query });
  // Stops the listing at --limit; fetching the histories (5 at a time) overlaps with the replay.
  const histories = (async function* () {
    for await (const item of matching.intoHistories({ concurrency: 5 })) {
      if (options.limit && listed >= options.limit) {
        limited = true;
        return;
      }
      listed++;
      yield item;
    }
  })();
  const report: ReplayReport = {
    query: options.query,
    workflowCode: code.name,
    replayed: 0,
    passed: 0,
    failed: 0,
    nonDeterministic: 0,
    failures: [],
  };
  const results = Worker.runReplayHistories(
    {
      ...(code.option ? { workflowBundle: code.option } : { workflowsPath: WORKFLOWS_PATH }),
      dataConverter,
      replayName: 'ekyc-replay',
    },
    histories,
  );
  try {
    for await (const result of results) {
      report.replayed++;
      if (!result.error) {
        report.passed++;
        continue;
      }
      report.failed++;
      const error = result.error.name;
      if (error === 'DeterminismViolationError') report.nonDeterministic++;
      report.failures.push({ workflowId: result.workflowId, runId: result.runId, error });
    }
  } catch (err) {
    // The listing itself failed: a malformed query is the caller's (INVALID_ARGUMENT), anything else is Temporal's.
    const grpc = ((err as { cause?: unknown }).cause ?? err) as { code?: number; details?: string; message?: string };
    if (grpc.code === 3) {
      throw new ValidationError([
        { field: 'query', rule: `was refused by the server: ${grpc.details ?? grpc.message ?? 'invalid query'}` },
      ]);
    }
    throw err;
  }
  if (limited) report.limited = true;
  return report;
}
