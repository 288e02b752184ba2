// `ekyc worker` as its own process, run from the sources: the crash and command tests start it with
// `node --import tsx test/support/worker-process.ts` and configure it through the environment, like production.
import { main } from '../../client/cli.js';

await main([process.argv[0], 'ekyc', 'worker']);
