// Standard Webhooks signatures: ours verify with the independent `standardwebhooks` package and theirs with our
// verifyWebhook; every configured secret signs, so old and new secrets both verify during a rotation.
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Webhook } from 'standardwebhooks';
import { secretKey, verifyWebhook, WebhookVerificationError, webhookHeaders } from '../../events/signing.js';
import { webhookBody, type WebhookEvent } from '../../events/model.js';

const newSecret = () => `whsec_${randomBytes(32).toString('base64')}`;
const keyOf = (secret: string) => secretKey(secret)!;

const event: WebhookEvent = {
  id: 'msg_0123456789abcdef_1',
  type: 'ekyc.completed',
  timestamp: '2026-11-30T10:00:00.000Z',
  data: {
    userCode: '20110001',
    workflowId: 'fingpay-ekyc-20110001',
    runId: 'r',
    stage: 'COMPLETED',
    code: null,
    completedAt: '2026-11-30T10:00:00.000Z',
    sequence: 1,
  },
};
const body = webhookBody(event);

describe('webhook signatures', () => {
  it('verify with the standardwebhooks package', () => {
    const secret = newSecret();
    const headers = webhookHeaders([keyOf(secret)], event.id, body);
    expect(new Webhook(secret).verify(body, headers)).toEqual(JSON.parse(body));
  });

  it("verify the standardwebhooks package's own signatures with verifyWebhook", () => {
    const secret = newSecret();
    const now = new Date();
    const headers = {
      'webhook-id': event.id,
      'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
      'webhook-signature': new Webhook(secret).sign(event.id, now, body),
    };
    expect(verifyWebhook(headers, body, [secret], 300)).toMatchObject({ id: event.id, type: 'ekyc.completed' });
  });

  it('carry one signature per secret, so a receiver with the old or the new secret verifies during a rotation', () => {
    const [oldSecret, newOne, stranger] = [newSecret(), newSecret(), newSecret()];
    const headers = webhookHeaders([keyOf(oldSecret), keyOf(newOne)], event.id, body);
    expect(headers['webhook-signature'].split(' ')).toHaveLength(2);
    for (const secret of [oldSecret, newOne]) {
      expect(new Webhook(secret).verify(body, headers)).toEqual(JSON.parse(body));
      expect(verifyWebhook(headers, Buffer.from(body), secret, 300).data.sequence).toBe(1);
    }
    expect(() => new Webhook(stranger).verify(body, headers)).toThrow();
    expect(() => verifyWebhook(headers, body, [stranger], 300)).toThrow(WebhookVerificationError);
    // A receiver may hold both while it rotates its own copy.
    expect(verifyWebhook(headers, body, [stranger, newOne], 300).id).toBe(event.id);
  });

  it('refuse a changed body, another id, an old timestamp and missing headers', () => {
    const secret = newSecret();
    const headers = webhookHeaders([keyOf(secret)], event.id, body);
    expect(() => verifyWebhook(headers, body.replace('COMPLETED', 'FAILED'), secret, 300)).toThrow(/no signature/);
    expect(() => verifyWebhook({ ...headers, 'webhook-id': 'msg_other' }, body, secret, 300)).toThrow(/no signature/);
    const old = webhookHeaders([keyOf(secret)], event.id, body, Date.now() - 600_000);
    expect(() => verifyWebhook(old, body, secret, 300)).toThrow(/tolerance/);
    expect(verifyWebhook(old, body, secret, 900).id).toBe(event.id);
    expect(() => verifyWebhook({ 'webhook-id': event.id }, body, secret, 300)).toThrow(/missing/);
  });

  it('reads headers from a Fetch Headers object and in any letter case', () => {
    const secret = newSecret();
    const headers = webhookHeaders([keyOf(secret)], event.id, body);
    expect(verifyWebhook(new Headers(headers), body, secret).id).toBe(event.id);
    const upper = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toUpperCase(), v]));
    expect(verifyWebhook(upper, body, secret).id).toBe(event.id);
  });

  it('takes only whsec_ secrets of at least 16 random bytes', () => {
    expect(secretKey(newSecret())).toHaveLength(32);
    expect(secretKey(randomBytes(32).toString('base64'))).toBeNull();
    expect(secretKey(`whsec_${randomBytes(8).toString('base64')}`)).toBeNull();
    expect(secretKey('whsec_not base64!')).toBeNull();
    expect(secretKey(`whsec_${'A'.repeat(10_000)}`)).toBeNull();
    expect(() => verifyWebhook({}, body, 'nope')).toThrow(WebhookVerificationError);
  });
});
