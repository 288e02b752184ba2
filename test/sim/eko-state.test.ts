// The Eko simulator of `ekyc dev` keeps its agents in the data folder: a restarted simulator resumes an exchange
// half-way (the OTP sent before the restart verifies after it), and the file holds no Aadhaar, mobile or OTP in
// plain text.
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { EkoClient } from '../../activities/eko/client.js';
import { parseAadhaarPublicKey } from '../../activities/eko/aadhaar-crypto.js';
import { EKO_SIM_DEV_CREDENTIALS } from '../../config/index.js';
import { SIM_STATE_FILE, SIM_STATE_KEY_FILE } from '../../sim/eko-state.js';
import { startSimulators, type RunningSimulators } from '../../sim/main.js';
import { LATLONG, clientRefId, newAgent, pidData } from './eko-fixtures.js';

const dirs: string[] = [];
function dataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ekyc-sim-state-'));
  dirs.push(dir);
  return dir;
}
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function clientFor(sims: RunningSimulators): EkoClient {
  return new EkoClient({
    baseUrl: sims.info.eko.baseUrl,
    ...EKO_SIM_DEV_CREDENTIALS,
    aadhaarPublicKey: parseAadhaarPublicKey(sims.info.eko.publicKey),
    contract: 'v3',
    timeoutMs: 5_000,
  });
}

describe('Eko simulator state in the data folder', () => {
  let sims: RunningSimulators | undefined;
  afterEach(async () => {
    await sims?.stop();
    sims = undefined;
  });

  it('resumes after a restart: the OTP sent before it verifies after it, and the eKYC completes', async () => {
    const dir = dataDir();
    sims = await startSimulators({ EKO_SIM_PORT: '0' }, undefined, { stateDir: dir });
    const a = newAgent();
    const base = { ...a, latlong: LATLONG };
    const sent = await clientFor(sims).sendOtp({ ...base, clientRefId: clientRefId() });
    const otp = sims.eko.currentOtp(a.userCode)!;
    expect(otp).toMatch(/^\d{6}$/);
    await sims.stop();

    sims = await startSimulators({ EKO_SIM_PORT: '0' }, undefined, { stateDir: dir });
    expect(sims.eko.currentOtp(a.userCode)).toBe(otp);
    expect(sims.eko.agentState(a.userCode)).toMatchObject({ otpPending: true, onboarded: true, activated: true });
    const client = clientFor(sims);
    const verified = await client.verifyOtp({ ...base, ...sent, otp, clientRefId: clientRefId() });
    await sims.stop();

    // Again between Verify OTP and the biometric: the verified pair is remembered too.
    sims = await startSimulators({ EKO_SIM_PORT: '0' }, undefined, { stateDir: dir });
    const done = await clientFor(sims).submitBiometric({
      ...base,
      ...verified,
      bankCode: 'HDFC',
      pidData: pidData(),
      clientRefId: clientRefId(),
    });
    expect(done).toEqual({ userCode: a.userCode });
    expect(sims.eko.agentState(a.userCode)?.ekycCompletedAt).not.toBeNull();
  });

  it('keeps no Aadhaar, mobile or OTP in plain text, and its files are the owner’s only', async () => {
    const dir = dataDir();
    sims = await startSimulators({ EKO_SIM_PORT: '0' }, undefined, { stateDir: dir });
    const a = newAgent();
    await clientFor(sims).sendOtp({ ...a, latlong: LATLONG, clientRefId: clientRefId() });
    const otp = sims.eko.currentOtp(a.userCode)!;
    await sims.stop();
    sims = undefined;
    expect(readdirSync(dir).sort()).toEqual([SIM_STATE_KEY_FILE, SIM_STATE_FILE].sort());
    for (const file of readdirSync(dir)) {
      const text = readFileSync(join(dir, file), 'utf8');
      const base64 = Buffer.from(text, 'base64').toString('latin1');
      const found = { aadhaar: a.aadhaar, mobile: a.customerId, otp: `"${otp}"` };
      for (const [name, value] of Object.entries(found)) {
        expect({ file, name, plain: text.includes(value) || base64.includes(value) }).toEqual({
          file,
          name,
          plain: false,
        });
      }
      expect({ file, mode: statSync(join(dir, file)).mode & 0o777 }).toEqual({ file, mode: 0o600 });
    }
    // Both are made the owner's only again when a start finds them wider.
    for (const file of readdirSync(dir)) chmodSync(join(dir, file), 0o644);
    sims = await startSimulators({ EKO_SIM_PORT: '0' }, undefined, { stateDir: dir });
    await sims.stop();
    sims = undefined;
    for (const file of readdirSync(dir)) {
      expect({ file, mode: statSync(join(dir, file)).mode & 0o777 }).toEqual({ file, mode: 0o600 });
    }
    // The state is of no use without its key: a different key refuses it with a line naming the files.
    writeFileSync(join(dir, SIM_STATE_KEY_FILE), Buffer.alloc(32, 7).toString('base64'));
    await expect(startSimulators({ EKO_SIM_PORT: '0' }, undefined, { stateDir: dir })).rejects.toThrow(
      /cannot be decrypted with eko-sim-key/,
    );
  });

  it('keeps agents in memory only without a data folder (ekyc sim)', async () => {
    sims = await startSimulators({ EKO_SIM_PORT: '0' });
    const a = newAgent();
    await clientFor(sims).sendOtp({ ...a, latlong: LATLONG, clientRefId: clientRefId() });
    await sims.stop();
    sims = await startSimulators({ EKO_SIM_PORT: '0' });
    expect(sims.eko.agentState(a.userCode)).toBeUndefined();
  });
});
