// The UIDAI RD-service protocol as a browser speaks it: RDSERVICE discovery on the loopback port range, DEVICEINFO,
// and CAPTURE with Eko's PidOptions: the eKYC's wadh for the eKYC, the deployment's EKO_DAILY_WADH (GET
// /page-config.json; empty by default) for Daily KYC. The PidData is handed on untouched (Eko wants the XML as the
// device made it).

export const RD_HOST = '127.0.0.1';
export const RD_PORTS = Array.from({ length: 21 }, (_, i) => 11100 + i);

/** Eko's eKYC wadh (API.md §9.3): Base64(SHA-256("2.5" "F" "Y" "N" "N" "N")). */
export const EKYC_WADH = 'E0jzJ/P8UopUHAieZn8CKqS4WPMi5ZSYXgfnlfkWjrc=';
export const CAPTURE_TIMEOUT_MS = 10000;

/** A wadh is Base64(SHA-256(…)): 44 characters; anything else (a misconfiguration) is left out of the request. */
const WADH = /^[A-Za-z0-9+/]{43}=$/;

/**
 * fType 2 (FMR+FIR), XML format, PID 2.0, production env even in UAT, as Eko asks (API.md §9.3), with `wadh`
 * (none when empty: an authentication without eKYC, as Daily KYC is by default).
 */
export function pidOptions(wadh) {
  return (
    '<PidOptions ver="1.0">' +
    `<Opts fCount="1" fType="2" iCount="0" pCount="0" format="0" pidVer="2.0" timeout="${CAPTURE_TIMEOUT_MS}"` +
    ` posh="UNKNOWN" env="P"${WADH.test(wadh ?? '') ? ` wadh="${wadh}"` : ''}/>` +
    '</PidOptions>'
  );
}

export const EKYC_PID_OPTIONS = pidOptions(EKYC_WADH);

/** Eko's quality rule (API.md §9.3): capture again under 45, never submit under 25. */
export const QUALITY = Object.freeze({ retryBelow: 45, blockBelow: 25 });

/** 'good' (submit), 'low' (capture again is advised) or 'blocked' (capture again is required). */
export function qualityBand(qScore) {
  if (!Number.isFinite(qScore) || qScore < QUALITY.blockBelow) return 'blocked';
  return qScore < QUALITY.retryBelow ? 'low' : 'good';
}

function parseXml(text) {
  const doc = new DOMParser().parseFromString(text, 'text/xml');
  return doc.querySelector('parsererror') ? null : doc;
}

async function rdFetch(url, method, { body, timeoutMs }) {
  const res = await fetch(url, {
    method,
    body,
    headers: body ? { 'Content-Type': 'text/xml' } : undefined,
    signal: AbortSignal.timeout(timeoutMs),
    cache: 'no-store',
  });
  if (!res.ok) throw new Error(`RD service answered HTTP ${res.status}`);
  return res.text();
}

/** Ask one port whether an RD service listens there. Resolves to the service or null. */
async function probe(port, timeoutMs) {
  const base = `http://${RD_HOST}:${port}`;
  try {
    const doc = parseXml(await rdFetch(`${base}/`, 'RDSERVICE', { timeoutMs }));
    const service = doc?.querySelector('RDService');
    if (!service) return null;
    const path = (id) => {
      const el = [...service.querySelectorAll('Interface')].find((i) => i.getAttribute('id') === id);
      return el ? new URL(el.getAttribute('path') || '/', base).href : null;
    };
    return {
      port,
      status: (service.getAttribute('status') || '').toUpperCase(),
      info: service.getAttribute('info') || '',
      captureUrl: path('CAPTURE') ?? `${base}/rd/capture`,
      infoUrl: path('DEVICEINFO') ?? `${base}/rd/info`,
    };
  } catch {
    return null; // closed port, not an RD service, or blocked: try the others
  }
}

/** Every port at once; the lowest READY service wins, else the lowest one found (to say it is not ready). */
export async function discover({ ports = RD_PORTS, timeoutMs = 3000 } = {}) {
  const found = (await Promise.all(ports.map((p) => probe(p, timeoutMs)))).filter(Boolean);
  return found.find((s) => s.status === 'READY') ?? found[0] ?? null;
}

/** The scanner's identity from DEVICEINFO: model, provider, RD service and serial number. */
export async function deviceInfo(service, { timeoutMs = 5000 } = {}) {
  const doc = parseXml(await rdFetch(service.infoUrl, 'DEVICEINFO', { timeoutMs }));
  const info = doc?.querySelector('DeviceInfo');
  if (!info) return null;
  const param = (name) =>
    [...info.querySelectorAll('Param')].find((p) => p.getAttribute('name') === name)?.getAttribute('value') || '';
  return {
    model: info.getAttribute('mi') || '',
    provider: info.getAttribute('dpId') || '',
    rdsId: info.getAttribute('rdsId') || '',
    rdsVer: info.getAttribute('rdsVer') || '',
    serial: param('srno'),
  };
}

/** The `Resp` of a PidData document: errCode (number), errInfo, qScore, nmPoints. */
export function readResp(pidData) {
  const resp = parseXml(pidData)?.querySelector('PidData > Resp');
  if (!resp) return { errCode: -1, errInfo: 'The scanner returned something that is not PidData', qScore: NaN };
  const num = (name) => Number(resp.getAttribute(name) ?? NaN);
  return {
    errCode: num('errCode'),
    errInfo: resp.getAttribute('errInfo') || '',
    qScore: num('qScore'),
    nmPoints: num('nmPoints'),
  };
}

/**
 * One CAPTURE with `wadh` (the eKYC's unless given). The agent has `CAPTURE_TIMEOUT_MS` to place a finger; the
 * request gets that plus a margin.
 */
export async function capture(service, { wadh = EKYC_WADH } = {}) {
  const pidData = await rdFetch(service.captureUrl, 'CAPTURE', {
    body: pidOptions(wadh),
    timeoutMs: CAPTURE_TIMEOUT_MS + 15000,
  });
  return { pidData, ...readResp(pidData) };
}
