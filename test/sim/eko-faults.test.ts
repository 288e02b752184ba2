import { describe, expect, it } from 'vitest';
import { FaultBook, RANDOM_FAULTS, parseFault, seededRandom } from '../../sim/eko-faults.js';

describe('Eko simulator fault book', () => {
  it('hands out an agent’s scripted faults in order, each `times` times', () => {
    const book = new FaultBook();
    book.inject('20810200', 'sendOtp', { kind: 'http503', times: 2 });
    book.inject('20810200', 'sendOtp', { kind: 'busy' });
    const taken = Array.from({ length: 4 }, () => book.take('20810200', 'sendOtp')?.kind);
    expect(taken).toEqual(['http503', 'http503', 'busy', undefined]);
  });

  it('keeps faults to their agent and step', () => {
    const book = new FaultBook();
    book.inject('20810200', 'verifyOtp', { kind: 'reset' });
    expect(book.take('20810200', 'sendOtp')).toBeUndefined();
    expect(book.take('20810201', 'verifyOtp')).toBeUndefined();
    expect(book.pending('20810200', 'verifyOtp')).toBe(1);
    expect(book.take('20810200', 'verifyOtp')?.kind).toBe('reset');
  });

  it('draws random transient faults at the given rate, repeatably from the seed', () => {
    const draw = (seed: number) => {
      const book = new FaultBook(0.3, seed);
      return Array.from({ length: 2000 }, () => book.take(undefined, 'sendOtp')?.kind ?? null);
    };
    const a = draw(7);
    expect(draw(7)).toEqual(a);
    expect(draw(8)).not.toEqual(a);
    const faulted = a.filter((k) => k !== null);
    expect(faulted.length).toBeGreaterThan(450);
    expect(faulted.length).toBeLessThan(750);
    expect(new Set(faulted)).toEqual(new Set(RANDOM_FAULTS.map((f) => f.kind)));
  });

  it('serves scripted faults before random ones', () => {
    const book = new FaultBook(1, 1);
    book.inject('20810200', 'sendOtp', { kind: 'notAllowed' });
    expect(book.take('20810200', 'sendOtp')?.kind).toBe('notAllowed');
  });

  it('refuses a fault rate outside 0..1', () => {
    expect(() => new FaultBook(1.5)).toThrow(RangeError);
  });

  it('checks faults that come over HTTP', () => {
    expect(parseFault({ kind: 'latency', ms: 10 })).toEqual({ kind: 'latency', ms: 10, times: 1 });
    expect(() => parseFault({ kind: 'meteor' })).toThrow(/fault.kind must be one of/);
    expect(() => parseFault({ kind: 'latency' })).toThrow(/fault.ms/);
    expect(() => parseFault({ kind: 'http503', times: 0 })).toThrow(/fault.times/);
    expect(() => parseFault({ kind: 'http429', retryAfterSeconds: -1 })).toThrow(/retryAfterSeconds/);
  });

  it('has a PRNG spread over [0, 1)', () => {
    const next = seededRandom(123);
    const values = Array.from({ length: 1000 }, next);
    expect(Math.min(...values)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...values)).toBeLessThan(1);
    expect(values.filter((v) => v < 0.5).length).toBeGreaterThan(400);
  });
});
