// What the Eko simulator checks of a PidData (API.md §4.1, §9.3): fType 2, Data type X, `mc` in DeviceInfo, and a
// capture quality Eko would not block (qScore >= 25). It never looks inside Data: the biometric stays opaque.

export type PidCheck = { ok: true } | { ok: false; kind: 'shape' | 'quality'; problem: string };

/** Below this qScore Eko's RDService guide says to block the capture. */
export const MIN_QSCORE = 25;

function element(xml: string, name: string): string | undefined {
  return new RegExp(`<${name}\\b([^>]*)>`).exec(xml)?.[1];
}

function attribute(attrs: string | undefined, name: string): string | undefined {
  if (attrs === undefined) return undefined;
  return new RegExp(`\\b${name}\\s*=\\s*(?:"([^"]*)"|'([^']*)')`)
    .exec(attrs)
    ?.slice(1)
    .find((v) => v !== undefined);
}

export function checkPidData(xml: string): PidCheck {
  if (!/<PidData[\s>]/.test(xml) || !/<\/PidData>\s*$/.test(xml.trim())) {
    return { ok: false, kind: 'shape', problem: 'not a PidData document' };
  }
  const resp = element(xml, 'Resp');
  const errCode = attribute(resp, 'errCode');
  if (errCode !== undefined && errCode !== '0') return { ok: false, kind: 'shape', problem: 'capture failed' };
  if (attribute(resp, 'fType') !== '2') return { ok: false, kind: 'shape', problem: 'fType must be 2' };
  if (attribute(element(xml, 'Data'), 'type') !== 'X')
    return { ok: false, kind: 'shape', problem: 'Data type must be X' };
  if (!attribute(element(xml, 'DeviceInfo'), 'mc'))
    return { ok: false, kind: 'shape', problem: 'DeviceInfo mc is missing' };
  const qScore = Number(attribute(resp, 'qScore'));
  if (Number.isFinite(qScore) && qScore < MIN_QSCORE) return { ok: false, kind: 'quality', problem: 'qScore too low' };
  return { ok: true };
}
