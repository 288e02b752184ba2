// The Eko simulator checks what Eko checks. Requests here are built by hand (not by the client), so the
// simulator is tested against API.md rather than against our own client.
import { constants, createHmac, createPublicKey, generateKeyPairSync, publicEncrypt } from 'node:crypto';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request as httpRequest } from 'node:http';
import { EkoSimulator, isLoopbackAddress, isLoopbackHost } from '../../sim/eko-sim.js';
import { REASON_BIOMETRIC, REASON_DETAILS, REASON_OTP } from '../../sim/eko-shapes.js';
import {
  CREDENTIALS,
  LATLONG,
  badChecksumAadhaar,
  clientRefId,
  newAgent,
  pidData,
  startSim,
  syntheticAadhaar,
  syntheticUserCode,
  type Agent,
} from './eko-fixtures.js';

const V3 = '/user/collection/aeps-fingpay/kyc';

interface CallOptions {
  method?: string;
  contentType?: string | null;
  developerKey?: string;
  accessKey?: string;
  timestamp?: number;
  rawBody?: string;
}

function sign(accessKey: string, ts: string): string {
  return createHmac('sha256', Buffer.from(accessKey).toString('base64')).update(ts).digest('base64');
}

async function call(sim: EkoSimulator, path: string, body: Record<string, unknown>, o: CallOptions = {}) {
  const ts = String(o.timestamp ?? Date.now());
  const headers: Record<string, string> = {
    developer_key: o.developerKey ?? CREDENTIALS.developerKey,
    'secret-key': sign(o.accessKey ?? CREDENTIALS.accessKey, ts),
    'secret-key-timestamp': ts,
  };
  if (o.contentType !== null) headers['content-type'] = o.contentType ?? 'application/json';
  const res = await fetch(`${sim.baseUrl}${path}`, {
    method: o.method ?? 'POST',
    headers,
    body: o.rawBody ?? JSON.stringify(body),
  });
  const text = await res.text();
  // Eko's answers are loosely typed JSON; the assertions say what they must hold.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  let json: Record<string, any> | undefined;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, json, headers: res.headers };
}

function encrypt(sim: EkoSimulator, aadhaar: string): string {
  const key = createPublicKey({ key: Buffer.from(sim.publicKeySpkiBase64, 'base64'), format: 'der', type: 'spki' });
  return publicEncrypt({ key, padding: constants.RSA_PKCS1_PADDING }, Buffer.from(aadhaar)).toString('base64');
}

const sendBody = (sim: EkoSimulator, a: Agent, extra: Record<string, unknown> = {}) => ({
  initiator_id: CREDENTIALS.initiatorId,
  user_code: a.userCode,
  aadhar: encrypt(sim, a.aadhaar),
  customer_id: a.customerId,
  latlong: LATLONG,
  client_ref_id: clientRefId('s'),
  ...extra,
});

async function sendOtp(sim: EkoSimulator, a: Agent) {
  const r = await call(sim, `${V3}/otp`, sendBody(sim, a));
  expect(r.json?.status).toBe(0);
  return r.json!.data as { otp_ref_id: string; reference_tid: string };
}

const verifyBody = (sim: EkoSimulator, a: Agent, pair: { otp_ref_id: string; reference_tid: string }, otp: string) => ({
  ...sendBody(sim, a),
  otp,
  otp_ref_id: pair.otp_ref_id,
  reference_tid: pair.reference_tid,
});

async function verifiedPair(sim: EkoSimulator, a: Agent) {
  const sent = await sendOtp(sim, a);
  const r = await call(sim, `${V3}/otp/verify`, verifyBody(sim, a, sent, sim.currentOtp(a.userCode)!), {
    method: 'PUT',
  });
  expect(r.json?.status).toBe(0);
  return r.json!.data as { otp_ref_id: string; reference_tid: string };
}

const bioBody = (
  sim: EkoSimulator,
  a: Agent,
  pair: { otp_ref_id: string; reference_tid: string },
  pid = pidData(),
) => ({
  ...sendBody(sim, a),
  bank_code: 'HDFC',
  otp_ref_id: pair.otp_ref_id,
  reference_tid: pair.reference_tid,
  piddata: pid,
});

const wrongOtp = (right: string) => (right === '000000' ? '111111' : '000000');

describe('Eko simulator (v3)', () => {
  let sim: EkoSimulator;
  const logLines: string[] = [];
  beforeAll(async () => {
    const sink = new Writable({
      write(chunk, _enc, done) {
        logLines.push(String(chunk));
        done();
      },
    });
    sim = await startSim({ logger: pino({ level: 'info' }, sink) });
  });
  afterAll(() => sim.stop());

  describe('HTTP checks', () => {
    it('answers 403 to a wrong developer_key', async () => {
      const r = await call(sim, `${V3}/otp`, sendBody(sim, newAgent(sim)), { developerKey: 'other' });
      expect(r.status).toBe(403);
    });

    it('answers 403 to a secret-key signed with another access key', async () => {
      const r = await call(sim, `${V3}/otp`, sendBody(sim, newAgent(sim)), { accessKey: 'other' });
      expect(r.status).toBe(403);
    });

    it('answers 403 to a timestamp more than 5 minutes old, or ahead', async () => {
      const body = sendBody(sim, newAgent(sim));
      expect((await call(sim, `${V3}/otp`, body, { timestamp: Date.now() - 6 * 60_000 })).status).toBe(403);
      expect((await call(sim, `${V3}/otp`, body, { timestamp: Date.now() + 6 * 60_000 })).status).toBe(403);
    });

    it('accepts a timestamp a few minutes off', async () => {
      const r = await call(sim, `${V3}/otp`, sendBody(sim, newAgent(sim)), { timestamp: Date.now() - 3 * 60_000 });
      expect([r.status, r.json?.status]).toEqual([200, 0]);
    });

    it('answers 403 without the auth headers', async () => {
      const res = await fetch(`${sim.baseUrl}${V3}/otp`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      });
      expect(res.status).toBe(403);
    });

    it('answers 415 to a form-encoded body, and to no content type', async () => {
      const body = sendBody(sim, newAgent(sim));
      const form = new URLSearchParams(body as Record<string, string>).toString();
      const r = await call(sim, `${V3}/otp`, body, { contentType: 'application/x-www-form-urlencoded', rawBody: form });
      expect(r.status).toBe(415);
      expect((await call(sim, `${V3}/otp`, body, { contentType: null })).status).toBe(415);
    });

    it('accepts application/json with a charset', async () => {
      const r = await call(sim, `${V3}/otp`, sendBody(sim, newAgent(sim)), {
        contentType: 'application/json; charset=utf-8',
      });
      expect(r.json?.status).toBe(0);
    });

    it('answers 404 to an unknown path and 405 to the wrong method', async () => {
      const body = sendBody(sim, newAgent(sim));
      expect((await call(sim, '/user/aeps-fingpay/kyc/otp', body)).status).toBe(404);
      const r = await call(sim, `${V3}/otp`, body, { method: 'PUT' });
      expect([r.status, r.headers.get('allow')]).toEqual([405, 'POST']);
    });
  });

  describe('field checks (97 / -1 with invalid_params)', () => {
    for (const field of ['initiator_id', 'user_code', 'aadhar', 'customer_id', 'latlong']) {
      it(`names a missing ${field} on Send OTP`, async () => {
        const body: Record<string, unknown> = sendBody(sim, newAgent(sim));
        delete body[field];
        const r = await call(sim, `${V3}/otp`, body);
        expect(r.json).toMatchObject({ status: 97, response_type_id: -1, response_status_id: 1 });
        expect(Object.keys(r.json!.invalid_params)).toEqual([field]);
        expect(r.json!.invalid_params[field]).toBe('Please provide the value of the field');
      });
    }

    it('names a missing otp, otp_ref_id and reference_tid on Verify OTP', async () => {
      const a = newAgent(sim);
      const body = sendBody(sim, a);
      const r = await call(sim, `${V3}/otp/verify`, body, { method: 'PUT' });
      expect(Object.keys(r.json!.invalid_params).sort()).toEqual(['otp', 'otp_ref_id', 'reference_tid']);
    });

    it('names a missing bank_code and piddata on Biometric', async () => {
      const a = newAgent(sim);
      const pair = await verifiedPair(sim, a);
      const body: Record<string, unknown> = bioBody(sim, a, pair);
      delete body.bank_code;
      delete body.piddata;
      const r = await call(sim, `${V3}/biometric`, body, { method: 'PUT' });
      expect(Object.keys(r.json!.invalid_params).sort()).toEqual(['bank_code', 'piddata']);
    });

    it('rejects the early pages’ field name aadhaar: v3 wants aadhar', async () => {
      const a = newAgent(sim);
      const { aadhar, ...rest } = sendBody(sim, a);
      const r = await call(sim, `${V3}/otp`, { ...rest, aadhaar: aadhar });
      expect(Object.keys(r.json!.invalid_params)).toEqual(['aadhar']);
    });

    it('names aadhar when it was encrypted under another key', async () => {
      const a = newAgent(sim);
      const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
      const foreign = publicEncrypt({ key: publicKey, padding: constants.RSA_PKCS1_PADDING }, Buffer.from(a.aadhaar));
      const r = await call(sim, `${V3}/otp`, sendBody(sim, a, { aadhar: foreign.toString('base64') }));
      expect([r.json?.status, Object.keys(r.json!.invalid_params)]).toEqual([97, ['aadhar']]);
      expect(r.json!.invalid_params.aadhar).toBe('Invalid value for the field');
    });

    it('names aadhar when it is not base64 RSA at all, or plain digits', async () => {
      const a = newAgent(sim);
      for (const aadhar of ['not base64!', Buffer.from('hello').toString('base64'), a.aadhaar]) {
        const r = await call(sim, `${V3}/otp`, sendBody(sim, a, { aadhar }));
        expect(Object.keys(r.json!.invalid_params)).toEqual(['aadhar']);
      }
    });

    it('names aadhar when it decrypts to a number with a wrong Verhoeff check digit', async () => {
      const a = newAgent(sim);
      const r = await call(sim, `${V3}/otp`, sendBody(sim, a, { aadhar: encrypt(sim, badChecksumAadhaar()) }));
      expect(Object.keys(r.json!.invalid_params)).toEqual(['aadhar']);
    });

    it('names a client_ref_id over 20 characters, and accepts one without it', async () => {
      const a = newAgent(sim);
      const long = await call(sim, `${V3}/otp`, sendBody(sim, a, { client_ref_id: 'x'.repeat(21) }));
      expect(Object.keys(long.json!.invalid_params)).toEqual(['client_ref_id']);
      const { client_ref_id: _unused, ...without } = sendBody(sim, a);
      expect((await call(sim, `${V3}/otp`, without)).json?.status).toBe(0);
    });

    it('names malformed customer_id, latlong and user_code', async () => {
      const a = newAgent(sim);
      const r = await call(
        sim,
        `${V3}/otp`,
        sendBody(sim, a, { customer_id: '12345', latlong: '200,500', user_code: 'abc' }),
      );
      expect(Object.keys(r.json!.invalid_params).sort()).toEqual(['customer_id', 'latlong', 'user_code']);
    });

    it('answers 319 to another initiator_id', async () => {
      const r = await call(sim, `${V3}/otp`, sendBody(sim, newAgent(sim), { initiator_id: '9111111111' }));
      expect(r.json?.status).toBe(319);
    });
  });

  describe('agents', () => {
    it('answers 463 to an unknown user code', async () => {
      const r = await call(sim, `${V3}/otp`, sendBody(sim, newAgent()));
      expect(r.json).toMatchObject({ status: 463, response_type_id: 463, message: 'User not found' });
    });

    it('answers 346 "Agent not allowed to this transaction" when AePS Fingpay is not activated', async () => {
      const r = await call(sim, `${V3}/otp`, sendBody(sim, newAgent(sim, { activated: false })));
      expect(r.json).toMatchObject({
        response_status_id: 1,
        status: 346,
        response_type_id: 346,
        message: 'Agent not allowed to this transaction',
      });
    });

    it('answers 1297 when the agent is not onboarded', async () => {
      const r = await call(sim, `${V3}/otp`, sendBody(sim, newAgent(sim, { onboarded: false })));
      expect(r.json?.status).toBe(1297);
    });

    it('answers 461 "Merchant is Inactive or Invalid Details" to another Aadhaar or another mobile', async () => {
      const a = newAgent(sim);
      const b = newAgent();
      for (const body of [
        sendBody(sim, { ...a, aadhaar: b.aadhaar }),
        sendBody(sim, { ...a, customerId: b.customerId }),
      ]) {
        const r = await call(sim, `${V3}/otp`, body);
        expect([r.json?.status, r.json?.data?.reason]).toEqual([461, REASON_DETAILS]);
      }
    });

    it('follows updated flags', async () => {
      const a = newAgent(sim);
      sim.updateAgent(a.userCode, { activated: false });
      expect((await call(sim, `${V3}/otp`, sendBody(sim, a))).json?.status).toBe(346);
      sim.updateAgent(a.userCode, { activated: true });
      expect((await call(sim, `${V3}/otp`, sendBody(sim, a))).json?.status).toBe(0);
    });

    it('refuses to register an agent whose Aadhaar fails Verhoeff, without echoing it', () => {
      const aadhaar = badChecksumAadhaar();
      let message = '';
      try {
        sim.addAgent({ userCode: syntheticUserCode(), aadhaar, mobile: '9876543210' });
      } catch (err) {
        message = (err as Error).message;
      }
      expect(message).toBe('aadhaar must be 12 digits with a valid Verhoeff check digit');
    });
  });

  describe('Send OTP', () => {
    it('answers 1600 with a fresh pair of string ids, and a fresh 6-digit OTP each time', async () => {
      const a = newAgent(sim);
      const r = await call(sim, `${V3}/otp`, sendBody(sim, a));
      expect(r.json).toMatchObject({
        status: 0,
        response_status_id: 0,
        response_type_id: 1600,
        message: 'OTP request has been sent',
      });
      expect(r.json!.data).toEqual({
        reference_tid: expect.stringMatching(/^EKYKF[A-Z0-9]{23}$/),
        otp_ref_id: expect.stringMatching(/^\d{7}$/),
      });
      expect(sim.currentOtp(a.userCode)).toMatch(/^\d{6}$/);
      const second = await call(sim, `${V3}/otp`, sendBody(sim, a));
      expect(second.json!.data.otp_ref_id).not.toBe(r.json!.data.otp_ref_id);
    });
  });

  describe('Verify OTP', () => {
    it('answers 1604 with a new pair for the latest pair and the right OTP', async () => {
      const a = newAgent(sim);
      const sent = await sendOtp(sim, a);
      const r = await call(sim, `${V3}/otp/verify`, verifyBody(sim, a, sent, sim.currentOtp(a.userCode)!), {
        method: 'PUT',
      });
      expect(r.json).toMatchObject({ status: 0, response_type_id: 1604, message: 'Validation successful' });
      expect(r.json!.data.otp_ref_id).not.toBe(sent.otp_ref_id);
      expect(r.json!.data.reference_tid).toMatch(/^BEKYF/);
    });

    it('answers 461 with the documented reason to a wrong OTP, and keeps the pair usable', async () => {
      const a = newAgent(sim);
      const sent = await sendOtp(sim, a);
      const otp = sim.currentOtp(a.userCode)!;
      const wrong = await call(sim, `${V3}/otp/verify`, verifyBody(sim, a, sent, wrongOtp(otp)), { method: 'PUT' });
      expect(wrong.json).toMatchObject({
        response_status_id: 1,
        status: 461,
        response_type_id: 461,
        message: 'Failed!Please try after some time',
        data: { last_used_okekey: '', reason: REASON_OTP },
      });
      const right = await call(sim, `${V3}/otp/verify`, verifyBody(sim, a, sent, otp), { method: 'PUT' });
      expect(right.json?.status).toBe(0);
    });

    it('answers 461 to the right OTP with an older pair after a resend', async () => {
      const a = newAgent(sim);
      const first = await sendOtp(sim, a);
      await sendOtp(sim, a);
      const r = await call(sim, `${V3}/otp/verify`, verifyBody(sim, a, first, sim.currentOtp(a.userCode)!), {
        method: 'PUT',
      });
      expect(r.json?.data?.reason).toBe(REASON_OTP);
    });

    it('answers 461 to a reference_tid that is not the pair’s', async () => {
      const a = newAgent(sim);
      const sent = await sendOtp(sim, a);
      const r = await call(
        sim,
        `${V3}/otp/verify`,
        verifyBody(sim, a, { ...sent, reference_tid: 'EKYKF0000000000000000000000' }, sim.currentOtp(a.userCode)!),
        { method: 'PUT' },
      );
      expect(r.json?.status).toBe(461);
    });

    it('answers 461 to a pair already verified', async () => {
      const a = newAgent(sim);
      const sent = await sendOtp(sim, a);
      const body = verifyBody(sim, a, sent, sim.currentOtp(a.userCode)!);
      expect((await call(sim, `${V3}/otp/verify`, body, { method: 'PUT' })).json?.status).toBe(0);
      expect((await call(sim, `${V3}/otp/verify`, body, { method: 'PUT' })).json?.status).toBe(461);
    });

    it('answers 461 once the OTP has expired', async () => {
      const short = await startSim({ otpTtlMs: 1 });
      try {
        const a = newAgent(short);
        const sent = await sendOtp(short, a);
        const otp = short.currentOtp(a.userCode)!;
        await new Promise((r) => setTimeout(r, 20));
        const r = await call(short, `${V3}/otp/verify`, verifyBody(short, a, sent, otp), { method: 'PUT' });
        expect(r.json?.data?.reason).toBe(REASON_OTP);
      } finally {
        await short.stop();
      }
    });
  });

  describe('Biometric', () => {
    it('answers 1605 "Congratulations! eKYC successful" with the user code for the verified pair', async () => {
      const a = newAgent(sim);
      const pair = await verifiedPair(sim, a);
      const r = await call(sim, `${V3}/biometric`, bioBody(sim, a, pair), { method: 'PUT' });
      expect(r.json).toEqual({
        response_status_id: 0,
        status: 0,
        response_type_id: 1605,
        message: 'Congratulations! eKYC successful',
        data: { user_code: a.userCode },
      });
      expect(sim.agentState(a.userCode)).toMatchObject({ otpVerified: false, ekycCompletedAt: expect.any(String) });
    });

    it('answers 461 "Merchant is Inactive or Invalid Details" with the Send OTP pair (OTP not verified)', async () => {
      const a = newAgent(sim);
      const sent = await sendOtp(sim, a);
      const r = await call(sim, `${V3}/biometric`, bioBody(sim, a, sent), { method: 'PUT' });
      expect(r.json?.data?.reason).toBe(REASON_DETAILS);
    });

    it('answers 461 to a second Biometric with a pair already used', async () => {
      const a = newAgent(sim);
      const pair = await verifiedPair(sim, a);
      expect((await call(sim, `${V3}/biometric`, bioBody(sim, a, pair), { method: 'PUT' })).json?.status).toBe(0);
      expect((await call(sim, `${V3}/biometric`, bioBody(sim, a, pair), { method: 'PUT' })).json?.status).toBe(461);
    });

    const badShapes: [string, string][] = [
      ['fType 0', pidData({ fType: '0' })],
      ['Data type P (protobuf)', pidData({ dataType: 'P' })],
      ['no mc in DeviceInfo', pidData({ mc: null })],
      ['a failed capture (errCode 720)', pidData({ errCode: '720' })],
      ['not PidData at all', '<Other/>'],
    ];
    for (const [name, pid] of badShapes) {
      it(`answers 97 naming piddata for ${name}`, async () => {
        const a = newAgent(sim);
        const pair = await verifiedPair(sim, a);
        const r = await call(sim, `${V3}/biometric`, bioBody(sim, a, pair, pid), { method: 'PUT' });
        expect([r.json?.status, Object.keys(r.json?.invalid_params ?? {})]).toEqual([97, ['piddata']]);
      });
    }

    it('answers 461 "Authentication Failed. Invalid Biometric data." to qScore under 25, and keeps the pair', async () => {
      const a = newAgent(sim);
      const pair = await verifiedPair(sim, a);
      const poor = await call(sim, `${V3}/biometric`, bioBody(sim, a, pair, pidData({ qScore: 24 })), {
        method: 'PUT',
      });
      expect([poor.json?.status, poor.json?.data?.reason]).toEqual([461, REASON_BIOMETRIC]);
      const good = await call(sim, `${V3}/biometric`, bioBody(sim, a, pair, pidData({ qScore: 25 })), {
        method: 'PUT',
      });
      expect(good.json?.status).toBe(0);
    });
  });

  describe('ledger and logs', () => {
    it('records step, user code, client_ref_id, code and HTTP status of every call', async () => {
      sim.resetLedger();
      const a = newAgent(sim);
      const body = sendBody(sim, a);
      await call(sim, `${V3}/otp`, body);
      await call(sim, `${V3}/otp`, body, { developerKey: 'x' });
      expect(sim.ledger()).toEqual([
        {
          step: 'sendOtp',
          userCode: a.userCode,
          clientRefId: body.client_ref_id,
          code: '0',
          httpStatus: 200,
          fault: null,
          at: expect.any(String),
        },
        {
          step: 'sendOtp',
          userCode: a.userCode,
          clientRefId: body.client_ref_id,
          code: 'http403',
          httpStatus: 403,
          fault: null,
          at: expect.any(String),
        },
      ]);
      sim.resetLedger();
      expect(sim.ledger()).toEqual([]);
    });

    it('logs outcomes without an Aadhaar number, mobile or OTP', async () => {
      const a = newAgent(sim);
      const pair = await verifiedPair(sim, a);
      await call(sim, `${V3}/biometric`, bioBody(sim, a, pair), { method: 'PUT' });
      const mine = logLines.filter((l) => l.includes(a.userCode));
      expect(mine.length).toBe(3);
      const all = logLines.join('');
      for (const secret of [a.aadhaar, a.customerId, 'PidData', 'aadhar']) expect(all.includes(secret)).toBe(false);
    });
  });
});

describe('Eko simulator (eps-2026-06)', () => {
  let sim: EkoSimulator;
  beforeAll(async () => {
    sim = await startSim({ contract: 'eps-2026-06' });
  });
  afterAll(() => sim.stop());

  const epsSend = (a: Agent) => ({
    initiator_id: CREDENTIALS.initiatorId,
    user_code: a.userCode,
    aadhaar: encrypt(sim, a.aadhaar),
    client_ref_id: clientRefId('e'),
  });

  it('serves the early pages’ flow: POST /customer/…/otp (1388, mobile_hint), PUT …/otp/verify (1604), POST /customer/…/biometric (1388)', async () => {
    const a = newAgent(sim);
    const sent = await call(sim, '/customer/aeps/fingpay/kyc/otp', epsSend(a));
    expect(sent.json).toMatchObject({
      status: 0,
      response_type_id: 1388,
      data: { otp_ref_id: expect.any(String), mobile_hint: `******${a.customerId.slice(-4)}` },
    });
    expect(sent.json!.data).not.toHaveProperty('reference_tid');
    const verified = await call(
      sim,
      `${V3}/otp/verify`,
      {
        ...epsSend(a),
        customer_id: a.customerId,
        latlong: LATLONG,
        otp: sim.currentOtp(a.userCode),
        otp_ref_id: sent.json!.data.otp_ref_id,
      },
      { method: 'PUT' },
    );
    expect(verified.json).toMatchObject({ status: 0, response_type_id: 1604, data: { user_code: a.userCode } });
    const done = await call(sim, '/customer/aeps/fingpay/kyc/biometric', {
      ...epsSend(a),
      piddata: pidData(),
      otp_ref_id: verified.json!.data.otp_ref_id,
    });
    expect(done.json).toMatchObject({ status: 0, response_type_id: 1388, data: { kyc_status: 'completed' } });
  });

  it('answers 404 to the v3 Send OTP path and 97 naming aadhaar to the v3 field name', async () => {
    const a = newAgent(sim);
    const { aadhaar, ...rest } = epsSend(a);
    expect((await call(sim, `${V3}/otp`, epsSend(a))).status).toBe(404);
    const r = await call(sim, '/customer/aeps/fingpay/kyc/otp', { ...rest, aadhar: aadhaar });
    expect(Object.keys(r.json!.invalid_params)).toEqual(['aadhaar']);
  });

  it('answers 405 to a PUT Biometric (the early page says POST)', async () => {
    const r = await call(sim, '/customer/aeps/fingpay/kyc/biometric', {}, { method: 'PUT' });
    expect(r.status).toBe(405);
  });
});

describe('Eko simulator options', () => {
  it('registers an unknown agent on its first Send OTP with autoRegister, still checking the Aadhaar', async () => {
    const sim = await startSim({ autoRegister: true });
    try {
      const a = newAgent();
      const bad = await call(sim, `${V3}/otp`, sendBody(sim, { ...a, aadhaar: badChecksumAadhaar() }));
      expect(bad.json?.status).toBe(97);
      expect(sim.agentState(a.userCode)).toBeUndefined();
      expect((await call(sim, `${V3}/otp`, sendBody(sim, a))).json?.status).toBe(0);
      expect(sim.agentState(a.userCode)).toMatchObject({ onboarded: true, activated: true, otpPending: true });
      // …and from then on holds it to that Aadhaar.
      const other = await call(sim, `${V3}/otp`, sendBody(sim, { ...a, aadhaar: syntheticAadhaar() }));
      expect(other.json?.data?.reason).toBe(REASON_DETAILS);
    } finally {
      await sim.stop();
    }
  });

  it('answers otp_ref_id as a JSON number with numericOtpRefId', async () => {
    const sim = await startSim({ numericOtpRefId: true });
    try {
      const sent = await call(sim, `${V3}/otp`, sendBody(sim, newAgent(sim)));
      expect(typeof sent.json!.data.otp_ref_id).toBe('number');
    } finally {
      await sim.stop();
    }
  });

  it('decrypts with a private key it is given, and publishes its public half', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 1024 });
    const sim = await startSim({ privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string });
    try {
      expect(sim.publicKeySpkiBase64).toBe(publicKey.export({ type: 'spki', format: 'der' }).toString('base64'));
      expect((await call(sim, `${V3}/otp`, sendBody(sim, newAgent(sim)))).json?.status).toBe(0);
    } finally {
      await sim.stop();
    }
  });

  it('listens on loopback only', async () => {
    await expect(EkoSimulator.start({ ...CREDENTIALS, host: '0.0.0.0' })).rejects.toThrow(/loopback only/);
    const sim = await startSim();
    try {
      expect(sim.baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/ekoapi\/v3$/);
    } finally {
      await sim.stop();
    }
  });

  it('with faultRate 1 faults every call with a transient fault; with the same seed, in the same order', async () => {
    const codes = async (seed: number) => {
      const sim = await startSim({ faultRate: 1, seed });
      try {
        const a = newAgent(sim);
        for (let i = 0; i < 8; i++) await call(sim, `${V3}/otp`, sendBody(sim, a)).catch(() => undefined);
        return sim.ledger().map((e) => e.fault);
      } finally {
        await sim.stop();
      }
    };
    const first = await codes(42);
    expect(first).toHaveLength(8);
    for (const f of first) expect(['http500', 'http503', 'http429', 'reset', 'busy']).toContain(f);
    expect(await codes(42)).toEqual(first);
  });

  it('with faultRate 0 injects nothing', async () => {
    const sim = await startSim({ faultRate: 0 });
    try {
      const a = newAgent(sim);
      for (let i = 0; i < 5; i++) await call(sim, `${V3}/otp`, sendBody(sim, a));
      expect(sim.ledger().every((e) => e.fault === null && e.code === '0')).toBe(true);
    } finally {
      await sim.stop();
    }
  });
});

describe('Eko simulator test endpoints', () => {
  let sim: EkoSimulator;
  const base = () => sim.baseUrl.replace('/ekoapi/v3', '');
  beforeAll(async () => {
    sim = await startSim();
  });
  afterAll(() => sim.stop());

  it('add agents, read the OTP, script faults and read and clear the ledger over HTTP', async () => {
    const a = newAgent();
    const post = (path: string, body: unknown) =>
      fetch(`${base()}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    expect(
      (await post('/__sim/agents', { userCode: a.userCode, aadhaar: a.aadhaar, mobile: a.customerId })).status,
    ).toBe(201);
    expect((await fetch(`${base()}/__sim/otp/${a.userCode}`)).status).toBe(404);
    const fault = await post('/__sim/faults', {
      userCode: a.userCode,
      step: 'sendOtp',
      fault: { kind: 'http503', times: 2 },
    });
    expect([fault.status, await fault.json()]).toEqual([201, { pending: 2 }]);
    await call(sim, `${V3}/otp`, sendBody(sim, a));
    await call(sim, `${V3}/otp`, sendBody(sim, a));
    await call(sim, `${V3}/otp`, sendBody(sim, a));
    const otp = await (await fetch(`${base()}/__sim/otp/${a.userCode}`)).json();
    expect(otp).toEqual({ userCode: a.userCode, otp: sim.currentOtp(a.userCode) });
    const ledger = await (await fetch(`${base()}/__sim/ledger`)).json();
    expect(
      ledger.entries
        .filter((e: { userCode: string }) => e.userCode === a.userCode)
        .map((e: { code: string }) => e.code),
    ).toEqual(['http503', 'http503', '0']);
    expect((await fetch(`${base()}/__sim/ledger`, { method: 'DELETE' })).status).toBe(204);
    expect(sim.ledger()).toEqual([]);
    const state = await (await fetch(`${base()}/__sim/agents/${a.userCode}`)).json();
    expect(state).toMatchObject({ userCode: a.userCode, otpPending: true });
    expect(JSON.stringify(state).includes(a.customerId)).toBe(false);
  });

  it('explain a malformed agent or fault with 400', async () => {
    const post = (path: string, body: unknown) =>
      fetch(`${base()}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const agent = await post('/__sim/agents', { userCode: '1', aadhaar: '1', mobile: '1' });
    expect([agent.status, (await agent.json()).error]).toEqual([400, 'userCode must be 8 digits']);
    const fault = await post('/__sim/faults', { userCode: '12345678', step: 'sendOtp', fault: { kind: 'meteor' } });
    expect(fault.status).toBe(400);
  });

  it('give the base URL and public key', async () => {
    const info = await (await fetch(`${base()}/__sim/info`)).json();
    expect(info).toEqual({ baseUrl: sim.baseUrl, publicKey: sim.publicKeySpkiBase64, contract: 'v3' });
  });

  it('refuse clients that are not on loopback', async () => {
    const a = newAgent(sim);
    await sendOtp(sim, a);
    const res = await sim.inject({ method: 'GET', url: `/__sim/otp/${a.userCode}`, remoteAddress: '10.1.2.3' });
    expect(res.statusCode).toBe(403);
    expect(res.body.includes(sim.currentOtp(a.userCode)!)).toBe(false);
    const local = await sim.inject({ method: 'GET', url: `/__sim/otp/${a.userCode}`, remoteAddress: '127.0.0.1' });
    expect(local.statusCode).toBe(200);
  });

  it('refuse a request whose Host is not a loopback name (DNS rebinding from a browser), even from loopback', async () => {
    const a = newAgent(sim);
    await sendOtp(sim, a);
    const otp = sim.currentOtp(a.userCode)!;
    const { port } = new URL(sim.baseUrl);
    // Over a real loopback socket, as a page of rebind.attacker.test (resolved to 127.0.0.1) would send it.
    const viaSocket = (host: string) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = httpRequest(
          { host: '127.0.0.1', port, path: `/__sim/otp/${a.userCode}`, headers: { host } },
          (res) => {
            let body = '';
            res.on('data', (c: Buffer) => (body += c.toString()));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
          },
        );
        req.on('error', reject);
        req.end();
      });
    for (const host of [`rebind.attacker.test:${port}`, 'rebind.attacker.test', `127.0.0.1.nip.io:${port}`]) {
      const res = await viaSocket(host);
      expect(res.status).toBe(403);
      expect(res.body.includes(otp)).toBe(false);
    }
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, 'localhost', `[::1]:${port}`]) {
      expect((await viaSocket(host)).status).toBe(200);
    }
    for (const path of ['/__sim/info', '/__sim/ledger', `/__sim/agents/${a.userCode}`]) {
      const res = await sim.inject({ method: 'GET', url: path, headers: { host: 'evil.example' } });
      expect(res.statusCode).toBe(403);
    }
  });

  it('know loopback Host headers', () => {
    for (const ok of ['localhost', 'LOCALHOST:8090', '127.0.0.1', '127.0.0.1:8090', '[::1]', '[::1]:8090'])
      expect(isLoopbackHost(ok)).toBe(true);
    for (const no of [
      'evil.example',
      'localhost.evil.example',
      '127.0.0.1.nip.io',
      '0.0.0.0:8090',
      '[::2]',
      '',
      undefined,
    ])
      expect(isLoopbackHost(no)).toBe(false);
  });

  it('know loopback addresses in IPv4, IPv6 and mapped form', () => {
    for (const ok of ['127.0.0.1', '127.8.9.10', '::1', '::ffff:127.0.0.1']) expect(isLoopbackAddress(ok)).toBe(true);
    for (const no of ['10.0.0.1', '::ffff:10.0.0.1', '0.0.0.0', '', undefined])
      expect(isLoopbackAddress(no)).toBe(false);
  });
});
