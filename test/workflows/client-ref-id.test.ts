import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { clientRefIdFor } from '../../workflows/eko-calls.js';
import type { EkoStep } from '../../common/eko-steps.js';

const STEPS: EkoStep[] = ['sendOtp', 'verifyOtp', 'biometric'];
const userCode = fc.stringMatching(/^\d{8}$/);
const step = fc.constantFrom(...STEPS);
const seq = fc.integer({ min: 1, max: 36 ** 4 - 1 });

describe('clientRefIdFor', () => {
  it('is at most 20 letters and digits, as Eko allows', () => {
    fc.assert(
      fc.property(userCode, step, fc.uuid(), seq, (u, s, run, n) => {
        expect(clientRefIdFor(u, s, run, n)).toMatch(/^[A-Z0-9]{1,20}$/);
      }),
    );
  });

  it('differs for every step and sequence number of one run', () => {
    const run = '01a21542-4c77-799a-846b-ef43670eac0d';
    const ids = STEPS.flatMap((s) => Array.from({ length: 200 }, (_, i) => clientRefIdFor('12345678', s, run, i + 1)));
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('differs between runs of the same agent whose UUIDv7 run ids share their time prefix', () => {
    // Temporal's run ids may be UUIDv7: runs started within the same minute share the leading digits.
    const a = clientRefIdFor('12345678', 'sendOtp', '01a21542-4c77-799a-846b-ef43670eac0d', 1);
    const b = clientRefIdFor('12345678', 'sendOtp', '01a21542-4c77-799a-846b-0a9c2d71b3f4', 1);
    expect(a).not.toBe(b);
  });

  it('refuses a sequence number that would not fit in 20 characters', () => {
    expect(() => clientRefIdFor('12345678', 'verifyOtp', '01a21542-4c77-799a-846b-ef43670eac0d', 36 ** 4)).toThrow(
      /overflow/,
    );
  });
});
