// Pre-bundles the workflow code for production (`npm run build` runs this from dist/): a worker then starts
// without webpack, and every worker of a release runs byte-identical workflow code.
import { writeFile } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';
import { bundleWorkflowCode, type Logger } from '@temporalio/worker';
import { FAILURE_CONVERTER_PATH } from '../codec/data-converter.js';
import { WORKFLOW_TRACING_MODULE } from '../observability/otel-temporal.js';
import { PREBUILT_BUNDLE_PATH, PREBUILT_TRACED_BUNDLE_PATH, WORKFLOWS_PATH } from './worker.js';

/**
 * The workflow bundle, with the failure converter the data converter names (it runs inside the sandbox); with
 * `tracing`, also the OpenTelemetry workflow interceptors (a worker with tracing on needs them in its bundle).
 */
export async function bundleWorkflows(logger?: Logger, options: { tracing?: boolean } = {}): Promise<string> {
  const { code } = await bundleWorkflowCode({
    workflowsPath: WORKFLOWS_PATH,
    failureConverterPath: FAILURE_CONVERTER_PATH,
    ...(options.tracing ? { workflowInterceptorModules: [WORKFLOW_TRACING_MODULE] } : {}),
    ...(logger ? { logger } : {}),
  });
  return code;
}

async function main() {
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
