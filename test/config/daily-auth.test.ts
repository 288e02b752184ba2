import { describe, expect, it } from 'vitest';
import { ConfigError, loadDailyAuthPolicy, loadDailyWadh } from '../../config/index.js';

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

describe('EKO_DAILY_WADH', () => {
  const wadh = (v?: string) => loadDailyWadh(v === undefined ? {} : { EKO_DAILY_WADH: v });

  it('defaults to empty (Eko’s latest pages: blank wadh for Daily KYC) and takes a base64 SHA-256', () => {
    expect(wadh()).toBe('');
    expect(wadh('')).toBe('');
    expect(wadh('E0jzJ/P8UopUHAieZn8CKqS4WPMi5ZSYXgfnlfkWjrc=')).toBe('E0jzJ/P8UopUHAieZn8CKqS4WPMi5ZSYXgfnlfkWjrc=');
  });

  it('refuses anything else, naming the variable', () => {
    expect(() => wadh('not base64')).toThrow(/^EKO_DAILY_WADH: /);
    expect(() => wadh('A'.repeat(5000))).toThrow(/^EKO_DAILY_WADH: /);
  });
});
