import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadWebhookConfig } from '../../config/index.js';

const secret = () => `whsec_${randomBytes(32).toString('base64')}`;

describe('EKYC_WEBHOOK_*', () => {
  it('turn events off when EKYC_WEBHOOK_URL is unset or empty', () => {
    expect(loadWebhookConfig({})).toBeNull();
    expect(loadWebhookConfig({ EKYC_WEBHOOK_URL: '', EKYC_WEBHOOK_SECRETS: 'ignored' })).toBeNull();
  });

  it('take an https URL with its secrets, retrying for 24h with at most 10m between attempts by default', () => {
    const [a, b] = [secret(), secret()];
    const config = loadWebhookConfig({
      EKYC_WEBHOOK_URL: 'https://partner.example/hooks',
      EKYC_WEBHOOK_SECRETS: `${a}, ${b}`,
    })!;
    expect(config.url).toBe('https://partner.example/hooks');
    expect(config.keys.map((k) => k.toString('base64'))).toEqual([a.slice(6), b.slice(6)]);
    expect(config.policy).toEqual({ retryFor: '86400s', maxInterval: '600s', attemptTimeoutMs: 10_000 });
  });

  it('take http only to a loopback host', () => {
    for (const url of ['http://127.0.0.1:9999/h', 'http://localhost/h', 'http://[::1]:80/h']) {
      expect(loadWebhookConfig({ EKYC_WEBHOOK_URL: url, EKYC_WEBHOOK_SECRETS: secret() })?.url).toBe(
        new URL(url).toString(),
      );
    }
    for (const url of ['http://partner.example/h', 'http://10.0.0.1/h', 'ftp://127.0.0.1/h', 'not a url']) {
      expect(() => loadWebhookConfig({ EKYC_WEBHOOK_URL: url, EKYC_WEBHOOK_SECRETS: secret() })).toThrow(
        /^EKYC_WEBHOOK_URL: must be an https:\/\/ URL/,
      );
    }
  });

  it('require well-formed secrets with a URL, naming the entry but never echoing it', () => {
    const url = 'https://partner.example/h';
    expect(() => loadWebhookConfig({ EKYC_WEBHOOK_URL: url })).toThrow('EKYC_WEBHOOK_SECRETS: is required');
    const bad = 'whsec_short';
    let error: unknown;
    try {
      loadWebhookConfig({ EKYC_WEBHOOK_URL: url, EKYC_WEBHOOK_SECRETS: `${secret()},${bad}` });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(/^EKYC_WEBHOOK_SECRETS: entry 2 must be whsec_/);
    expect((error as Error).message).not.toContain(bad);
  });

  it('bound the retry window, the longest backoff and the attempt timeout', () => {
    const base = { EKYC_WEBHOOK_URL: 'https://p.example/h', EKYC_WEBHOOK_SECRETS: secret() };
    expect(
      loadWebhookConfig({
        ...base,
        EKYC_WEBHOOK_RETRY_FOR: '2h',
        EKYC_WEBHOOK_MAX_INTERVAL: '30s',
        EKYC_WEBHOOK_TIMEOUT_MS: '500',
      })!.policy,
    ).toEqual({ retryFor: '7200s', maxInterval: '30s', attemptTimeoutMs: 500 });
    expect(() => loadWebhookConfig({ ...base, EKYC_WEBHOOK_RETRY_FOR: '8d' })).toThrow(/^EKYC_WEBHOOK_RETRY_FOR: /);
    expect(() => loadWebhookConfig({ ...base, EKYC_WEBHOOK_MAX_INTERVAL: '2h' })).toThrow(
      /^EKYC_WEBHOOK_MAX_INTERVAL: /,
    );
    expect(() => loadWebhookConfig({ ...base, EKYC_WEBHOOK_TIMEOUT_MS: '99' })).toThrow(/^EKYC_WEBHOOK_TIMEOUT_MS: /);
  });
});
