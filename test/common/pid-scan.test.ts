// pidCaptureOk and pidDataShaped (common/checks.ts) were patterns; one of them took quadratic time (docs/SECURITY.md).
// They are linear scans now, and must judge PidData as before: the shape check exactly as its patterns did on any
// text, the capture check as its pattern did on PidData as RD services write it (and on the RD simulator's own
// captures). Where the scan reads XML better than the pattern did, the difference is listed below, on purpose.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pidCaptureOk, pidDataShaped } from '../../common/checks.js';
import { RULES, pidDataSchema } from '../../common/validation.js';
import { RD_CAPTURE_PATH, RD_MODES, RdServiceSimulator } from '../../sim/rd-sim.js';
import { pidData } from '../sim/eko-fixtures.js';
import { TAG_FRAGMENTS } from '../fuzz/adversarial.js';

const SEED = 20_261_126;

// The patterns as they were (80d58e3). Fine on short text; quadratic on long runs of "<Resp ".
const oldShaped = (v: string) => /<PidData[\s>]/.test(v) && /<\/PidData>\s*$/.test(v.trim()) && /<Data[\s>]/.test(v);
const oldCaptureOk = (v: string) => !/<Resp\b[^>]*\berrCode=["'](?!0["'])[^"']*["']/.test(v);

/** Short text of tag fragments and ordinary characters: where two readings of markup would part. */
const markupish = fc
  .array(fc.oneof(fc.constantFrom(...TAG_FRAGMENTS), fc.string({ maxLength: 3 })), { maxLength: 24 })
  .map((parts) => parts.join(''));

describe('pidDataShaped', () => {
  it('gives the verdict of the old patterns on any text', () => {
    fc.assert(
      fc.property(fc.oneof(markupish, fc.string(), fc.string({ unit: 'binary' })), (v) => {
        expect(pidDataShaped(v)).toBe(oldShaped(v));
      }),
      { numRuns: 5000, seed: SEED },
    );
  });

  it('ignores any trailing whitespace, as trim() did, and nothing else', () => {
    const doc = pidData();
    for (const pad of [' ', '\n\r\t', '\u00a0', '\u2028', '\ufeff', '\u3000 \n'])
      expect(pidDataShaped(doc + pad)).toBe(true);
    expect(pidDataShaped(`${doc} x`)).toBe(false);
    expect(pidDataShaped(`${doc}\u200b`)).toBe(false); // ZERO WIDTH SPACE is not whitespace
  });
});

// ---- PidData as RD services write it ----------------------------------------------------------------------------

const xmlSpace = fc.constantFrom(' ', '  ', '\n', '\r\n', '\t', '\n    ');
const quote = fc.constantFrom('"', "'");
const ERR_INFOS = [
  'Success',
  'Device not ready',
  'Invalid PidOptions input. XML should strictly adhere to spec.',
  'Capture timed out',
  'Invalid value for fType',
  'User cancelled = true',
  '',
];
const ERR_CODES = ['0', '720', '100', '110', '700', '730', '-1', '', '00', ' 0', '0 ', 'O'];

const attribute = (name: string, value: fc.Arbitrary<string>) =>
  fc.tuple(value, quote).map(([v, q]) => `${name}=${q}${v}${q}`);

/** A Resp start tag: errCode (sometimes missing) among the spec's other attributes, in any order and spacing. */
const respTag = fc
  .tuple(
    fc.option(attribute('errCode', fc.constantFrom(...ERR_CODES)), { freq: 6, nil: null }),
    fc.subarray([
      ['errInfo', fc.constantFrom(...ERR_INFOS)],
      ['fCount', fc.constantFrom('0', '1', '2')],
      ['fType', fc.constantFrom('0', '2')],
      ['iCount', fc.constant('0')],
      ['pCount', fc.constant('0')],
      ['nmPoints', fc.integer({ min: 0, max: 60 }).map(String)],
      ['qScore', fc.integer({ min: 0, max: 100 }).map(String)],
    ] as const),
    fc.array(xmlSpace, { minLength: 9, maxLength: 9 }),
    fc.constantFrom('/>', '>', ' />', '\n/>'),
    fc.nat(),
  )
  .chain(([errCode, others, spaces, close, at]) =>
    fc.tuple(...others.map(([name, value]) => attribute(name, value))).map((attrs) => {
      const all = [...attrs];
      if (errCode !== null) all.splice(at % (all.length + 1), 0, errCode);
      return `<Resp${all.map((a, i) => spaces[i] + a).join('')}${close}${close === '>' ? '</Resp>' : ''}`;
    }),
  );

/** A whole PidData: the Resp among DeviceInfo (with additional_info), Skey, Hmac and Data, compact or indented. */
const realisticPid = fc
  .tuple(respTag, fc.boolean(), fc.constantFrom('', '\n', '\n  '), fc.base64String({ minLength: 4, maxLength: 64 }))
  .map(([resp, prolog, nl, data]) =>
    [
      prolog ? '<?xml version="1.0"?>' : '',
      '<PidData>',
      nl + resp,
      `${nl}<DeviceInfo dpId="EKYC.SIM" rdsId="EKYC.SIM.RD.001" rdsVer="1.0.0" dc="dc-1" mi="SIMFP100" mc="TUlJ">` +
        `<additional_info><Param name="srno" value="1234"/><Param name="sysid" value="SIM"/></additional_info></DeviceInfo>`,
      `${nl}<Skey ci="20291231">c2tleQ==</Skey>`,
      `${nl}<Hmac>aG1hYw==</Hmac>`,
      `${nl}<Data type="X">${data}</Data>`,
      `${nl}</PidData>`,
    ].join(''),
  );

describe('pidCaptureOk', () => {
  it('gives the verdict of the old pattern on PidData as RD services write it', () => {
    const verdicts = new Set<boolean>();
    fc.assert(
      fc.property(realisticPid, (v) => {
        verdicts.add(pidCaptureOk(v));
        expect(pidCaptureOk(v)).toBe(oldCaptureOk(v));
      }),
      { numRuns: 5000, seed: SEED },
    );
    expect([...verdicts].sort()).toEqual([false, true]);
  });

  it('passes errCode "0" (either quote) and a Resp with no errCode; fails any other value', () => {
    expect(pidCaptureOk(pidData())).toBe(true);
    expect(pidCaptureOk(pidData().replace('errCode="0"', "errCode='0'"))).toBe(true);
    expect(pidCaptureOk(pidData().replace('errCode="0" ', ''))).toBe(true);
    for (const code of ['720', '', '00', ' 0', '-1', '0.0']) {
      expect(pidCaptureOk(pidData({ errCode: code })), code).toBe(false);
    }
  });

  it('finds a failing errCode after a long run of attributes, and in a later Resp', () => {
    expect(pidCaptureOk(`<PidData><Resp ${'a="1" '.repeat(20_000)}errCode="720"/></PidData>`)).toBe(false);
    expect(pidCaptureOk(`<Resp errCode="0"/><Resp/><Resp\nerrCode="720">`)).toBe(false);
  });

  it('reads the Resp tag as XML where the old pattern did not: these verdicts changed on purpose', () => {
    const changed: [string, string, boolean][] = [
      // Whitespace around "=" is XML; the pattern wanted errCode= with nothing between.
      ['whitespace around "="', '<Resp errCode = "720"/>', false],
      // A ">" inside a quoted value does not end the tag; the pattern stopped at it.
      ['">" in an earlier value', '<Resp errInfo="a>b" errCode="720"/>', false],
      // An unterminated value is no "0"; the pattern wanted a closing quote.
      ['an unterminated value', '<Resp errCode="720', false],
      // "errCode" inside another attribute's value is not the attribute; the pattern matched it anywhere.
      ['errCode inside a value', `<Resp errCode="0" errInfo="errCode='1'"/>`, true],
      // Another attribute or element that ends in errCode or starts with Resp is not Resp's errCode.
      ['an attribute ending in errCode', '<Resp data-errCode="1"/>', true],
      ['another element', '<Resp-x errCode="1"/>', true],
    ];
    for (const [why, v, now] of changed) {
      expect([why, pidCaptureOk(v)]).toEqual([why, now]);
      expect([why, oldCaptureOk(v)]).toEqual([why, !now]);
    }
  });

  it('agrees with the old pattern on any well-formed markup of these elements and attributes', () => {
    const name = fc.constantFrom('errCode', 'errInfo', 'fType', 'qScore', 'a');
    // No "<" in a value: that is not well-formed XML.
    const value = fc.constantFrom('0', '720', '', 'x y', '0 ', 'errCode', '=', 'Resp', '/');
    const attr = fc.tuple(xmlSpace, name, value, quote).map(([sp, n, v, q]) => `${sp}${n}=${q}${v}${q}`);
    const element = fc
      .tuple(
        fc.constantFrom('Resp', 'Data', 'PidData', 'Param', 'Response', 'Skey'),
        fc.array(attr, { maxLength: 4 }),
        fc.option(xmlSpace, { nil: '' }),
        fc.constantFrom('/>', '>'),
        fc.stringMatching(/^[A-Za-z0-9+/= \n]{0,6}$/),
      )
      .map(
        ([el, attrs, sp, close, text]) =>
          `<${el}${attrs.join('')}${sp}${close}${text}${close === '>' ? `</${el}>` : ''}`,
      );
    fc.assert(
      fc.property(fc.array(element, { maxLength: 6 }), (elements) => {
        const v = elements.join('');
        expect(pidCaptureOk(v)).toBe(oldCaptureOk(v));
      }),
      { numRuns: 5000, seed: SEED },
    );
  });
});

describe("the RD service simulator's captures", () => {
  let sim: RdServiceSimulator;
  beforeAll(async () => {
    sim = await RdServiceSimulator.start({ host: '127.0.0.1' });
  });
  afterAll(async () => {
    await sim?.stop();
  });

  const PID_OPTIONS =
    '<PidOptions ver="1.0"><Opts fCount="1" fType="2" iCount="0" pCount="0" format="0" pidVer="2.0" timeout="10000" ' +
    'posh="UNKNOWN" env="P" wadh="E0jzJ/P8UopUHAieZn8CKqS4WPMi5ZSYXgfnlfkWjrc="/></PidOptions>';

  it.each(RD_MODES)('are judged as before in mode %s', async (mode) => {
    sim.setMode(mode);
    const res = await fetch(`${sim.url}${RD_CAPTURE_PATH}`, {
      method: 'CAPTURE',
      body: PID_OPTIONS,
      headers: { 'content-type': 'text/xml' },
    });
    const xml = await res.text();
    expect(pidDataShaped(xml)).toBe(oldShaped(xml));
    expect(pidCaptureOk(xml)).toBe(oldCaptureOk(xml));
    const ok = mode === 'good' || mode === 'poor';
    expect(pidCaptureOk(xml)).toBe(ok);
    const parsed = pidDataSchema.safeParse(xml);
    expect(parsed.success ? null : parsed.error.issues[0].message).toBe(ok ? null : RULES.pidData);
  });
});
