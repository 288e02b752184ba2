import { describe, expect, inject, it } from 'vitest';
import { Connection } from '@temporalio/client';
import { SEARCH_ATTRIBUTES } from '../../dev/temporal-server.js';

describe('test harness', () => {
  it('runs against a real Temporal server with the search attributes registered', async () => {
    const connection = await Connection.connect({ address: inject('temporalAddress') });
    try {
      const res = await connection.operatorService.listSearchAttributes({ namespace: inject('temporalNamespace') });
      for (const name of Object.keys(SEARCH_ATTRIBUTES))
        expect(Object.keys(res.customAttributes ?? {})).toContain(name);
    } finally {
      await connection.close();
    }
  });
});
