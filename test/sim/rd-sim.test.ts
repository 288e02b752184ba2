import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RD_PORT_RANGE, RdServiceSimulator } from '../../sim/rd-sim.js';
import { pidDataSchema, RULES } from '../../common/validation.js';

const EKYC_WADH = 'E0jzJ/P8UopUHAieZn8CKqS4WPMi5ZSYXgfnlfkWjrc=';

function pidOptions(overrides: Record<string, string> = {}): string {
  const opts: Record<string, string> = {
    fCount: '1',
    fType: '2',
    iCount: '0',
    pCount: '0',
    format: '0',
    pidVer: '2.0',
    timeout: '10000',
    posh: 'UNKNOWN',
    env: 'P',
    wadh: EKYC_WADH,
    ...overrides,
  };
  const attrs = Object.entries(opts)
    .map(([k, v]) => `${k}="${v}"`)
    .join(' ');
  return `<PidOptions ver="1.0"><Opts ${attrs} /><CustOpts><Param name="mantrakey" value="" /></CustOpts></PidOptions>`;
}

function attr(xml: string, element: string, name: string): string | undefined {
  const el = new RegExp(`<${element}\\b([^>]*)>`).exec(xml);
  return el ? new RegExp(`\\b${name}="([^"]*)"`).exec(el[1])?.[1] : undefined;
}

/** One raw HTTP exchange, for what fetch will not send (malformed requests). */
function rawExchange(port: number, request: string | Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let out = '';
    socket.on('data', (d) => (out += d.toString('latin1')));
    socket.on('end', () => resolve(out));
    socket.on('error', reject);
    socket.write(request);
  });
}

describe('RD service simulator', () => {
  let sim: RdServiceSimulator;
  const call = (method: string, path: string, body?: string, headers?: Record<string, string>) =>
    fetch(`${sim.url}${path}`, { method, body, headers });
  const capture = async (overrides: Record<string, string> = {}) =>
    (await call('CAPTURE', '/rd/capture', pidOptions(overrides), { 'Content-Type': 'text/xml' })).text();

  beforeAll(async () => {
    sim = await RdServiceSimulator.start({ host: '127.0.0.1' });
  });
  afterAll(async () => {
    await sim.stop();
  });

  it('listens on loopback on the first free port of 11100-11120 by default', () => {
    expect(sim.host).toBe('127.0.0.1');
    expect(sim.port).toBeGreaterThanOrEqual(RD_PORT_RANGE.first);
    expect(sim.port).toBeLessThanOrEqual(RD_PORT_RANGE.last);
  });

  it('moves on to the next port of the range when one is taken', async () => {
    const second = await RdServiceSimulator.start();
    try {
      expect(second.port).not.toBe(sim.port);
      expect(second.port).toBeGreaterThanOrEqual(RD_PORT_RANGE.first);
      expect(second.port).toBeLessThanOrEqual(RD_PORT_RANGE.last);
    } finally {
      await second.stop();
    }
  });

  it('answers RDSERVICE discovery with READY and the CAPTURE and DEVICEINFO paths', async () => {
    sim.setMode('good');
    const res = await call('RDSERVICE', '/');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/xml/);
    const xml = await res.text();
    expect(attr(xml, 'RDService', 'status')).toBe('READY');
    expect(attr(xml, 'RDService', 'info')).toBeTruthy();
    expect(xml).toContain('<Interface id="CAPTURE" path="/rd/capture"/>');
    expect(xml).toContain('<Interface id="DEVICEINFO" path="/rd/info"/>');
  });

  it('answers DEVICEINFO with the device provider, RD service, model, certificate and device code', async () => {
    sim.setMode('good');
    const xml = await (await call('DEVICEINFO', '/rd/info')).text();
    for (const name of ['dpId', 'rdsId', 'rdsVer', 'mi', 'mc', 'dc'])
      expect(attr(xml, 'DeviceInfo', name)).toBeTruthy();
    expect(xml).toMatch(/<additional_info><Param name="srno" value="\d+"\/>/);
  });

  it('returns PidData for the eKYC PidOptions that the server accepts as PidData', async () => {
    sim.setMode('good');
    const xml = await capture();
    expect(attr(xml, 'Resp', 'errCode')).toBe('0');
    expect(attr(xml, 'Resp', 'errInfo')).toBe('Success');
    expect(attr(xml, 'Resp', 'fType')).toBe('2');
    expect(attr(xml, 'Resp', 'fCount')).toBe('1');
    expect(Number(attr(xml, 'Resp', 'qScore'))).toBeGreaterThanOrEqual(45);
    expect(Number(attr(xml, 'Resp', 'nmPoints'))).toBeGreaterThanOrEqual(35);
    expect(attr(xml, 'DeviceInfo', 'mc')).toMatch(/^[A-Za-z0-9+/]+=*$/);
    expect(xml).toMatch(/<Skey ci="\d{8}">[A-Za-z0-9+/]{300,}=*<\/Skey>/);
    expect(xml).toMatch(/<Hmac>[A-Za-z0-9+/]{64}<\/Hmac>/);
    expect(xml).toMatch(/<Data type="X">[A-Za-z0-9+/]{1000,}=*<\/Data>/);
    expect(pidDataSchema.safeParse(xml).success).toBe(true);
  });

  it('fills every capture with fresh random key, HMAC and data', async () => {
    sim.setMode('good');
    const data = (xml: string) => /<Data type="X">([^<]+)</.exec(xml)?.[1];
    const skey = (xml: string) => /<Skey[^>]*>([^<]+)</.exec(xml)?.[1];
    const [a, b] = [await capture(), await capture()];
    expect(data(a)).not.toBe(data(b));
    expect(skey(a)).not.toBe(skey(b));
  });

  it('records the PidOptions of each capture, wadh included', async () => {
    sim.setMode('good');
    const before = sim.captures.length;
    await capture();
    expect(sim.captures.length).toBe(before + 1);
    expect(sim.captures.at(-1)).toMatchObject({ fType: '2', format: '0', pidVer: '2.0', env: 'P', wadh: EKYC_WADH });
  });

  it.each([
    ['format 1 (Protobuf)', { format: '1' }, '210'],
    ['an unknown format', { format: '7' }, '190'],
    ['an fType above 2', { fType: '3' }, '110'],
    ['fCount 0', { fCount: '0' }, '120'],
    ['pidVer 1.0', { pidVer: '1.0' }, '150'],
    ['timeout 0', { timeout: '0' }, '160'],
    ['a posh that names no finger', { posh: 'LEFT_ELBOW' }, '170'],
    ['an iris capture', { iCount: '1' }, '760'],
    ['an unknown env', { env: 'X' }, '100'],
    ['a wadh that is not a Base64 SHA-256', { wadh: 'not-a-hash' }, '100'],
  ])('rejects %s with the spec error code and no biometric data', async (_name, overrides, code) => {
    sim.setMode('good');
    const xml = await capture(overrides);
    expect(attr(xml, 'Resp', 'errCode')).toBe(code);
    expect(attr(xml, 'Resp', 'errInfo')).toBeTruthy();
    expect(xml).not.toContain('<Data');
  });

  it('rejects a body that is not PidOptions with errCode 100', async () => {
    const xml = await (await call('CAPTURE', '/rd/capture', '<Hello/>')).text();
    expect(attr(xml, 'Resp', 'errCode')).toBe('100');
  });

  it('honours fType 0 and fCount 2 by echoing them in Resp', async () => {
    sim.setMode('good');
    const xml = await capture({ fType: '0', fCount: '2', posh: 'LEFT_INDEX,RIGHT_INDEX' });
    expect(attr(xml, 'Resp', 'errCode')).toBe('0');
    expect(attr(xml, 'Resp', 'fType')).toBe('0');
    expect(attr(xml, 'Resp', 'fCount')).toBe('2');
  });

  it('in poor mode returns a successful capture with qScore under the block threshold of 25', async () => {
    sim.setMode('poor');
    try {
      const xml = await capture();
      expect(attr(xml, 'Resp', 'errCode')).toBe('0');
      expect(Number(attr(xml, 'Resp', 'qScore'))).toBeLessThan(25);
      expect(xml).toContain('<Data type="X">');
    } finally {
      sim.setMode('good');
    }
  });

  it('in deviceError mode fails the capture with errCode 720 "Device not ready", which the server rejects', async () => {
    sim.setMode('deviceError');
    try {
      const xml = await capture();
      expect(attr(xml, 'Resp', 'errCode')).toBe('720');
      expect(attr(xml, 'Resp', 'errInfo')).toBe('Device not ready');
      expect(xml).not.toContain('<Data');
      expect(attr(await (await call('RDSERVICE', '/')).text(), 'RDService', 'status')).toBe('READY');
    } finally {
      sim.setMode('good');
    }
    const result = pidDataSchema.safeParse(
      '<PidData><Resp errCode="720" errInfo="Device not ready"/><Data type="X">AA==</Data></PidData>',
    );
    expect(result.success ? null : result.error.issues[0].message).toBe(RULES.pidCaptureFailed);
  });

  it('in notReady mode reports NOTREADY on discovery, an empty DeviceInfo, and fails captures with 720', async () => {
    sim.setMode('notReady');
    try {
      expect(attr(await (await call('RDSERVICE', '/')).text(), 'RDService', 'status')).toBe('NOTREADY');
      expect(attr(await (await call('DEVICEINFO', '/rd/info')).text(), 'DeviceInfo', 'mi')).toBe('');
      expect(attr(await capture(), 'Resp', 'errCode')).toBe('720');
    } finally {
      sim.setMode('good');
    }
  });

  it('switches mode between captures', async () => {
    sim.setMode('poor');
    const poor = Number(attr(await capture(), 'Resp', 'qScore'));
    sim.setMode('good');
    const good = Number(attr(await capture(), 'Resp', 'qScore'));
    expect(poor).toBeLessThan(25);
    expect(good).toBeGreaterThanOrEqual(45);
  });

  it('refuses an unknown mode', () => {
    expect(() => sim.setMode('broken' as never)).toThrow(/unknown RD simulator mode/);
  });

  it('answers a CORS preflight for the custom methods from any origin', async () => {
    const res = await call('OPTIONS', '/rd/capture', undefined, {
      Origin: 'https://agent.example.test',
      'Access-Control-Request-Method': 'CAPTURE',
      'Access-Control-Request-Headers': 'content-type',
    });
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    const methods = (res.headers.get('access-control-allow-methods') ?? '').split(/,\s*/);
    expect(methods).toEqual(expect.arrayContaining(['RDSERVICE', 'DEVICEINFO', 'CAPTURE', 'OPTIONS']));
    expect(res.headers.get('access-control-allow-headers')).toBe('content-type');
  });

  it('allows a Private Network Access preflight from a public page', async () => {
    const res = await call('OPTIONS', '/', undefined, {
      Origin: 'https://agent.example.test',
      'Access-Control-Request-Method': 'RDSERVICE',
      'Access-Control-Request-Private-Network': 'true',
    });
    expect(res.headers.get('access-control-allow-private-network')).toBe('true');
  });

  it('sends Access-Control-Allow-Origin * on every protocol response', async () => {
    for (const [method, path] of [
      ['RDSERVICE', '/'],
      ['DEVICEINFO', '/rd/info'],
      ['CAPTURE', '/rd/capture'],
    ]) {
      const res = await call(method, path, method === 'CAPTURE' ? pidOptions() : undefined);
      expect(res.headers.get('access-control-allow-origin')).toBe('*');
    }
  });

  it('answers 405 with Allow for the wrong method on a protocol path, and 404 for an unknown path', async () => {
    const wrong = await call('GET', '/rd/capture');
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('allow')).toBe('CAPTURE, OPTIONS');
    expect((await call('RDSERVICE', '/nowhere')).status).toBe(404);
  });

  it('reads a chunked CAPTURE body', async () => {
    const body = Buffer.from(pidOptions());
    const chunked = Buffer.concat([Buffer.from(`${body.length.toString(16)}\r\n`), body, Buffer.from('\r\n0\r\n\r\n')]);
    const head = `CAPTURE /rd/capture HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n`;
    const response = await rawExchange(sim.port, Buffer.concat([Buffer.from(head), chunked]));
    expect(response).toMatch(/^HTTP\/1\.1 200 /);
    expect(response).toContain('errCode="0"');
  });

  it('answers 400 to a malformed request line and 413 to an oversized body', async () => {
    expect(await rawExchange(sim.port, 'NOT A REQUEST AT ALL\r\n\r\n')).toMatch(/^HTTP\/1\.1 400 /);
    const big = `CAPTURE /rd/capture HTTP/1.1\r\nContent-Length: ${10 * 1024 * 1024}\r\n\r\n`;
    expect(await rawExchange(sim.port, big)).toMatch(/^HTTP\/1\.1 413 /);
  });
});

describe('RD service simulator on a fixed port', () => {
  it('fails to start when the port is taken instead of moving on', async () => {
    const first = await RdServiceSimulator.start();
    try {
      await expect(RdServiceSimulator.start({ port: first.port })).rejects.toMatchObject({ code: 'EADDRINUSE' });
    } finally {
      await first.stop();
    }
  });
});
