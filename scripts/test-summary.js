// Prints vitest's JSON report as one plain closing line: "N passed, N failed" (and skipped, if any).
import { readFileSync } from 'node:fs';

const path = process.argv[2] ?? 'artifacts/vitest-report.json';
try {
  const r = JSON.parse(readFileSync(path, 'utf8'));
  const skipped = (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
  process.stdout.write(
    `\n${r.numPassedTests} passed, ${r.numFailedTests} failed${skipped ? `, ${skipped} skipped` : ''}\n`,
  );
} catch (err) {
  process.stdout.write(`\nno test report at ${path}: ${err.message}\n`);
}
