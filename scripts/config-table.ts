// Rewrites the configuration table in README.md from config/variables.ts (between the marker comments).
import { readFileSync, writeFileSync } from 'node:fs';
import { configurationTable } from '../config/variables.js';

const path = new URL('../README.md', import.meta.url);
const readme = readFileSync(path, 'utf8');
const re = /(<!-- config-table:start -->\n)[\s\S]*?(<!-- config-table:end -->)/;
if (!re.test(readme)) throw new Error('README.md has no config-table markers');
writeFileSync(path, readme.replace(re, `$1${configurationTable()}\n$2`));
