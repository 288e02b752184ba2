// Runs the `ekyc` CLI from the sources (what bin/ekyc.js runs once built), for the CLI tests' subprocesses.
import { main } from '../../client/cli.js';

await main(process.argv);
