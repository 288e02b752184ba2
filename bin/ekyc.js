#!/usr/bin/env node
// `npx ekyc …`: runs the compiled CLI (built by `npm install`/`npm ci` through the prepare script).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

// Node 24 LTS (package.json "engines"): refuse an older node with a clear line instead of failing somewhere inside.
const MIN_NODE_MAJOR = 24;
if (Number(process.versions.node.split('.')[0]) < MIN_NODE_MAJOR) {
  process.stderr.write(
    `ekyc: needs Node.js ${MIN_NODE_MAJOR} LTS or newer, this is ${process.version} (README "The two commands": nvm use, or . scripts/use-node24.sh)\n`,
  );
  process.exit(2);
}

const cli = fileURLToPath(new URL('../dist/client/cli.js', import.meta.url));
if (!existsSync(cli)) {
  process.stderr.write('ekyc: the project is not built yet; run `npm run build` (npm ci does it for you)\n');
  process.exit(2);
}
const { main } = await import(cli);
await main(process.argv);
