// Synthetic test data for the Eko client and simulator: Verhoeff-valid Aadhaar numbers, mobiles, user codes
// and PidData of the RD-service shape. Nothing here is a real person's data.
import { randomInt } from 'node:crypto';
import { verhoeffCheckDigit } from '../../common/verhoeff.js';
import type { EkycInput, EkycPolicy } from '../../common/domain.js';
import type { EkoConfig } from '../../config/index.js';
import { parseAadhaarPublicKey } from '../../activities/eko/aadhaar-crypto.js';
import { EkoSimulator, type EkoSimulatorOptions } from '../../sim/eko-sim.js';

export const CREDENTIALS = {
  developerKey: 'test-developer-key',
  accessKey: 'test-access-key',
  initiatorId: '9000000001',
} as const;

export function syntheticAadhaar(): string {
  const body = String(randomInt(2, 10)) + String(randomInt(0, 10_000_000_000)).padStart(10, '0');
  return body + String(verhoeffCheckDigit(body));
}

/** A 12-digit number whose check digit is wrong. */
export function badChecksumAadhaar(): string {
  const good = syntheticAadhaar();
  return good.slice(0, 11) + String((Number(good[11]) + 1) % 10);
}

export function syntheticMobile(): string {
  return String(randomInt(6, 10)) + String(randomInt(0, 1_000_000_000)).padStart(9, '0');
}

let nextUserCode = randomInt(10_000_000, 90_000_000);
export function syntheticUserCode(): string {
  return String(nextUserCode++);
}

let nextRef = 0;
/** Unique per call in a test run, at most 20 characters. */
export function clientRefId(prefix = 't'): string {
  return `${prefix}${Date.now().toString(36)}${(nextRef++).toString(36)}`.slice(0, 20);
}

export interface PidOptions {
  fType?: string;
  dataType?: string;
  mc?: string | null;
  qScore?: number;
  errCode?: string;
}

export function pidData(o: PidOptions = {}): string {
  const mc = o.mc === null ? '' : ` mc="${o.mc ?? 'TUlJQ0NFUlRJRklDQVRF'}"`;
  return (
    `<?xml version="1.0"?><PidData>` +
    `<Resp errCode="${o.errCode ?? '0'}" errInfo="Success" fCount="1" fType="${o.fType ?? '2'}" nmPoints="38" qScore="${o.qScore ?? 78}"/>` +
    `<DeviceInfo dpId="EKYC.SIM" rdsId="EKYC.SIM.RD.001" rdsVer="1.0.0" dc="dc-1" mi="SIMFP100"${mc}/>` +
    `<Skey ci="20291231">c2tleQ==</Skey><Hmac>aG1hYw==</Hmac>` +
    `<Data type="${o.dataType ?? 'X'}">ZGF0YQ==</Data></PidData>`
  );
}

export interface Agent {
  userCode: string;
  aadhaar: string;
  customerId: string;
}

export function newAgent(sim?: EkoSimulator, flags: { onboarded?: boolean; activated?: boolean } = {}): Agent {
  const agent = { userCode: syntheticUserCode(), aadhaar: syntheticAadhaar(), customerId: syntheticMobile() };
  sim?.addAgent({ userCode: agent.userCode, aadhaar: agent.aadhaar, mobile: agent.customerId, ...flags });
  return agent;
}

export function startSim(options: Partial<EkoSimulatorOptions> = {}): Promise<EkoSimulator> {
  return EkoSimulator.start({ ...CREDENTIALS, ...options });
}

export function ekoConfigFor(sim: EkoSimulator, overrides: Partial<EkoConfig> = {}): EkoConfig {
  return {
    baseUrl: sim.baseUrl,
    ...CREDENTIALS,
    aadhaarPublicKey: parseAadhaarPublicKey(sim.publicKeySpkiBase64),
    contract: sim.contract,
    timeoutMs: 5_000,
    ...overrides,
  };
}

export const LATLONG = '28.6139,77.2090';

/** The start input of an agent's session (New Delhi, HDFC), with a policy when given. */
export function ekycInput(agent: Agent, policy?: Partial<EkycPolicy>): EkycInput {
  return {
    userCode: agent.userCode,
    customerId: agent.customerId,
    aadhaar: agent.aadhaar,
    latlong: LATLONG,
    bankCode: 'HDFC',
    ...(policy ? { policy } : {}),
  };
}
