import { describe, expect, it } from 'vitest';
import { CENSOR, scrubText } from '../../observability/logger.js';
import { captureLogs, syntheticAadhaar, syntheticMobile, syntheticOtp } from '../codec/helpers.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- walking arbitrary JSON log lines
type Deep = Record<string, any>;

const PID = `<?xml version="1.0"?><PidData><Resp errCode="0" fCount="1" fType="2"/><Data type="X">MjAyNi0wMS0wMVQxMjowMDowMA==</Data></PidData>`;

describe('log redaction', () => {
  it('censors sensitive keys nested anywhere: input.aadhaar, body.pidData, request headers', () => {
    const logs = captureLogs();
    const aadhaar = syntheticAadhaar();
    const mobile = syntheticMobile();
    const otp = syntheticOtp();
    logs.logger.info(
      {
        input: { aadhaar, customerId: mobile, userCode: '20810200' },
        body: { pidData: PID, otp },
        req: { headers: { authorization: 'Bearer abc.def.ghi', 'content-type': 'application/json' } },
      },
      'step',
    );
    const [line] = logs.lines();
    expect(line.input).toEqual({ aadhaar: CENSOR, customerId: CENSOR, userCode: '20810200' });
    expect(line.body).toEqual({ pidData: CENSOR, otp: CENSOR });
    expect(line.req).toEqual({ headers: { authorization: CENSOR, 'content-type': 'application/json' } });
    for (const secret of [aadhaar, mobile, otp, 'PidData', 'abc.def.ghi'])
      expect(logs.text().includes(secret)).toBe(false);
  });

  it('censors at any depth, in arrays, and in Eko snake_case and header spellings', () => {
    const logs = captureLogs();
    const aadhaar = syntheticAadhaar();
    const otp = syntheticOtp();
    logs.logger.warn({
      a: { b: { c: { d: { e: { f: { aadhar: aadhaar } } } } } },
      calls: [{ customer_id: '9876543210' }, { OTP: otp }],
      headers: { Authorization: 'x', 'secret-key': 'k', developer_key: 'd', Cookie: 'c' },
    });
    const [line] = logs.lines() as [Deep];
    expect(line.a.b.c.d.e.f.aadhar).toBe(CENSOR);
    expect(line.calls).toEqual([{ customer_id: CENSOR }, { OTP: CENSOR }]);
    expect(line.headers).toEqual({
      Authorization: CENSOR,
      'secret-key': CENSOR,
      developer_key: CENSOR,
      Cookie: CENSOR,
    });
    expect(logs.text().includes(aadhaar) || logs.text().includes(otp)).toBe(false);
  });

  it('keeps what ops need: stage, user code, Eko references and counts stay readable', () => {
    const logs = captureLogs();
    logs.logger.info({
      stage: 'AWAITING_OTP',
      userCode: '20810200',
      otpRefId: '2465238',
      otpAttemptsLeft: 2,
      mobileHint: '******7890',
    });
    expect(logs.lines()[0]).toMatchObject({
      stage: 'AWAITING_OTP',
      userCode: '20810200',
      otpRefId: '2465238',
      otpAttemptsLeft: 2,
      mobileHint: '******7890',
    });
  });

  it('never writes a raw HTTP body (string or bytes), and walks object bodies key by key', () => {
    const logs = captureLogs();
    const aadhaar = syntheticAadhaar();
    const raw = JSON.stringify({ aadhar: 'RSA+base64==', otp: '123456', user_code: '20810200' });
    logs.logger.error({
      request: { body: raw },
      response: { json: { status: 0, data: { otp_ref_id: '1' } }, rawBody: Buffer.from(aadhaar) },
    });
    const [line] = logs.lines() as [Deep];
    expect(line.request.body).toBe(`${CENSOR} body`);
    expect(line.response.rawBody).toBe(`${CENSOR} body`);
    expect(line.response.json).toEqual({ status: 0, data: { otp_ref_id: '1' } });
    expect(logs.text().includes('RSA+base64') || logs.text().includes(aadhaar)).toBe(false);
  });

  it('serialises errors without the PII that their fields or messages carry', () => {
    const logs = captureLogs();
    const aadhaar = syntheticAadhaar();
    // As an HTTP client error looks: the request options (with the JSON body) hang off the error.
    const err = Object.assign(new Error(`Eko answered 400 for aadhaar ${aadhaar}`), {
      name: 'HTTPError',
      options: { method: 'PUT', json: { aadhar: 'enc', piddata: PID, customer_id: '9876543210' } },
      cause: new Error(`upstream said ${aadhaar}`),
    });
    logs.logger.error({ err }, 'Eko call failed');
    const [line] = logs.lines() as [Deep];
    expect(line.err.type).toBe('HTTPError');
    expect(line.err.options.json).toEqual({ aadhar: CENSOR, piddata: CENSOR, customer_id: CENSOR });
    expect(line.err.stack).toContain('Error');
    expect(logs.text().includes(aadhaar) || logs.text().includes('PidData')).toBe(false);
  });

  it('masks Aadhaar numbers, mobiles, PID blocks and bearer tokens interpolated into messages', () => {
    const logs = captureLogs();
    const aadhaar = syntheticAadhaar();
    const mobile = syntheticMobile();
    const spaced = `${aadhaar.slice(0, 4)} ${aadhaar.slice(4, 8)} ${aadhaar.slice(8)}`;
    logs.logger.info(
      `agent ${aadhaar} / ${spaced} called from +91 ${mobile} with ${PID} and Bearer eyJhbGciOi.eyJzdWIiOi.sig`,
    );
    logs.logger.info('%s and %o', aadhaar, { note: `mobile ${mobile}` });
    const text = logs.text();
    for (const secret of [aadhaar, spaced, mobile, 'PidData', 'eyJzdWIiOi']) expect(text.includes(secret)).toBe(false);
    expect(text).toContain('[AADHAAR?]');
    expect(text).toContain('[MOBILE?]');
    expect(text).toContain('[PID DATA]');
  });

  it('censors sensitive keys in child logger bindings', () => {
    const logs = captureLogs();
    const aadhaar = syntheticAadhaar();
    logs.logger.child({ aadhaar, workflowId: 'fingpay-ekyc-20810200' }).info('bound');
    const [line] = logs.lines();
    expect(line.aadhaar).toBe(CENSOR);
    expect(line.workflowId).toBe('fingpay-ekyc-20810200');
  });

  it('leaves ordinary numbers alone: timestamps, durations, ports, user codes', () => {
    expect(scrubText('took 120000 ms at 1767225600123 on port 8888 for 20810200, lat 28.6139123456')).toBe(
      'took 120000 ms at 1767225600123 on port 8888 for 20810200, lat 28.6139123456',
    );
  });
});
