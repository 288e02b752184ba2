import { describe, expect, it } from 'vitest';
import { ConfigError, loadWorkerCacheSize } from '../../config/index.js';

describe('EKYC_WORKER_CACHE_SIZE', () => {
  it('defaults to 500 cached sessions', () => {
    expect(loadWorkerCacheSize({})).toBe(500);
  });
  it('takes an integer from 0 to 100000', () => {
    expect(loadWorkerCacheSize({ EKYC_WORKER_CACHE_SIZE: '0' })).toBe(0);
    expect(loadWorkerCacheSize({ EKYC_WORKER_CACHE_SIZE: '2000' })).toBe(2000);
  });
  it('names the variable and the rule for a bad value', () => {
    expect(() => loadWorkerCacheSize({ EKYC_WORKER_CACHE_SIZE: 'lots' })).toThrow(ConfigError);
    expect(() => loadWorkerCacheSize({ EKYC_WORKER_CACHE_SIZE: '100001' })).toThrow(
      /^EKYC_WORKER_CACHE_SIZE: must be an integer between 0 and 100000$/,
    );
  });
});
