import { describe, expect, it } from 'vitest';
import { EKO_ERROR, PERMANENT_EKO_ERRORS, type EkoErrorType } from '../../../common/eko-steps.js';
import {
  CLASSIFICATION_TABLE,
  classify,
  parseRetryAfter,
  safeText,
  uncertainIfRetriedBiometric,
  type EkoExchange,
  type EkoFailure,
} from '../../../activities/eko/classify.js';

const SUCCESS_TYPE = 1604;
const parseIds = (data: unknown) => {
  const d = data as { otp_ref_id?: unknown } | undefined;
  return typeof d?.otp_ref_id === 'string' ? { otpRefId: d.otp_ref_id } : undefined;
};
const http = (httpStatus: number, body: unknown, retryAfter?: string): EkoExchange => ({
  kind: 'http',
  httpStatus,
  body,
  retryAfter,
});
const eko = (fields: Record<string, unknown>) => http(200, fields);
const run = (exchange: EkoExchange) => classify(exchange, 'verifyOtp', SUCCESS_TYPE, parseIds, 1_700_000_000_000);

function failureOf(exchange: EkoExchange) {
  const result = run(exchange);
  if (result.ok) throw new Error('expected a failure');
  return result.failure;
}

function expectVerdict(exchange: EkoExchange, type: EkoErrorType, retryable: boolean) {
  const f = failureOf(exchange);
  expect(f.type).toBe(type);
  expect(f.retryable).toBe(retryable);
  return f;
}

const R461 = (reason: string) =>
  eko({
    response_status_id: 1,
    status: 461,
    response_type_id: 461,
    message: 'Failed!Please try after some time',
    data: { reason },
  });

describe('Eko classification table', () => {
  describe('success', () => {
    it('is status 0 with the step’s response_type_id, and returns the parsed data', () => {
      const result = run(
        eko({ status: 0, response_status_id: 0, response_type_id: 1604, data: { otp_ref_id: '815031' } }),
      );
      expect(result).toEqual({ ok: true, value: { otpRefId: '815031' } });
    });

    it('accepts status and response_type_id sent as strings', () => {
      const result = run(eko({ status: '0', response_type_id: '1604', data: { otp_ref_id: '1' } }));
      expect(result.ok).toBe(true);
    });

    it('is not status 0 with another step’s response_type_id (unexpected, permanent)', () => {
      const f = expectVerdict(
        eko({ status: 0, response_type_id: 1600, data: { otp_ref_id: '1' } }),
        EKO_ERROR.UnexpectedResponse,
        false,
      );
      expect(f.message).toContain('expected response_type_id 1604');
    });

    it('is not status 0 with data of an unknown shape (unexpected, permanent)', () => {
      expectVerdict(
        eko({ status: 0, response_type_id: 1604, data: { something: 'else' } }),
        EKO_ERROR.UnexpectedResponse,
        false,
      );
    });
  });

  describe('transient rows', () => {
    it('network timeout → EkoTimeout', () => {
      const f = expectVerdict({ kind: 'network', error: 'timeout', timeoutMs: 15000 }, EKO_ERROR.Timeout, true);
      expect(f.message).toBe('Eko did not answer within 15000 ms');
    });
    it('connection reset → EkoNetworkError', () => {
      expectVerdict({ kind: 'network', error: 'reset' }, EKO_ERROR.NetworkError, true);
    });
    it('other network error → EkoNetworkError', () => {
      expectVerdict({ kind: 'network', error: 'other' }, EKO_ERROR.NetworkError, true);
    });
    it('HTTP 429 → EkoRateLimited with Retry-After in ms', () => {
      const f = expectVerdict(http(429, undefined, '7'), EKO_ERROR.RateLimited, true);
      expect(f.retryAfterMs).toBe(7000);
    });
    it('HTTP 429 without Retry-After → EkoRateLimited with no delay of its own', () => {
      expect(expectVerdict(http(429, undefined), EKO_ERROR.RateLimited, true).retryAfterMs).toBeUndefined();
    });
    for (const status of [500, 502, 503, 504]) {
      it(`HTTP ${status} → EkoUnavailable, even with an Eko body`, () => {
        expectVerdict(http(status, { status: 463 }), EKO_ERROR.Unavailable, true);
      });
    }
    it('response_status_id -2 → EkoBusy', () => {
      expectVerdict(eko({ response_status_id: -2, status: 1, message: 'in progress' }), EKO_ERROR.Busy, true);
    });
    for (const code of [55, 544]) {
      it(`code ${code} → EkoUpstreamError`, () => {
        expectVerdict(eko({ response_status_id: 1, status: code, message: 'bank' }), EKO_ERROR.UpstreamError, true);
        expectVerdict(eko({ response_status_id: 1, status: 1, response_type_id: code }), EKO_ERROR.UpstreamError, true);
      });
    }
  });

  describe('permanent rows', () => {
    it('HTTP 403 → EkoAuthRejected', () => {
      expectVerdict(http(403, { message: 'Forbidden' }), EKO_ERROR.AuthRejected, false);
    });
    for (const status of [404, 405, 415]) {
      it(`HTTP ${status} → EkoMisconfigured`, () => {
        expectVerdict(http(status, undefined), EKO_ERROR.Misconfigured, false);
      });
    }
    it('461 "incorrect or the OTP has expired" → EkoOtpRejected', () => {
      expectVerdict(
        R461('The details entered are incorrect or the OTP has expired. Kindly request a new OTP.'),
        EKO_ERROR.OtpRejected,
        false,
      );
    });
    it('461 "Merchant is Inactive or Invalid Details" → EkoDetailsRejected', () => {
      expectVerdict(R461('Merchant is Inactive or Invalid Details'), EKO_ERROR.DetailsRejected, false);
    });
    it('461 "Invalid Biometric data" → EkoBiometricRejected', () => {
      expectVerdict(R461('Authentication Failed. Invalid Biometric data.'), EKO_ERROR.BiometricRejected, false);
    });
    it('461 with another reason → EkoUnexpectedResponse', () => {
      expectVerdict(R461('Something new'), EKO_ERROR.UnexpectedResponse, false);
    });
    for (const code of [346, 1297]) {
      it(`${code} → EkoAgentNotAllowed`, () => {
        expectVerdict(
          eko({
            response_status_id: 1,
            status: code,
            response_type_id: code,
            message: 'Agent not allowed to this transaction',
          }),
          EKO_ERROR.AgentNotAllowed,
          false,
        );
      });
    }
    it('97 with response_type_id -1 → EkoInvalidRequest naming the fields', () => {
      const f = expectVerdict(
        eko({
          response_status_id: 1,
          response_type_id: -1,
          status: 97,
          message: 'Please provide the value of the field',
          invalid_params: { aadhar: 'Please provide the value of the field {2} {3}', latlong: 'x' },
        }),
        EKO_ERROR.InvalidRequest,
        false,
      );
      expect(f.details.invalidFields).toEqual(['aadhar', 'latlong']);
      expect(f.message).toBe('Eko 97/-1: Please provide the value of the field [invalid: aadhar, latlong]');
    });
    it('97 with another response_type_id → EkoUnexpectedResponse', () => {
      expectVerdict(eko({ status: 97, response_type_id: 5 }), EKO_ERROR.UnexpectedResponse, false);
    });
    it('463 → EkoUnknownAgent (in status, or in response_status_id as the early pages had it)', () => {
      expectVerdict(
        eko({ status: 463, response_type_id: 463, message: 'User not found' }),
        EKO_ERROR.UnknownAgent,
        false,
      );
      expectVerdict(eko({ status: 1, response_status_id: 463 }), EKO_ERROR.UnknownAgent, false);
    });
    it('any other non-zero status → EkoUnexpectedResponse', () => {
      expectVerdict(
        eko({ status: 319, response_type_id: 319, message: 'Invalid initiator' }),
        EKO_ERROR.UnexpectedResponse,
        false,
      );
    });
    it('a body without status ("No key for Response") → EkoUnexpectedResponse', () => {
      expectVerdict(eko({ message: 'No key for Response' }), EKO_ERROR.UnexpectedResponse, false);
    });
    it('a body that is not JSON → EkoUnexpectedResponse', () => {
      expectVerdict(http(200, undefined), EKO_ERROR.UnexpectedResponse, false);
    });
    it('another HTTP status (400, 401, 302) → EkoUnexpectedResponse', () => {
      for (const s of [400, 401, 302]) expectVerdict(http(s, { status: 0 }), EKO_ERROR.UnexpectedResponse, false);
    });
  });

  it('agrees with the permanent list every workflow matches against', () => {
    for (const row of CLASSIFICATION_TABLE) {
      if (row.type === 'ok') continue;
      expect(row.retryable).toBe(!PERMANENT_EKO_ERRORS.includes(row.type));
    }
  });

  describe('messages and details', () => {
    it('carry Eko’s code, message and reason', () => {
      const f = failureOf(R461('Merchant is Inactive or Invalid Details'));
      expect(f.message).toBe('Eko 461: Failed!Please try after some time (Merchant is Inactive or Invalid Details)');
      expect(f.details).toEqual({
        step: 'verifyOtp',
        httpStatus: 200,
        status: 461,
        responseTypeId: 461,
        responseStatusId: 1,
        ekoMessage: 'Failed!Please try after some time',
        reason: 'Merchant is Inactive or Invalid Details',
      });
    });

    it('mask long digit runs Eko might echo (a mobile or an Aadhaar number)', () => {
      const f = failureOf(eko({ status: 319, message: 'Initiator 9962981729 is invalid' }));
      expect(f.message).toBe('Eko 319: Initiator [number] is invalid');
      expect(safeText('short 12345 stays')).toBe('short 12345 stays');
    });

    it('are one bounded line', () => {
      const text = safeText(`a\nb\t${'x'.repeat(500)}`)!;
      expect(text.startsWith('a b ')).toBe(true);
      expect(text.length).toBe(200);
    });
  });

  describe('Retry-After', () => {
    it('reads seconds', () => expect(parseRetryAfter('3', 0)).toBe(3000));
    it('reads an HTTP date', () =>
      expect(parseRetryAfter(new Date(1_700_000_010_000).toUTCString(), 1_700_000_000_000)).toBe(10_000));
    it('ignores garbage', () => expect(parseRetryAfter('soon', 0)).toBeUndefined());
    it('is bounded to an hour', () => expect(parseRetryAfter('999999', 0)).toBe(3_600_000));
  });
});

describe('uncertainIfRetriedBiometric', () => {
  const details = (type: EkoFailure['type']): EkoFailure => ({
    type,
    retryable: false,
    message: 'Eko 461: Failed!Please try after some time (Merchant is Inactive or Invalid Details)',
    details: { step: 'biometric', status: 461 },
  });

  it('turns a details rejection of a retried biometric into EkoOutcomeUncertain', () => {
    const f = uncertainIfRetriedBiometric('biometric', 2, details('EkoDetailsRejected'));
    expect(f.type).toBe('EkoOutcomeUncertain');
    expect(f.retryable).toBe(false);
    expect(f.message).toMatch(/check with Eko/);
  });

  it('leaves a first attempt, other steps and other failure types as the table classified them', () => {
    expect(uncertainIfRetriedBiometric('biometric', 1, details('EkoDetailsRejected')).type).toBe('EkoDetailsRejected');
    expect(uncertainIfRetriedBiometric('verifyOtp', 3, details('EkoDetailsRejected')).type).toBe('EkoDetailsRejected');
    expect(uncertainIfRetriedBiometric('biometric', 3, details('EkoBiometricRejected')).type).toBe(
      'EkoBiometricRejected',
    );
  });
});

describe('Daily KYC classification (API.md §5.2, §5.3, §8.5)', () => {
  const daily = (exchange: EkoExchange) => classify(exchange, 'dailyKyc', 1713, (d) => d ?? {}, 1_700_000_000_000);
  const failure = (exchange: EkoExchange) => {
    const result = daily(exchange);
    if (result.ok) throw new Error('expected a failure');
    return result.failure;
  };
  const R1714 = (reason: string) =>
    eko({ response_status_id: 1, status: 1714, response_type_id: 1714, message: 'KYC Fail', data: { reason } });

  it('1713 "KYC sucess" is success', () => {
    const result = daily(eko({ response_status_id: 0, status: 0, response_type_id: 1713, data: { user_code: '1' } }));
    expect(result.ok).toBe(true);
  });

  it('1714 "Invalid Biometric data" → EkoBiometricRejected, permanent (costs the agent an attempt)', () => {
    const f = failure(R1714('Authentication Failed. Invalid Biometric data.'));
    expect([f.type, f.retryable]).toEqual([EKO_ERROR.BiometricRejected, false]);
    expect(f.details).toMatchObject({
      step: 'dailyKyc',
      status: 1714,
      reason: 'Authentication Failed. Invalid Biometric data.',
    });
  });

  it('1714 "Please complete bank eKYC" → EkoRekycRequired, permanent', () => {
    const f = failure(R1714('Please complete bank eKYC to process the transaction.'));
    expect([f.type, f.retryable]).toEqual([EKO_ERROR.RekycRequired, false]);
  });

  it('1714 with an empty or another reason → EkoDailyKycFailed, permanent', () => {
    for (const reason of ['', 'Transaction Not Completed']) {
      const f = failure(R1714(reason));
      expect([f.type, f.retryable]).toEqual([EKO_ERROR.DailyKycFailed, false]);
    }
  });

  it('FP069, as a string status or in the reason → EkoReauthRequired (a new capture, no retry of the old one)', () => {
    for (const body of [
      { status: 'FP069', message: 'Technical issue at acquiring bank' },
      {
        response_status_id: 1,
        status: 1714,
        response_type_id: 1714,
        message: 'KYC Fail',
        data: { reason: 'FP069: retry 2FA' },
      },
    ]) {
      const f = failure(eko(body));
      expect([f.type, f.retryable]).toEqual([EKO_ERROR.ReauthRequired, false]);
    }
  });

  it('transient answers retry exactly as for the eKYC steps', () => {
    expect(failure(http(503, undefined)).type).toBe(EKO_ERROR.Unavailable);
    expect(failure(eko({ response_status_id: -2, status: 1 })).type).toBe(EKO_ERROR.Busy);
    expect(failure(eko({ response_status_id: 1, status: 55, message: 'Error from NPCI' })).retryable).toBe(true);
  });

  it('a 1713 for another step’s success type is not a Daily KYC success, nor 1605 for Daily KYC', () => {
    expect(daily(eko({ response_status_id: 0, status: 0, response_type_id: 1605 })).ok).toBe(false);
  });
});
