// One Temporal dev server per test run. If none starts, the run fails: no test is skipped for lack of it.
import type { TestProject } from 'vitest/node';
import { startDevServer } from '../../dev/temporal-server.js';

declare module 'vitest' {
  export interface ProvidedContext {
    temporalAddress: string;
    temporalNamespace: string;
  }
}

export default async function setup(project: TestProject) {
  let server;
  try {
    server = await startDevServer({ startTimeoutMs: 90_000 });
  } catch (err) {
    throw new Error(
      `Could not start the Temporal dev server for the tests (set TEMPORAL_CLI_PATH or put \`temporal\` on PATH): ${(err as Error).message}`,
      { cause: err },
    );
  }
  process.stderr.write(`[test] Temporal dev server ${server.address} (CLI from ${server.source})\n`);
  project.provide('temporalAddress', server.address);
  project.provide('temporalNamespace', server.namespace);
  return async () => {
    await server.stop();
  };
}
