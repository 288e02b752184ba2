// The agent-wide OTP quota's rule: the cooldown after the last send, then the hourly and daily caps, each with the
// instant it frees up.
import { describe, expect, it } from 'vitest';
import { DAY_MS, decideOtpSend, HOUR_MS, pruneSends } from '../../common/otp-quota.js';

const limits = { cooldownMs: 60_000, perHour: 3, perDay: 5 };
const T = Date.UTC(2026, 10, 30, 4, 0, 0);

describe('decideOtpSend', () => {
  it('allows the first send of the day', () => {
    expect(decideOtpSend([], T, limits)).toEqual({ allowed: true });
  });

  it('refuses a send within the cooldown of the last one, whichever session made it, until cooldown end', () => {
    const d = decideOtpSend([T - 20_000], T, limits);
    expect(d).toMatchObject({ allowed: false, code: 'RESEND_COOLDOWN', retryAt: T + 40_000 });
    expect(decideOtpSend([T - 60_000], T, limits)).toEqual({ allowed: true });
  });

  it('refuses beyond the hourly cap until the oldest send of the hour ages out', () => {
    const sends = [T - 50 * 60_000, T - 30 * 60_000, T - 10 * 60_000];
    expect(decideOtpSend(sends, T, limits)).toMatchObject({
      allowed: false,
      code: 'OTP_SEND_LIMIT_REACHED',
      retryAt: sends[0] + HOUR_MS,
    });
    expect(decideOtpSend(sends, sends[0] + HOUR_MS + 1, limits)).toEqual({ allowed: true });
  });

  it('refuses beyond the daily cap until the send that frees a place is a day old', () => {
    const sends = [-20, -16, -12, -8, -4].map((h) => T + h * HOUR_MS);
    expect(decideOtpSend(sends, T, limits)).toMatchObject({
      allowed: false,
      code: 'OTP_SEND_LIMIT_REACHED',
      retryAt: sends[0] + DAY_MS,
    });
  });

  it('forgets sends older than a day', () => {
    expect(pruneSends([T - DAY_MS - 1, T - DAY_MS, T - 1], T)).toEqual([T - 1]);
  });
});
