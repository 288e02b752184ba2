import { describe, expect, it } from 'vitest';
import { ConfigError, loadDailyAuthPolicy } from '../../config/index.js';

describe('EKYC_DAILY_AUTH_ELIGIBLE_AFTER and EKYC_DAILY_AUTH_MAX_ATTEMPTS', () => {
  it('default to Eko’s 3 days and 3 attempts', () => {
    expect(loadDailyAuthPolicy({})).toEqual({ eligibleAfter: '259200s', maxAttempts: 3 });
  });

  it('take a duration from 0s to 30d and 1-10 attempts', () => {
    expect(loadDailyAuthPolicy({ EKYC_DAILY_AUTH_ELIGIBLE_AFTER: '2d', EKYC_DAILY_AUTH_MAX_ATTEMPTS: '5' })).toEqual({
      eligibleAfter: '172800s',
      maxAttempts: 5,
    });
    expect(loadDailyAuthPolicy({ EKYC_DAILY_AUTH_ELIGIBLE_AFTER: '0s' }).eligibleAfter).toBe('0s');
  });

  it('stop the process with a line naming the variable when malformed', () => {
    expect(() => loadDailyAuthPolicy({ EKYC_DAILY_AUTH_ELIGIBLE_AFTER: '31d' })).toThrow(ConfigError);
    expect(() => loadDailyAuthPolicy({ EKYC_DAILY_AUTH_ELIGIBLE_AFTER: 'soon' })).toThrow(
      /^EKYC_DAILY_AUTH_ELIGIBLE_AFTER: /,
    );
    expect(() => loadDailyAuthPolicy({ EKYC_DAILY_AUTH_MAX_ATTEMPTS: '0' })).toThrow(/^EKYC_DAILY_AUTH_MAX_ATTEMPTS: /);
  });
});
