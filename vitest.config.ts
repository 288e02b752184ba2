import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // The JSON report feeds the plain 'N passed, N failed' line that .ci/run prints at the end.
    reporters: ['default', 'json'],
    outputFile: { json: 'artifacts/vitest-report.json' },
  },
});
