// The worker's Eko settings: EKO_BASE_URL is required and https, except under `ekyc dev` or with the explicit
// EKO_ALLOW_INSECURE_HTTP=true opt-out for local tests against the simulator.
import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadEkoConfig, type Env } from '../../config/index.js';

const publicKey = generateKeyPairSync('rsa', { modulusLength: 2048 })
  .publicKey.export({ type: 'spki', format: 'der' })
  .toString('base64');
const env = (extra: Env = {}): Env => ({
  EKO_DEVELOPER_KEY: 'test-developer-key',
  EKO_ACCESS_KEY: 'test-access-key',
  EKO_INITIATOR_ID: '9000000001',
  EKO_AADHAAR_PUBLIC_KEY: publicKey,
  ...extra,
});

function errorOf(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('no ConfigError');
}

describe('EKO_BASE_URL', () => {
  it('is required: an unset one no longer means Eko staging', () => {
    expect(errorOf(() => loadEkoConfig(env())).message).toBe('EKO_BASE_URL: is required');
    expect(errorOf(() => loadEkoConfig(env({ EKO_BASE_URL: '' }))).message).toBe('EKO_BASE_URL: is required');
  });

  it('takes an https URL, version segment included, without its trailing slash', () => {
    expect(loadEkoConfig(env({ EKO_BASE_URL: 'https://staging.eko.in/ekoapi/v3/' })).baseUrl).toBe(
      'https://staging.eko.in/ekoapi/v3',
    );
    expect(loadEkoConfig(env({ EKO_BASE_URL: 'https://api.eko.in:25002/ekoicici/v3' })).baseUrl).toBe(
      'https://api.eko.in:25002/ekoicici/v3',
    );
  });

  it('refuses http:// (and other schemes), naming the opt-out', () => {
    for (const url of ['http://staging.eko.in/ekoapi/v3', 'http://127.0.0.1:8090/ekoapi/v3', 'ftp://eko.in/v3']) {
      const err = errorOf(() => loadEkoConfig(env({ EKO_BASE_URL: url })));
      expect(err.variable).toBe('EKO_BASE_URL');
      expect(err.message).toMatch(/must be an https:\/\/ URL.*EKO_ALLOW_INSECURE_HTTP=true/);
    }
  });

  it('takes http:// with EKO_ALLOW_INSECURE_HTTP=true, for local tests against the simulator', () => {
    const sim = 'http://127.0.0.1:8090/ekoapi/v3';
    expect(loadEkoConfig(env({ EKO_BASE_URL: sim, EKO_ALLOW_INSECURE_HTTP: 'true' })).baseUrl).toBe(sim);
    expect(() => loadEkoConfig(env({ EKO_BASE_URL: sim, EKO_ALLOW_INSECURE_HTTP: 'false' }))).toThrow(ConfigError);
    expect(errorOf(() => loadEkoConfig(env({ EKO_BASE_URL: sim, EKO_ALLOW_INSECURE_HTTP: 'yes' }))).message).toBe(
      'EKO_ALLOW_INSECURE_HTTP: must be one of true, false',
    );
    // Still required, opt-out or not.
    expect(() => loadEkoConfig(env({ EKO_ALLOW_INSECURE_HTTP: 'true' }))).toThrow(/EKO_BASE_URL: is required/);
  });

  it('takes http:// under ekyc dev, whose Eko is the loopback simulator', () => {
    const sim = 'http://127.0.0.1:8090/ekoapi/v3';
    expect(loadEkoConfig(env({ EKO_BASE_URL: sim }), { dev: true }).baseUrl).toBe(sim);
  });
});
