// Pre-bundles the workflow code for production (`npm run build` runs this from dist/): a worker then starts
// without webpack, and every worker of a release runs byte-identical workflow code.
import { writeFile } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';
import { bundleWorkflowCode, type Logger } from '@temporalio/worker';
import { FAILURE_CONVERTER_PATH } from '../codec/data-converter.js';
import { PREBUILT_BUNDLE_PATH, WORKFLOWS_PATH } from './worker.js';

/** The workflow bundle, with the failure converter the data converter names (it runs inside the sandbox). */
export async function bundleWorkflows(logger?: Logger): Promise<string> {
  const { code } = await bundleWorkflowCode({
    workflowsPath: WORKFLOWS_PATH,
    failureConverterPath: FAILURE_CONVERTER_PATH,
    ...(logger ? { logger } : {}),
  });
  return code;
}

async function main() {
  const code = await bundleWorkflows();
  await writeFile(PREBUILT_BUNDLE_PATH, code);
  process.stderr.write(`workflow bundle: ${PREBUILT_BUNDLE_PATH} (${Math.round(code.length / 1024)} KiB)\n`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
