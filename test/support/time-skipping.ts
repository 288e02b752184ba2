// Temporal's time-skipping test server for the tests where days must pass. The SDK cannot download it here, so it
// runs from the jars Maven fetched (deploy/test-server/pom.xml; `.ci/run` does it) through a two-line wrapper. If it
// cannot start, the test FAILS with the command that fixes it: nothing is skipped for lack of it.
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync, chmodSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { TestWorkflowEnvironment } from '@temporalio/testing';

export const TEST_SERVER_DIR =
  process.env.TEMPORAL_TEST_SERVER_DIR ?? fileURLToPath(new URL('../../.data/temporal-test-server/', import.meta.url));
const FETCH = 'npm run test-server:fetch';

export interface TimeSkipping {
  env: TestWorkflowEnvironment;
  /** Tears the environment down and makes sure the java process is gone. */
  stop(): Promise<void>;
}

function wrapper(dir: string): { path: string; pidFile: string } {
  const lib = `${dir.replace(/\/$/, '')}/lib`;
  if (!existsSync(lib) || !readdirSync(lib).some((f) => f.startsWith('temporal-test-server'))) {
    throw new Error(`the Temporal test server jars are missing from ${lib}; fetch them with: ${FETCH}`);
  }
  mkdirSync(`${dir}/run`, { recursive: true });
  const pidFile = `${dir}/run/test-server-${process.pid}.pid`;
  const path = `${dir}/run/test-server-${process.pid}.sh`;
  // exec: the java process takes the shell's pid, which the SDK kills on teardown and the pid file names.
  writeFileSync(
    path,
    `#!/bin/sh\necho $$ > '${pidFile}'\nexec java -cp '${lib}/*' io.temporal.testserver.TestServer "$@"\n`,
  );
  chmodSync(path, 0o755);
  return { path, pidFile };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Stops the java process the wrapper started, if it still runs. */
async function stopJava(pidFile: string): Promise<void> {
  const pid = existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8').trim()) : NaN;
  if (Number.isInteger(pid) && pid > 0) {
    if (alive(pid)) process.kill(pid, 'SIGTERM');
    for (let i = 0; i < 50 && alive(pid); i++) await new Promise((r) => setTimeout(r, 100));
    if (alive(pid)) process.kill(pid, 'SIGKILL');
  }
  rmSync(pidFile, { force: true });
}

/** Starts attempts in all: the SDK waits 5 s for the JVM, which a box busy with other suites can exceed. */
const START_ATTEMPTS = 3;

export async function startTimeSkipping(dir = TEST_SERVER_DIR): Promise<TimeSkipping> {
  const { path, pidFile } = wrapper(dir);
  let env: TestWorkflowEnvironment | undefined;
  for (let attempt = 1; !env; attempt++) {
    try {
      env = await TestWorkflowEnvironment.createTimeSkipping({
        server: { executable: { type: 'existing-path', path } },
      });
    } catch (err) {
      await stopJava(pidFile); // the JVM that came up too late
      if (attempt < START_ATTEMPTS) continue;
      rmSync(path, { force: true });
      throw new Error(
        `the Temporal time-skipping test server did not start in ${START_ATTEMPTS} attempts (${path}): ${(err as Error).message}`,
        { cause: err },
      );
    }
  }
  const started = env;
  return {
    env: started,
    async stop() {
      await started.teardown();
      await stopJava(pidFile);
      rmSync(path, { force: true });
    },
  };
}
