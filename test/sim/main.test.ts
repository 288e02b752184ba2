import { afterEach, describe, expect, it } from 'vitest';
import { EkoClient, type EkoError } from '../../activities/eko/client.js';
import { parseAadhaarPublicKey } from '../../activities/eko/aadhaar-crypto.js';
import { EKO_SIM_DEV_CREDENTIALS } from '../../config/index.js';
import { startSimulators, type RunningSimulators } from '../../sim/main.js';
import { LATLONG, clientRefId, newAgent, pidData } from './eko-fixtures.js';

describe('ekyc sim', () => {
  let sims: RunningSimulators | undefined;
  afterEach(async () => {
    await sims?.stop();
    sims = undefined;
  });

  it('starts the Eko simulator on EKO_SIM_PORT with the dev credentials, and says where and which key', async () => {
    sims = await startSimulators({ EKO_SIM_PORT: '0' });
    expect(sims.info.eko.baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/ekoapi\/v3$/);
    expect(parseAadhaarPublicKey(sims.info.eko.publicKey).asymmetricKeyType).toBe('rsa');
    expect(sims.info.eko.contract).toBe('v3');
  });

  it('registers any well-formed agent on its first Send OTP (autoRegister), so the dev stack needs no setup', async () => {
    sims = await startSimulators({ EKO_SIM_PORT: '0' });
    const client = new EkoClient({
      baseUrl: sims.info.eko.baseUrl,
      ...EKO_SIM_DEV_CREDENTIALS,
      aadhaarPublicKey: parseAadhaarPublicKey(sims.info.eko.publicKey),
      contract: 'v3',
      timeoutMs: 5_000,
    });
    const a = newAgent();
    const sent = await client.sendOtp({ ...a, latlong: LATLONG, clientRefId: clientRefId() });
    expect(sent.otpRefId).toBeDefined();
    expect(sims.eko.currentOtp(a.userCode)).toMatch(/^\d{6}$/);
  });

  it('takes the credentials and contract from the environment', async () => {
    sims = await startSimulators({
      EKO_SIM_PORT: '0',
      EKO_DEVELOPER_KEY: 'k',
      EKO_ACCESS_KEY: 'a',
      EKO_INITIATOR_ID: '9123456789',
      EKO_API_CONTRACT: 'eps-2026-06',
    });
    expect(sims.eko.contract).toBe('eps-2026-06');
    const config = {
      baseUrl: sims.info.eko.baseUrl,
      aadhaarPublicKey: parseAadhaarPublicKey(sims.info.eko.publicKey),
      contract: 'eps-2026-06' as const,
      timeoutMs: 5_000,
    };
    const input = { ...newAgent(), latlong: LATLONG, clientRefId: clientRefId() };
    const devKeys = new EkoClient({ ...config, ...EKO_SIM_DEV_CREDENTIALS });
    await expect(devKeys.sendOtp(input)).rejects.toMatchObject({ failure: { type: 'EkoAuthRejected' } });
    const envKeys = new EkoClient({ ...config, developerKey: 'k', accessKey: 'a', initiatorId: '9123456789' });
    await expect(envKeys.sendOtp(input)).resolves.toMatchObject({ otpRefId: expect.any(String), referenceTid: null });
  });

  it('opens Daily KYC after EKYC_DAILY_AUTH_ELIGIBLE_AFTER (3 days unless set; 0s: at once)', async () => {
    for (const [env, expected] of [
      [{}, 'EkoDailyKycFailed'],
      [{ EKYC_DAILY_AUTH_ELIGIBLE_AFTER: '0s' }, 'ok'],
    ] as const) {
      sims = await startSimulators({ EKO_SIM_PORT: '0', ...env });
      const a = newAgent(sims.eko);
      sims.eko.updateAgent(a.userCode, { ekycCompletedAt: new Date(sims.eko.now() - 1000).toISOString() });
      const client = new EkoClient({
        baseUrl: sims.info.eko.baseUrl,
        ...EKO_SIM_DEV_CREDENTIALS,
        aadhaarPublicKey: parseAadhaarPublicKey(sims.info.eko.publicKey),
        contract: 'v3',
        timeoutMs: 5_000,
      });
      const result = await client
        .submitDailyKyc({ ...a, latlong: LATLONG, bankCode: 'HDFC', pidData: pidData(), clientRefId: clientRefId() })
        .then(
          () => 'ok',
          (err: EkoError) => err.failure.type,
        );
      expect(result).toBe(expected);
      await sims.stop();
      sims = undefined;
    }
  });

  it('stops with a clear message on a malformed EKO_SIM_PORT', async () => {
    await expect(startSimulators({ EKO_SIM_PORT: 'eighty' })).rejects.toThrow(/EKO_SIM_PORT: must be an integer/);
  });
});
