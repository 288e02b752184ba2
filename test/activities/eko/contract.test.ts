import { describe, expect, it } from 'vitest';
import { eps202606Contract, idString, quoteNumericIds, v3Contract } from '../../../activities/eko/contract.js';

const common = { initiatorId: '9962981729', encryptedAadhaar: 'ENC' };
const base = {
  userCode: '20810200',
  customerId: '9123456789',
  aadhaar: 'unused',
  latlong: '28.6,77.2',
  clientRefId: 'ref1',
};
const verify = { ...base, otp: '482913', otpRefId: '2465238', referenceTid: 'EKYKF47' };
const bio = { ...base, otpRefId: '815031', referenceTid: 'BEKYF47', bankCode: 'HDFC', pidData: '<PidData/>' };
const daily = { ...base, bankCode: 'HDFC', pidData: '<PidData/>' };

describe('Eko contract v3 (API.md §10)', () => {
  it('sends Send OTP as POST /user/collection/aeps-fingpay/kyc/otp with aadhar, customer_id and latlong', () => {
    expect(v3Contract.sendOtp(base, common)).toEqual({
      method: 'POST',
      path: '/user/collection/aeps-fingpay/kyc/otp',
      body: {
        initiator_id: '9962981729',
        user_code: '20810200',
        aadhar: 'ENC',
        customer_id: '9123456789',
        latlong: '28.6,77.2',
        client_ref_id: 'ref1',
      },
    });
  });

  it('sends Verify OTP as PUT …/otp/verify with the latest pair and the OTP', () => {
    const r = v3Contract.verifyOtp(verify, common);
    expect([r.method, r.path]).toEqual(['PUT', '/user/collection/aeps-fingpay/kyc/otp/verify']);
    expect(Object.keys(r.body).sort()).toEqual(
      [
        'aadhar',
        'client_ref_id',
        'customer_id',
        'initiator_id',
        'latlong',
        'otp',
        'otp_ref_id',
        'reference_tid',
        'user_code',
      ].sort(),
    );
    expect(r.body).toMatchObject({ otp_ref_id: '2465238', reference_tid: 'EKYKF47', otp: '482913' });
  });

  it('sends Biometric as PUT …/biometric with bank_code, piddata and the verified pair', () => {
    const r = v3Contract.biometric(bio, common);
    expect([r.method, r.path]).toEqual(['PUT', '/user/collection/aeps-fingpay/kyc/biometric']);
    expect(r.body).toMatchObject({
      bank_code: 'HDFC',
      piddata: '<PidData/>',
      otp_ref_id: '815031',
      reference_tid: 'BEKYF47',
    });
    expect(r.body).not.toHaveProperty('aadhaar');
  });

  it('parses ids sent as strings or numbers, and an optional mobile_hint', () => {
    expect(v3Contract.parseSendOtp({ reference_tid: 'EKYKF1', otp_ref_id: 2465238 })).toEqual({
      otpRefId: '2465238',
      referenceTid: 'EKYKF1',
    });
    expect(v3Contract.parseSendOtp({ reference_tid: 'T', otp_ref_id: '1', mobile_hint: '******7890' })).toEqual({
      otpRefId: '1',
      referenceTid: 'T',
      mobileHint: '******7890',
    });
  });

  it('refuses a Send OTP or Verify OTP answer without both ids', () => {
    expect(v3Contract.parseSendOtp({ otp_ref_id: '1' })).toBeUndefined();
    expect(v3Contract.parseVerifyOtp({ reference_tid: 'T' })).toBeUndefined();
    expect(v3Contract.parseVerifyOtp(null)).toBeUndefined();
  });

  it('takes the user code of a Biometric answer, or the request’s when Eko leaves it out', () => {
    expect(v3Contract.parseBiometric({ user_code: 20810200 }, bio)).toEqual({ userCode: '20810200' });
    expect(v3Contract.parseBiometric(undefined, bio)).toEqual({ userCode: '20810200' });
    expect(v3Contract.parseBiometric('weird', bio)).toBeUndefined();
  });
});

describe('Eko contract v3: Daily KYC (API.md §5.2, §10)', () => {
  it('sends Daily KYC as PUT …/biometric/daily with aadhar, customer_id, latlong, bank_code and piddata, no OTP pair', () => {
    expect(v3Contract.dailyKyc(daily, common)).toEqual({
      method: 'PUT',
      path: '/user/collection/aeps-fingpay/kyc/biometric/daily',
      body: {
        initiator_id: '9962981729',
        user_code: '20810200',
        customer_id: '9123456789',
        aadhar: 'ENC',
        latlong: '28.6,77.2',
        bank_code: 'HDFC',
        piddata: '<PidData/>',
        client_ref_id: 'ref1',
      },
    });
    expect(v3Contract.successTypeId.dailyKyc).toBe(1713);
  });

  it('takes the user code of a 1713 answer, or the request’s; refuses data that is not an object', () => {
    expect(v3Contract.parseDailyKyc({ user_code: 20810200 }, daily)).toEqual({ userCode: '20810200' });
    expect(v3Contract.parseDailyKyc(undefined, daily)).toEqual({ userCode: '20810200' });
    expect(v3Contract.parseDailyKyc('ok', daily)).toBeUndefined();
  });
});

describe('Eko contract eps-2026-06 (API.md §2.1, §3.1, §4.1)', () => {
  it('sends Send OTP as POST /customer/aeps/fingpay/kyc/otp with aadhaar and no customer_id', () => {
    expect(eps202606Contract.sendOtp(base, common)).toEqual({
      method: 'POST',
      path: '/customer/aeps/fingpay/kyc/otp',
      body: { initiator_id: '9962981729', user_code: '20810200', aadhaar: 'ENC', client_ref_id: 'ref1' },
    });
  });

  it('sends Verify OTP as PUT …/otp/verify with aadhaar, and reference_tid only when there is one', () => {
    const withTid = eps202606Contract.verifyOtp(verify, common);
    expect([withTid.method, withTid.path]).toEqual(['PUT', '/user/collection/aeps-fingpay/kyc/otp/verify']);
    expect(withTid.body).toMatchObject({ aadhaar: 'ENC', reference_tid: 'EKYKF47' });
    expect(eps202606Contract.verifyOtp({ ...verify, referenceTid: null }, common).body).not.toHaveProperty(
      'reference_tid',
    );
  });

  it('sends Biometric as POST /customer/aeps/fingpay/kyc/biometric with otp_ref_id and piddata', () => {
    expect(eps202606Contract.biometric(bio, common)).toEqual({
      method: 'POST',
      path: '/customer/aeps/fingpay/kyc/biometric',
      body: {
        initiator_id: '9962981729',
        user_code: '20810200',
        aadhaar: 'ENC',
        piddata: '<PidData/>',
        otp_ref_id: '815031',
        client_ref_id: 'ref1',
      },
    });
  });

  it('parses a Send OTP answer with a mobile_hint and no reference_tid', () => {
    expect(eps202606Contract.parseSendOtp({ otp_ref_id: 'OTPREF1', mobile_hint: '******7890' })).toEqual({
      otpRefId: 'OTPREF1',
      referenceTid: null,
      mobileHint: '******7890',
    });
    expect(eps202606Contract.parseSendOtp({ otp_ref_id: 5 })).toEqual({ otpRefId: '5', referenceTid: null });
  });

  it('expects 1388, 1604, 1388, and 1388 for Daily KYC', () => {
    expect(eps202606Contract.successTypeId).toEqual({
      sendOtp: 1388,
      verifyOtp: 1604,
      biometric: 1388,
      dailyKyc: 1388,
    });
  });

  it('sends Daily KYC as POST /customer/aeps/fingpay/kyc/daily with aadhaar, piddata and latlong (no source_ip)', () => {
    expect(eps202606Contract.dailyKyc(daily, common)).toEqual({
      method: 'POST',
      path: '/customer/aeps/fingpay/kyc/daily',
      body: {
        initiator_id: '9962981729',
        user_code: '20810200',
        aadhaar: 'ENC',
        piddata: '<PidData/>',
        latlong: '28.6,77.2',
        client_ref_id: 'ref1',
      },
    });
  });
});

describe('tolerant ids', () => {
  it('keeps every digit of a numeric id longer than 2^53', () => {
    const parsed = JSON.parse(quoteNumericIds('{"data":{"otp_ref_id": 123456789012345678901, "n": 5}}'));
    expect(parsed.data.otp_ref_id).toBe('123456789012345678901');
    expect(parsed.data.n).toBe(5);
  });

  it('leaves other numbers alone', () => {
    expect(JSON.parse(quoteNumericIds('{"status":0,"response_type_id":1600}'))).toEqual({
      status: 0,
      response_type_id: 1600,
    });
  });

  it('turns strings and safe integers into id strings, and nothing else', () => {
    expect(idString(' 42 ')).toBe('42');
    expect(idString(42)).toBe('42');
    expect(idString(1.5)).toBeUndefined();
    expect(idString('')).toBeUndefined();
    expect(idString(null)).toBeUndefined();
  });
});
