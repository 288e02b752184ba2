#!/usr/bin/env node
// `npx ekyc …`: runs the compiled CLI (built by `npm install`/`npm ci` through the prepare script).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const cli = fileURLToPath(new URL('../dist/client/cli.js', import.meta.url));
if (!existsSync(cli)) {
  process.stderr.write('ekyc: the project is not built yet; run `npm run build` (npm ci does it for you)\n');
  process.exit(2);
}
const { main } = await import(cli);
await main(process.argv);
