// The worker's tuning variables: default, range, and a bad value named with its rule.
import { describe, expect, it } from 'vitest';
import { ConfigError, loadWorkerCacheSize, loadWorkerWorkflowThreads } from '../../config/index.js';

describe.each([
  { name: 'EKYC_WORKER_CACHE_SIZE', load: loadWorkerCacheSize, fallback: 500, min: 0, max: 100_000 },
  { name: 'EKYC_WORKER_WORKFLOW_THREADS', load: loadWorkerWorkflowThreads, fallback: 1, min: 1, max: 16 },
])('$name', ({ name, load, fallback, min, max }) => {
  it(`defaults to ${fallback}`, () => {
    expect(load({})).toBe(fallback);
  });
  it(`takes an integer from ${min} to ${max}`, () => {
    expect(load({ [name]: String(min) })).toBe(min);
    expect(load({ [name]: String(max) })).toBe(max);
  });
  it('names the variable and the rule for a bad value', () => {
    expect(() => load({ [name]: 'lots' })).toThrow(ConfigError);
    for (const bad of [String(min - 1), String(max + 1), '1.5']) {
      expect(() => load({ [name]: bad })).toThrow(
        new RegExp(`^${name}: must be an integer between ${min} and ${max}$`),
      );
    }
  });
});
