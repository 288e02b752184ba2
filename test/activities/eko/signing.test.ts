import { describe, expect, it } from 'vitest';
import { secretKey, signRequest } from '../../../activities/eko/signing.js';

// shared/eko/API.md §6.2: the three known-answer vectors.
describe('Eko secret-key signing', () => {
  it('matches the eps.eko.in api-auth.ts vector', () => {
    expect(secretKey('test-access-key-123', '1700000000000')).toBe('88lqTf9ew69XbVbeczjxVL8/B4vibfp1MvTi1mIj2Xo=');
  });

  it('matches the eps.eko.in sdk-golden-vector.md vector', () => {
    expect(secretKey('TEST_ACCESS_KEY_DO_NOT_USE', '1700000000000')).toBe(
      'u30ak/iOGwKCaspqCeiYng8fd98QDx7kF3DBBOadQHk=',
    );
  });

  it('matches the vector computed with the public UAT access key', () => {
    expect(secretKey('d2fe1d99-6298-4af2-8cc5-d97dcf46df30', '1700000000000')).toBe(
      'qIir8tILHtqxO1Mu3/fC3pVElIa0oIxXMRDUP0463Bc=',
    );
  });

  it('stamps each request with its own timestamp and the signature of that timestamp', () => {
    const a = signRequest('dev-key', 'test-access-key-123', 1_700_000_000_000);
    const b = signRequest('dev-key', 'test-access-key-123', 1_700_000_000_001);
    expect(a).toEqual({
      developer_key: 'dev-key',
      'secret-key': '88lqTf9ew69XbVbeczjxVL8/B4vibfp1MvTi1mIj2Xo=',
      'secret-key-timestamp': '1700000000000',
    });
    expect(b['secret-key-timestamp']).toBe('1700000000001');
    expect(b['secret-key']).not.toBe(a['secret-key']);
  });
});
