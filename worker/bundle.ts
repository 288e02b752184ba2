// Pre-bundles the workflow code for production (`npm run build` runs this from dist/): a worker then starts
// without webpack, and every worker of a release runs byte-identical workflow code.
import { writeFile } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';
import { bundleWorkflowCode, DefaultLogger, type Logger } from '@temporalio/worker';
import { FAILURE_CONVERTER_PATH } from '../codec/data-converter.js';
import { WORKFLOW_TRACING_MODULE } from '../observability/otel-temporal.js';
import { BUILD_INFO_PATH, gitCommit, packageVersion, type BuildInfo } from './deployment.js';
import { PREBUILT_BUNDLE_PATH, PREBUILT_TRACED_BUNDLE_PATH, WORKFLOWS_PATH } from './worker.js';

/**
 * The workflow bundle, with the failure converter the data converter names (it runs inside the sandbox); with
 * `tracing`, also the OpenTelemetry workflow interceptors (a worker with tracing on needs them in its bundle).
 * Without a logger, only the bundler's warnings and errors are printed: its module listing (INFO) made `npm ci`
 * (which builds in `prepare`) print a page of webpack output.
 */
export async function bundleWorkflows(logger?: Logger, options: { tracing?: boolean } = {}): Promise<string> {
  const { code } = await bundleWorkflowCode({
    workflowsPath: WORKFLOWS_PATH,
    failureConverterPath: FAILURE_CONVERTER_PATH,
    // Our workflow modules are evaluated once per workflow thread and shared (deep-frozen) by every workflow it runs,
    // instead of once per workflow created or replayed: a fifth of the CPU of replaying a session
    // (docs/PERFORMANCE.md). Safe because no module under workflows/ or common/ keeps state at module scope: every
    // run's state lives in its own objects (EkycSession, AgentLifecycle...), and module scope only defines constants,
    // functions and activity proxies. Keep it so (test/worker/bundle.test.ts).
    preloadModules: [WORKFLOWS_PATH],
    ...(options.tracing ? { workflowInterceptorModules: [WORKFLOW_TRACING_MODULE] } : {}),
    logger: logger ?? new DefaultLogger('WARN'),
  });
  return code;
}

/**
 * What the worker's default build id is made of (worker/deployment.ts): the package version and the commit, from
 * EKYC_GIT_COMMIT (a Docker build argument: the image has no .git) or from the checkout.
 */
function buildInfo(): BuildInfo {
  const given = process.env.EKYC_GIT_COMMIT?.trim();
  if (given && !/^[0-9a-f]{7,40}$/.test(given)) {
    throw new Error('EKYC_GIT_COMMIT: must be a git commit hash (7-40 lowercase hex digits)');
  }
  return { version: packageVersion(), commit: given ? given.slice(0, 12) : gitCommit() };
}

async function main() {
  const info = buildInfo();
  await writeFile(BUILD_INFO_PATH, `${JSON.stringify(info)}\n`);
  process.stderr.write(`build info: ${BUILD_INFO_PATH} (${info.version}+${info.commit ?? 'no commit known'})\n`);
  for (const [path, tracing] of [
    [PREBUILT_BUNDLE_PATH, false],
    [PREBUILT_TRACED_BUNDLE_PATH, true],
  ] as const) {
    const code = await bundleWorkflows(undefined, { tracing });
    await writeFile(path, code);
    process.stderr.write(`workflow bundle: ${path} (${Math.round(code.length / 1024)} KiB)\n`);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
