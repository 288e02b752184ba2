import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { verhoeffCheckDigit, verhoeffValid } from '../../common/verhoeff.js';

describe('Verhoeff', () => {
  it('validates every number completed with its own check digit', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[0-9]{1,15}$/), (digits) => verhoeffValid(digits + verhoeffCheckDigit(digits))),
      { numRuns: 2000 },
    );
  });

  it('gives the textbook check digit (236 → 3) and catches a changed digit', () => {
    expect(verhoeffCheckDigit('236')).toBe(3);
    expect(verhoeffValid('2363')).toBe(true);
    expect(verhoeffValid('2364')).toBe(false);
  });

  it('uses every check digit, 6 and 7 included', () => {
    const seen = new Set<number>();
    for (let n = 0; n < 1000; n++) seen.add(verhoeffCheckDigit(String(n)));
    expect([...seen].sort()).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });
});
