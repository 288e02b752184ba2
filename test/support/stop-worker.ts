// How the tests' in-process workers stop: shutdown, drain, then the connection. A drain that does not end within
// STOP_PATIENCE_MS (twice in CI under load, an afterAll hook hung past its 120 s in `worker.run()`'s drain, with every
// test of the file passed) is reported on stderr with the worker's own counts, and the worker is left to the test
// file's process, which ends with the file: a teardown never turns a passed file into a failed one by hanging.
import { Context } from '@temporalio/activity';
import type { NativeConnection, Worker } from '@temporalio/worker';

/** Well beyond any test worker's shutdownGraceTime (1–2 s) and its Eko timeouts (3–5 s); well inside hookTimeout. */
export const STOP_PATIENCE_MS = 45_000;

export type StopOutcome = 'stopped' | 'abandoned';

export async function stopWorker(
  worker: Worker,
  running: Promise<void>,
  connection?: NativeConnection,
  patienceMs = STOP_PATIENCE_MS,
  /** What the worker's activities are doing (trackActivities), named in the report. */
  inFlight?: () => string[],
): Promise<StopOutcome> {
  if (worker.getState() === 'RUNNING') worker.shutdown();
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), patienceMs);
  });
  try {
    const outcome = await Promise.race([running.then(() => 'drained' as const), late]);
    if (outcome === 'late') {
      // Counts and states only: nothing here can hold a payload.
      process.stderr.write(
        `[test worker] ${worker.options.taskQueue}: not drained ${patienceMs / 1000} s after shutdown; ` +
          `left to the test process: ${JSON.stringify(worker.getStatus())}` +
          (inFlight ? `; activities in flight: ${inFlight().join(', ') || 'none'}` : '') +
          '\n',
      );
      // A drain that fails later must not surface as an unhandled rejection of a file whose tests all passed.
      running.catch((err: Error) => process.stderr.write(`[test worker] late drain failed: ${err.message}\n`));
      return 'abandoned';
    }
  } finally {
    clearTimeout(timer);
  }
  await connection?.close();
  return 'stopped';
}

/**
 * The activities wrapped so that a report can name the ones still running: name, workflow id, attempt and how long
 * ago each began (ids are synthetic agents' codes; nothing of the arguments is kept).
 */
export function trackActivities<T extends object>(activities: T): { activities: T; inFlight: () => string[] } {
  const running = new Map<number, { what: string; since: number }>();
  let next = 0;
  const wrapped: Record<string, unknown> = {};
  for (const [name, fn] of Object.entries(activities)) {
    if (typeof fn !== 'function') {
      wrapped[name] = fn;
      continue;
    }
    wrapped[name] = async (...args: unknown[]) => {
      const id = next++;
      let what = name;
      try {
        const info = Context.current().info;
        what = `${name} of ${info.workflowExecution?.workflowId} (attempt ${info.attempt})`;
      } catch {
        // called outside an activity
      }
      running.set(id, { what, since: Date.now() });
      try {
        return await (fn as (...a: unknown[]) => Promise<unknown>).apply(activities, args);
      } finally {
        running.delete(id);
      }
    };
  }
  const inFlight = () =>
    [...running.values()].map((r) => `${r.what} for ${Math.round((Date.now() - r.since) / 1000)} s`);
  return { activities: wrapped as T, inFlight };
}
