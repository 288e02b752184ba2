// Which HTTP status and headers each failure and each refused outcome gets (api/problems.ts).
import { describe, expect, it } from 'vitest';
import { notAcceptedProblem, problem, problemFor, retryAfterSeconds } from '../../api/problems.js';
import { EkycStepPendingError, TemporalUnavailableError } from '../../client/errors.js';

describe('problem details', () => {
  it('keeps type, title, status and code from being overridden by extension members, and drops undefined ones', () => {
    const body = problem(422, 'X', 'Title', { status: 200, code: 'Y', detail: undefined, attemptsLeft: 1 });
    expect(body).toEqual({
      type: 'urn:fingpay-ekyc:problem:x',
      title: 'Title',
      status: 422,
      code: 'X',
      attemptsLeft: 1,
    });
  });

  it('an outcome refused because Eko stayed down answers 503 with Retry-After and the outcome fields', () => {
    const { problem: body, headers } = notAcceptedProblem(
      { accepted: false, stage: 'AWAITING_OTP', code: 'EKO_UNAVAILABLE', reason: 'Eko is down' },
      'OTP not accepted',
    );
    expect(body).toMatchObject({ status: 503, code: 'EKO_UNAVAILABLE', accepted: false, stage: 'AWAITING_OTP' });
    expect(Number(headers?.['retry-after'])).toBeGreaterThan(0);
  });

  it('an OTP refused for another reason answers 422 with the attempts left', () => {
    const { problem: body, headers } = notAcceptedProblem(
      { accepted: false, stage: 'AWAITING_OTP', code: 'EkoOtpRejected', reason: 'wrong', attemptsLeft: 1 },
      'OTP not accepted',
    );
    expect(body).toMatchObject({ status: 422, code: 'EkoOtpRejected', attemptsLeft: 1, detail: 'wrong' });
    expect(headers).toBeUndefined();
  });

  it('Retry-After for the cooldown is the whole seconds until retryAfter, at least 1', () => {
    const now = Date.parse('2026-01-01T00:00:00.000Z');
    expect(retryAfterSeconds('2026-01-01T00:00:41.200Z', now)).toBe(42);
    expect(retryAfterSeconds('2025-12-31T23:59:00.000Z', now)).toBe(1);
    expect(retryAfterSeconds(undefined, now)).toBe(1);
  });

  it('Temporal out of reach and a pending step both answer 503 with Retry-After', () => {
    for (const err of [new TemporalUnavailableError('down'), new EkycStepPendingError('12345678', 'u1')]) {
      const mapped = problemFor(err)!;
      expect(mapped.problem.status).toBe(503);
      expect(mapped.headers?.['retry-after']).toBeDefined();
    }
  });

  it('leaves unknown errors to the 500 handler', () => {
    expect(problemFor(new Error('boom'))).toBeNull();
  });
});
