import { randomBytes } from 'node:crypto';
import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadCodecConfig, loadCodecServerConfig, loadJwtConfig, type Env } from '../../config/index.js';
import { createTestIssuer, keyEntry } from './helpers.js';

function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('EKYC_CODEC_KEYS and EKYC_CODEC_KEY_ID', () => {
  it('encrypts with the first listed key unless EKYC_CODEC_KEY_ID names another', () => {
    const keys = [keyEntry('a'), keyEntry('b')].join(',');
    expect(loadCodecConfig({ EKYC_CODEC_KEYS: keys }).currentKeyId).toBe('a');
    expect(loadCodecConfig({ EKYC_CODEC_KEYS: keys, EKYC_CODEC_KEY_ID: 'b' }).currentKeyId).toBe('b');
    expect(loadCodecConfig({ EKYC_CODEC_KEYS: ` ${keys} , ` }).keys.map((k) => k.id)).toEqual(['a', 'b']);
  });

  it('accepts URL-safe base64 keys', () => {
    const urlSafe = randomBytes(32).toString('base64url');
    expect(loadCodecConfig({ EKYC_CODEC_KEYS: `k:${urlSafe}` }).keys).toHaveLength(1);
  });

  it('stops start-up with one line naming the variable when a key is short, and never echoes the key', () => {
    const short = randomBytes(16).toString('base64');
    const err = configError(() => loadCodecConfig({ EKYC_CODEC_KEYS: `k1:${short}` }));
    expect(err.message).toBe('EKYC_CODEC_KEYS: key "k1" must decode to 32 bytes (got 16)');
    expect(err.message).not.toContain(short);
    expect(err.message).not.toContain('\n');
  });

  it.each([
    ['missing', undefined, 'EKYC_CODEC_KEYS: is required'],
    ['empty list', ' , ', 'EKYC_CODEC_KEYS: is required'],
    ['no id', randomBytes(32).toString('base64'), 'EKYC_CODEC_KEYS: entry 1 must be "id:base64key"'],
    ['not base64', `k1:${'!'.repeat(44)}`, 'EKYC_CODEC_KEYS: key "k1" is not valid base64'],
    [
      'base64 with junk inside',
      `k1:${randomBytes(16).toString('base64')}=${randomBytes(15).toString('base64')}`,
      'EKYC_CODEC_KEYS: key "k1" is not valid base64',
    ],
    [
      'a placeholder of zeros',
      `k1:${Buffer.alloc(32).toString('base64')}`,
      'EKYC_CODEC_KEYS: key "k1" is a placeholder, not random',
    ],
  ])('stops start-up when EKYC_CODEC_KEYS is %s', (_case, value, message) => {
    expect(configError(() => loadCodecConfig({ EKYC_CODEC_KEYS: value })).message.startsWith(message)).toBe(true);
  });

  it('refuses a key id listed twice', () => {
    const err = configError(() => loadCodecConfig({ EKYC_CODEC_KEYS: [keyEntry('a'), keyEntry('a')].join(',') }));
    expect(err.message).toBe('EKYC_CODEC_KEYS: key id "a" is listed twice');
  });

  it('stops start-up when EKYC_CODEC_KEY_ID names no listed key', () => {
    const err = configError(() => loadCodecConfig({ EKYC_CODEC_KEYS: keyEntry('a'), EKYC_CODEC_KEY_ID: 'z' }));
    expect(err.variable).toBe('EKYC_CODEC_KEY_ID');
  });

  it('holds keys so that serialising the configuration shows no key material', () => {
    const bytes = randomBytes(32);
    const config = loadCodecConfig({ EKYC_CODEC_KEYS: `k:${bytes.toString('base64')}` });
    const json = JSON.stringify(config);
    expect(json.includes(bytes.toString('base64'))).toBe(false);
    expect(json.includes(bytes.toString('hex'))).toBe(false);
    expect(json).toBe('{"keys":[{"id":"k","key":{}}],"currentKeyId":"k"}');
  });
});

describe('codec server configuration', () => {
  let pem = '';
  const env = (extra: Env = {}): Env => ({
    EKYC_JWT_PUBLIC_KEY: pem,
    EKYC_JWT_ISSUER: 'https://idp.test',
    EKYC_JWT_AUDIENCE: 'fingpay-ekyc',
    ...extra,
  });

  it('defaults to port 8888 on all interfaces with no CORS origins', async () => {
    pem = (await createTestIssuer()).publicKeyPem;
    const config = loadCodecServerConfig(env());
    expect(config).toMatchObject({ host: '0.0.0.0', port: 8888, corsOrigins: [] });
    expect(config.jwt).toMatchObject({ issuer: 'https://idp.test', audience: 'fingpay-ekyc', jwksUrl: null });
  });

  it('caps the session cookie at 8 h unless EKYC_CODEC_SESSION_MAX_AGE says otherwise, and reads EKYC_CODEC_PUBLIC_URL', async () => {
    pem = (await createTestIssuer()).publicKeyPem;
    expect(loadCodecServerConfig(env())).toMatchObject({ sessionMaxAgeSeconds: 8 * 3600, publicUrl: null });
    expect(
      loadCodecServerConfig(
        env({ EKYC_CODEC_SESSION_MAX_AGE: '30m', EKYC_CODEC_PUBLIC_URL: 'https://codec.example.com' }),
      ),
    ).toMatchObject({ sessionMaxAgeSeconds: 1800, publicUrl: 'https://codec.example.com' });
    for (const bad of ['8', '2d', '0m']) {
      expect(configError(() => loadCodecServerConfig(env({ EKYC_CODEC_SESSION_MAX_AGE: bad }))).variable).toBe(
        'EKYC_CODEC_SESSION_MAX_AGE',
      );
    }
    expect(configError(() => loadCodecServerConfig(env({ EKYC_CODEC_PUBLIC_URL: 'codec:8888' }))).variable).toBe(
      'EKYC_CODEC_PUBLIC_URL',
    );
  });

  it('reads EKYC_CODEC_CORS_ORIGINS as a comma-separated list of origins', async () => {
    pem = (await createTestIssuer()).publicKeyPem;
    const config = loadCodecServerConfig(
      env({ EKYC_CODEC_CORS_ORIGINS: 'http://localhost:8233, https://cloud.temporal.io/' }),
    );
    expect(config.corsOrigins).toEqual(['http://localhost:8233', 'https://cloud.temporal.io']);
  });

  it.each([['*'], ['http://localhost:8233/namespaces'], ['localhost:8233'], ['ftp://x.example']])(
    'refuses %s as a CORS origin',
    async (origin) => {
      pem = (await createTestIssuer()).publicKeyPem;
      const err = configError(() => loadCodecServerConfig(env({ EKYC_CODEC_CORS_ORIGINS: origin })));
      expect(err.variable).toBe('EKYC_CODEC_CORS_ORIGINS');
    },
  );

  it('stops start-up naming EKYC_JWT_PUBLIC_KEY when the key cannot be parsed', () => {
    const bad = '-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----';
    expect(configError(() => loadJwtConfig(env({ EKYC_JWT_PUBLIC_KEY: bad }))).variable).toBe('EKYC_JWT_PUBLIC_KEY');
  });

  it('refuses a public key no JWS algorithm can verify with (an X25519 or secp256k1 key)', () => {
    for (const key of [
      generateKeyPairSync('x25519').publicKey,
      generateKeyPairSync('ec', { namedCurve: 'secp256k1' }).publicKey,
    ]) {
      const pem = key.export({ type: 'spki', format: 'pem' }).toString();
      expect(configError(() => loadJwtConfig(env({ EKYC_JWT_PUBLIC_KEY: pem }))).message).toBe(
        'EKYC_JWT_PUBLIC_KEY: must be an RSA, EC P-256/P-384/P-521, Ed25519 or Ed448 signing key',
      );
    }
  });

  it('needs exactly one of EKYC_JWT_JWKS_URL and EKYC_JWT_PUBLIC_KEY', async () => {
    pem = (await createTestIssuer()).publicKeyPem;
    expect(configError(() => loadJwtConfig(env({ EKYC_JWT_PUBLIC_KEY: undefined }))).message).toBe(
      'EKYC_JWT_JWKS_URL: is required (or EKYC_JWT_PUBLIC_KEY)',
    );
    expect(configError(() => loadJwtConfig(env({ EKYC_JWT_JWKS_URL: 'https://idp.test/jwks' }))).variable).toBe(
      'EKYC_JWT_JWKS_URL',
    );
  });

  it('requires EKYC_JWT_ISSUER and EKYC_JWT_AUDIENCE', async () => {
    pem = (await createTestIssuer()).publicKeyPem;
    expect(configError(() => loadJwtConfig(env({ EKYC_JWT_ISSUER: '' }))).message).toBe('EKYC_JWT_ISSUER: is required');
    expect(configError(() => loadJwtConfig(env({ EKYC_JWT_AUDIENCE: undefined }))).message).toBe(
      'EKYC_JWT_AUDIENCE: is required',
    );
  });
});
