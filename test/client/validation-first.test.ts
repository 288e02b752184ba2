// The client library checks its input before anything reaches Temporal: a stand-in Temporal client fails the
// test on any use at all.
import { describe, expect, it } from 'vitest';
import type { Client } from '@temporalio/client';
import { EkycClient, TemporalUnavailableError, ValidationError } from '../../client/index.js';
import type { EkycInput } from '../../common/domain.js';
import { RULES } from '../../common/validation.js';
import { badChecksumAadhaar, LATLONG, pidData, syntheticAadhaar, syntheticMobile } from '../sim/eko-fixtures.js';
import { testCodecConfig } from './harness.js';

function untouchableTemporal() {
  const touched: string[] = [];
  const client = new Proxy(
    {},
    {
      get(_target, prop) {
        touched.push(String(prop));
        throw new Error('Temporal was contacted');
      },
    },
  ) as Client;
  return { ekyc: new EkycClient({ client, taskQueue: 'unused' }), touched };
}

const validInput = (): EkycInput => ({
  userCode: '12345678',
  customerId: syntheticMobile(),
  aadhaar: syntheticAadhaar(),
  latlong: LATLONG,
  bankCode: 'HDFC',
});

async function rejection(promise: Promise<unknown>): Promise<ValidationError> {
  const err = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ValidationError);
  return err as ValidationError;
}

describe('EkycClient validates before Temporal', () => {
  it('rejects an Aadhaar number with a bad Verhoeff check digit without starting a workflow', async () => {
    const { ekyc, touched } = untouchableTemporal();
    const err = await rejection(ekyc.startEkyc({ ...validInput(), aadhaar: badChecksumAadhaar() }));
    expect(err.errors).toEqual([{ field: 'aadhaar', rule: RULES.aadhaarChecksum }]);
    expect(touched).toEqual([]);
  });

  it.each([
    ['customerId', { customerId: '5123456789' }, RULES.customerId],
    ['latlong', { latlong: '91.0,77.2' }, RULES.latlong],
    ['bankCode', { bankCode: 'HD-FC' }, RULES.bankCode],
    ['userCode', { userCode: '1234' }, RULES.userCode],
  ] as const)('rejects a malformed %s, naming the field and the rule', async (field, patch, rule) => {
    const { ekyc, touched } = untouchableTemporal();
    const err = await rejection(ekyc.startEkyc({ ...validInput(), ...patch }));
    expect(err.errors).toEqual([{ field, rule }]);
    expect(touched).toEqual([]);
  });

  it('never puts the rejected value in the error message', async () => {
    const { ekyc } = untouchableTemporal();
    const aadhaar = badChecksumAadhaar();
    const err = await rejection(ekyc.startEkyc({ ...validInput(), aadhaar }));
    expect(err.message.includes(aadhaar)).toBe(false);
  });

  it('rejects an OTP that is not 6 digits without sending the update', async () => {
    const { ekyc, touched } = untouchableTemporal();
    const err = await rejection(ekyc.submitOtp('12345678', '12a45'));
    expect(err.errors).toEqual([{ field: 'otp', rule: RULES.otp }]);
    expect(touched).toEqual([]);
  });

  it('rejects PidData that is not the RD service XML without sending the update', async () => {
    const { ekyc, touched } = untouchableTemporal();
    const err = await rejection(ekyc.submitBiometric('12345678', '<xml/>'));
    expect(err.errors).toEqual([{ field: 'pidData', rule: RULES.pidData }]);
    expect(touched).toEqual([]);
  });

  it('rejects a failed RD-service capture (errCode not 0) without sending the update', async () => {
    const { ekyc, touched } = untouchableTemporal();
    const err = await rejection(ekyc.submitBiometric('12345678', pidData({ errCode: '720' })));
    expect(err.errors).toEqual([{ field: 'pidData', rule: RULES.pidCaptureFailed }]);
    expect(touched).toEqual([]);
  });

  it.each(['status', 'cancel', 'requestOtpResend'] as const)(
    '%s rejects a user code that is not 8 digits',
    async (method) => {
      const { ekyc, touched } = untouchableTemporal();
      const err = await rejection(ekyc[method]('abc'));
      expect(err.errors).toEqual([{ field: 'userCode', rule: RULES.userCode }]);
      expect(touched).toEqual([]);
    },
  );
});

describe('EkycClient when Temporal is out of reach', () => {
  const deadTemporal = { connection: { address: '127.0.0.1:1' }, namespace: 'default', taskQueue: 'unused' };

  it('connect() fails with TemporalUnavailableError', async () => {
    const err = await EkycClient.connect({
      temporal: deadTemporal,
      codec: testCodecConfig(),
      callTimeoutMs: 1_000,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TemporalUnavailableError);
  });

  it('a call on a lazy connection fails with TemporalUnavailableError within the call timeout', async () => {
    const ekyc = await EkycClient.connect({
      temporal: deadTemporal,
      codec: testCodecConfig(),
      callTimeoutMs: 1_000,
      lazy: true,
    });
    try {
      const started = Date.now();
      const err = await ekyc.status('12345678').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(TemporalUnavailableError);
      // Generous bound: the point is that it does not hang on gRPC's own retries.
      expect(Date.now() - started).toBeLessThan(20_000);
    } finally {
      await ekyc.close();
    }
  });
});
