// A UIDAI RD-service simulator for a single-finger L1 scanner, on loopback. It answers RDSERVICE (discovery),
// DEVICEINFO and CAPTURE with the XML shapes real RD services return, validates PidOptions with the spec's error
// codes, and fills Skey/Hmac/Data with random bytes: the PidData is realistic in shape and entirely synthetic.
import { randomBytes, randomUUID } from 'node:crypto';
import type { Server } from 'node:net';
import { listenRd, type RdRequest, type RdResponse } from './rd-http.js';

/** Desktop RD services listen on the first free port of this range (API.md §9.3). */
export const RD_PORT_RANGE = { first: 11100, last: 11120 } as const;
export const RD_CAPTURE_PATH = '/rd/capture';
export const RD_INFO_PATH = '/rd/info';

/** `good`: qScore 78. `poor`: qScore 20, under Eko's block threshold of 25. `deviceError`: CAPTURE fails with
 * 720. `notReady`: discovery says NOTREADY and CAPTURE fails with 720, as with an unplugged scanner. */
export type RdMode = 'good' | 'poor' | 'deviceError' | 'notReady';
export const RD_MODES: readonly RdMode[] = ['good', 'poor', 'deviceError', 'notReady'];

export interface RdSimOptions {
  /** A fixed port; by default the first free one in 11100-11120. */
  port?: number;
  host?: '127.0.0.1';
  mode?: RdMode;
}

/** The PidOptions `Opts` attributes a capture asked for (no biometric data, safe to keep for tests). */
export type PidOpts = Record<string, string>;

/** RD service error codes (UIDAI RD service specification), with the texts devices put in errInfo. */
export const RD_ERRORS = {
  invalidPidOptions: { code: 100, info: 'Invalid PidOptions input. XML should strictly adhere to spec.' },
  invalidFType: { code: 110, info: 'Invalid value for fType' },
  invalidFCount: { code: 120, info: 'Invalid value for fCount' },
  invalidPidVer: { code: 150, info: 'Invalid value for pidVer' },
  invalidTimeout: { code: 160, info: 'Invalid value for timeout' },
  invalidPosh: { code: 170, info: 'Invalid value for posh' },
  noFace: { code: 180, info: 'Face matching is not supported' },
  invalidFormat: { code: 190, info: 'Invalid value for format' },
  protobufUnsupported: { code: 210, info: 'Protobuf format not supported' },
  deviceNotReady: { code: 720, info: 'Device not ready' },
  noIris: { code: 760, info: 'RD Service does not support Iris' },
} as const;
type RdError = (typeof RD_ERRORS)[keyof typeof RD_ERRORS];

const QUALITY: Record<'good' | 'poor', { qScore: number; nmPoints: number }> = {
  good: { qScore: 78, nmPoints: 38 },
  poor: { qScore: 20, nmPoints: 14 },
};

const FINGER_POSH = /^(LEFT|RIGHT)_(INDEX|LITTLE|MIDDLE|RING|THUMB)$/;
const CUSTOM_METHODS = 'RDSERVICE, DEVICEINFO, CAPTURE';

function xmlAttr(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function attrs(record: Record<string, string | number>): string {
  return Object.entries(record)
    .map(([k, v]) => `${k}="${xmlAttr(String(v))}"`)
    .join(' ');
}

/** The attributes of the `<Opts>` element, or null when the body is not a PidOptions document. */
export function parsePidOptions(xml: string): PidOpts | null {
  if (!/<PidOptions[\s>]/.test(xml)) return null;
  const opts = /<Opts\b([^>]*?)\/?>/.exec(xml);
  if (!opts) return null;
  const out: PidOpts = {};
  for (const m of opts[1].matchAll(/([A-Za-z][\w-]*)\s*=\s*(?:"([^"]*)"|'([^']*)')/g)) out[m[1]] = m[2] ?? m[3];
  return out;
}

/** The first spec violation in the options, or null. The simulated device is one fingerprint sensor. */
export function checkPidOptions(o: PidOpts): RdError | null {
  const int = (v: string | undefined, dflt: number) =>
    v === undefined || v === '' ? dflt : /^\d{1,5}$/.test(v) ? Number(v) : NaN;
  const fType = int(o.fType, 0);
  const fCount = int(o.fCount, 0);
  if (Number.isNaN(fType) || fType > 2) return RD_ERRORS.invalidFType;
  if (Number.isNaN(fCount) || fCount < 1 || fCount > 10) return RD_ERRORS.invalidFCount;
  if (int(o.iCount, 0) !== 0) return RD_ERRORS.noIris;
  if (int(o.pCount, 0) !== 0) return RD_ERRORS.noFace;
  if (o.pidVer !== '2.0') return RD_ERRORS.invalidPidVer;
  const format = o.format ?? '0';
  if (format === '1') return RD_ERRORS.protobufUnsupported;
  if (format !== '0') return RD_ERRORS.invalidFormat;
  const timeout = int(o.timeout, 10_000);
  if (Number.isNaN(timeout) || timeout === 0) return RD_ERRORS.invalidTimeout;
  const posh = o.posh ?? 'UNKNOWN';
  if (posh !== '' && posh !== 'UNKNOWN') {
    const fingers = posh.split(',');
    if (fingers.length !== fCount || !fingers.every((f) => FINGER_POSH.test(f)) || new Set(fingers).size !== fCount) {
      return RD_ERRORS.invalidPosh;
    }
  }
  if (o.env !== undefined && !['', 'P', 'PP', 'S'].includes(o.env)) return RD_ERRORS.invalidPidOptions;
  // wadh is Base64(SHA-256(…)): 32 bytes, 44 Base64 characters.
  if (o.wadh && !(/^[A-Za-z0-9+/]{43}=$/.test(o.wadh) && Buffer.from(o.wadh, 'base64').length === 32)) {
    return RD_ERRORS.invalidPidOptions;
  }
  return null;
}

export class RdServiceSimulator {
  readonly url: string;
  /** The `Opts` of every CAPTURE request, in order. */
  readonly captures: PidOpts[] = [];
  private readonly serialNo = String(1_000_000 + (randomBytes(3).readUIntBE(0, 3) % 9_000_000));
  private readonly deviceCode = randomUUID();
  private readonly deviceCert = randomBytes(640).toString('base64');

  private constructor(
    private readonly server: Server,
    readonly host: string,
    readonly port: number,
    private mode: RdMode,
  ) {
    this.url = `http://${host}:${port}`;
  }

  static async start(options: RdSimOptions = {}): Promise<RdServiceSimulator> {
    const host = options.host ?? '127.0.0.1';
    const mode = options.mode ?? 'good';
    if (!RD_MODES.includes(mode)) throw new Error(`unknown RD simulator mode "${mode}"`);
    const candidates =
      options.port !== undefined
        ? [options.port]
        : Array.from({ length: RD_PORT_RANGE.last - RD_PORT_RANGE.first + 1 }, (_, i) => RD_PORT_RANGE.first + i);
    let sim: RdServiceSimulator | undefined;
    const handler = (req: RdRequest) => sim!.handle(req);
    for (const port of candidates) {
      try {
        const server = await listenRd(host, port, handler);
        const bound = server.address();
        sim = new RdServiceSimulator(server, host, bound && typeof bound === 'object' ? bound.port : port, mode);
        return sim;
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (options.port !== undefined || (code !== 'EADDRINUSE' && code !== 'EACCES')) throw err;
      }
    }
    throw new Error(`no free port for the RD service simulator in ${RD_PORT_RANGE.first}-${RD_PORT_RANGE.last}`);
  }

  get currentMode(): RdMode {
    return this.mode;
  }

  setMode(mode: RdMode): void {
    if (!RD_MODES.includes(mode)) throw new Error(`unknown RD simulator mode "${mode}"`);
    this.mode = mode;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private handle(req: RdRequest): RdResponse {
    const cors: Record<string, string> = { 'Access-Control-Allow-Origin': '*' };
    if (req.method === 'OPTIONS') {
      // Preflight for the custom methods and the text/xml body. Chromium's Private Network Access asks whether
      // a public page may reach this loopback service; real RD services answer yes.
      const headers: Record<string, string> = {
        ...cors,
        'Access-Control-Allow-Methods': `${CUSTOM_METHODS}, GET, POST, OPTIONS`,
        'Access-Control-Allow-Headers': req.headers['access-control-request-headers'] || 'Content-Type',
        'Access-Control-Max-Age': '600',
      };
      if (req.headers['access-control-request-private-network'] === 'true') {
        headers['Access-Control-Allow-Private-Network'] = 'true';
      }
      return { status: 204, headers };
    }
    const xml = (body: string): RdResponse => ({
      status: 200,
      headers: { ...cors, 'Content-Type': 'text/xml; charset=utf-8' },
      body,
    });
    const route: Record<string, [string, () => string]> = {
      '/': ['RDSERVICE', () => this.rdService()],
      [RD_INFO_PATH]: ['DEVICEINFO', () => this.deviceInfo()],
      [RD_CAPTURE_PATH]: ['CAPTURE', () => this.capture(req.body)],
    };
    const entry = route[req.path];
    if (!entry) return { status: 404, headers: cors };
    if (req.method !== entry[0]) return { status: 405, headers: { ...cors, Allow: `${entry[0]}, OPTIONS` } };
    return xml(entry[1]());
  }

  private rdService(): string {
    const status = this.mode === 'notReady' ? 'NOTREADY' : 'READY';
    return (
      `<RDService status="${status}" info="Fingpay eKYC RD service simulator (synthetic data)">` +
      `<Interface id="CAPTURE" path="${RD_CAPTURE_PATH}"/>` +
      `<Interface id="DEVICEINFO" path="${RD_INFO_PATH}"/>` +
      `</RDService>`
    );
  }

  private deviceInfoElement(): string {
    if (this.mode === 'notReady') return '<DeviceInfo dpId="" rdsId="" rdsVer="" dc="" mi="" mc=""/>';
    const device = attrs({
      dpId: 'EKYC.SIM',
      rdsId: 'EKYC.SIM.RD.001',
      rdsVer: '1.0.0',
      dc: this.deviceCode,
      mi: 'SIMFP100',
      mc: this.deviceCert,
    });
    const params = [
      ['srno', this.serialNo],
      ['sysid', 'SIMULATOR'],
      ['ts', new Date().toISOString()],
    ]
      .map(([name, value]) => `<Param ${attrs({ name, value })}/>`)
      .join('');
    return `<DeviceInfo ${device}><additional_info>${params}</additional_info></DeviceInfo>`;
  }

  private deviceInfo(): string {
    return `<?xml version="1.0"?>${this.deviceInfoElement()}`;
  }

  private capture(body: string): string {
    const opts = parsePidOptions(body);
    if (opts) this.captures.push(opts);
    const failure = (e: RdError) =>
      `<?xml version="1.0"?><PidData><Resp ${attrs({ errCode: e.code, errInfo: e.info, fCount: 0, fType: 0, nmPoints: 0, qScore: 0 })}/>${this.deviceInfoElement()}</PidData>`;
    if (!opts) return failure(RD_ERRORS.invalidPidOptions);
    const invalid = checkPidOptions(opts);
    if (invalid) return failure(invalid);
    if (this.mode === 'deviceError' || this.mode === 'notReady') return failure(RD_ERRORS.deviceNotReady);

    const { qScore, nmPoints } = QUALITY[this.mode];
    const fCount = Number(opts.fCount);
    const fType = Number(opts.fType || '0');
    // Sizes as real devices produce: RSA-2048 session key, AES-GCM(SHA-256) HMAC, a few KB of encrypted Pid.
    const resp = attrs({ errCode: 0, errInfo: 'Success', fCount, fType, nmPoints, qScore });
    return (
      `<?xml version="1.0"?><PidData>` +
      `<Resp ${resp}/>` +
      this.deviceInfoElement() +
      `<Skey ci="20291231">${randomBytes(256).toString('base64')}</Skey>` +
      `<Hmac>${randomBytes(48).toString('base64')}</Hmac>` +
      `<Data type="X">${randomBytes(1800 * fCount).toString('base64')}</Data>` +
      `</PidData>`
    );
  }
}
