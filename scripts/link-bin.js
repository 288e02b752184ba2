// npm links the bins of dependencies, not the project's own: link `ekyc` so that `npx ekyc` works in the checkout.
import { mkdirSync, rmSync, symlinkSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const binDir = fileURLToPath(new URL('../node_modules/.bin/', import.meta.url));
mkdirSync(binDir, { recursive: true });
rmSync(`${binDir}ekyc`, { force: true });
symlinkSync('../../bin/ekyc.js', `${binDir}ekyc`);
