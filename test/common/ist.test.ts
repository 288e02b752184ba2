import { describe, expect, it } from 'vitest';
import { istDate, istDayStart, nextIstMidnight } from '../../common/ist.js';

describe('the IST day', () => {
  it('puts 23:59:59 and 00:00:01 IST on different days', () => {
    const before = Date.parse('2026-03-31T18:29:59Z'); // 23:59:59 IST, 31 March
    const after = Date.parse('2026-03-31T18:30:01Z'); // 00:00:01 IST, 1 April
    expect(istDate(before)).toBe('2026-03-31');
    expect(istDate(after)).toBe('2026-04-01');
  });

  it('starts at 18:30 UTC the day before, and the next midnight is strictly later', () => {
    const noon = Date.parse('2026-06-15T06:30:00Z'); // 12:00 IST
    expect(new Date(istDayStart(noon)).toISOString()).toBe('2026-06-14T18:30:00.000Z');
    expect(new Date(nextIstMidnight(noon)).toISOString()).toBe('2026-06-15T18:30:00.000Z');
    const midnight = Date.parse('2026-06-15T18:30:00Z');
    expect(nextIstMidnight(midnight)).toBe(midnight + 86_400_000);
    expect(istDate(midnight)).toBe('2026-06-16');
  });

  it('knows no daylight saving: every IST day is 24 hours long', () => {
    let t = Date.parse('2026-01-01T00:00:00Z');
    for (let i = 0; i < 400; i++, t = nextIstMidnight(t))
      expect(nextIstMidnight(t) - t).toBeLessThanOrEqual(86_400_000);
  });
});
