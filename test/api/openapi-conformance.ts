// Every response the API tests observe must match the OpenAPI document (GET /openapi.json): the API test files build
// their app through this buildApi, which records each response and, once the file's tests are done, checks its
// status, content type and body against the document's operation for the route.
import { afterAll, expect } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildApi as buildRealApi, type ApiOptions } from '../../api/app.js';
import { responseViolations, type Observed } from './openapi-validate.js';

const observed: { doc: Promise<Record<string, unknown>>; responses: Observed[] }[] = [];

export function buildApi(options: ApiOptions): FastifyInstance {
  const app = buildRealApi(options);
  const responses: Observed[] = [];
  let doc: Promise<Record<string, unknown>> | undefined;
  app.addHook('onSend', async (request, reply, payload) => {
    if (request.url === '/openapi.json') return payload;
    responses.push({
      method: request.method,
      route: request.routeOptions.url,
      status: reply.statusCode,
      contentType: String(reply.getHeader('content-type') ?? ''),
      body: typeof payload === 'string' ? payload : undefined,
    });
    return payload;
  });
  app.addHook('onReady', async () => {
    doc ??= app.inject({ method: 'GET', url: '/openapi.json' }).then((r) => r.json());
    observed.push({ doc, responses });
  });
  return app;
}

afterAll(async () => {
  let checked = 0;
  for (const { doc, responses } of observed) {
    const document = await doc;
    expect(responseViolations(document, responses)).toEqual([]);
    checked += responses.length;
  }
  expect(checked).toBeGreaterThan(0);
});
