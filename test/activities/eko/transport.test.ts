// ekoFetch, ky's transport for the Eko calls: what ky and the client see must be what Node's fetch gave them.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import ky from 'ky';
import { answerText, ekoFetch } from '../../../activities/eko/transport.js';

let server: Server;
let base: string;
let last: { method?: string; headers: IncomingMessage['headers']; body: string } | undefined;

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    req.on('end', () => {
      last = { method: req.method, headers: req.headers, body };
      if (req.url === '/empty') return void res.writeHead(204).end();
      if (req.url === '/moved') return void res.writeHead(302, { location: '/json' }).end();
      if (req.url === '/reset') return void req.socket.destroy();
      if (req.url === '/slow') return void setTimeout(() => res.end('{}'), 2_000);
      res.setHeader('content-type', 'application/json');
      res.setHeader('retry-after', '7');
      res.setHeader('set-cookie', ['a=1', 'b=2']);
      res.writeHead(req.url === '/busy' ? 503 : 200).end(JSON.stringify({ status: 0, echo: body.length }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const call = (path: string, options: Parameters<typeof ky>[1] = {}) =>
  ky(`${base}${path}`, {
    retry: 0,
    timeout: false,
    throwHttpErrors: false,
    fetch: ekoFetch as typeof fetch,
    ...options,
  });

describe('ekoFetch under ky', () => {
  it('sends the method, headers and JSON body ky built, and returns status, headers and body', async () => {
    const body = { user_code: '20810200', piddata: 'p'.repeat(5_000) };
    const response = await call('/json', { method: 'put', json: body, headers: { 'developer-key': 'k' } });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 0, echo: JSON.stringify(body).length });
    expect(response.headers.get('retry-after')).toBe('7');
    expect(response.headers.getSetCookie()).toEqual(['a=1', 'b=2']);
    expect(last?.method).toBe('PUT');
    expect(JSON.parse(last!.body)).toEqual(body);
    expect(last?.headers['content-type']).toBe('application/json');
    expect(last?.headers['developer-key']).toBe('k');
    expect(last?.headers['user-agent']).toBe('node');
  });

  it('answers an HTTP error status as a response, and a 204 with no body', async () => {
    expect((await call('/busy', { method: 'post', json: {} })).status).toBe(503);
    const empty = await call('/empty');
    expect(empty.status).toBe(204);
    expect(await empty.text()).toBe('');
  });

  it('does not follow a redirect: the 302 itself is the answer', async () => {
    const response = await call('/moved', { method: 'post', json: {} });
    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toBe('/json');
  });

  it('rejects a reset connection as fetch does, with the socket error a few causes down', async () => {
    const err = await call('/reset', { method: 'post', json: {} }).catch((e: unknown) => e);
    const causes: unknown[] = [];
    for (let e = err as { cause?: unknown } | undefined; e; e = e.cause as typeof e) causes.push(e);
    expect(causes.some((e) => e instanceof TypeError && (e as Error).message === 'fetch failed')).toBe(true);
    expect(causes.some((e) => (e as { code?: string }).code === 'UND_ERR_SOCKET')).toBe(true);
  });

  it('sends the text given as ekoBody, leaving the Request’s body stream unread', async () => {
    const text = JSON.stringify({ user_code: '20810200', piddata: 'p'.repeat(3_000) });
    const request = new Request(`${base}/json`, {
      method: 'PUT',
      body: text,
      headers: { 'content-type': 'application/json' },
    });
    const response = await ekoFetch(request, { ekoBody: text });
    expect(response.status).toBe(200);
    expect(last?.body).toBe(text);
    expect(request.bodyUsed).toBe(false);
    // Under ky: the option reaches the transport (ky forwards the options it does not know to its fetch).
    await call('/json', {
      method: 'put',
      body: text,
      ekoBody: text,
      headers: { 'content-type': 'application/json' },
    } as never);
    expect(last?.body).toBe(text);
    expect(last?.headers['content-type']).toBe('application/json');
  });

  it('reads the Request’s body when no ekoBody is given', async () => {
    const request = new Request(`${base}/json`, { method: 'POST', body: 'plain text body' });
    await ekoFetch(request);
    expect(last?.body).toBe('plain text body');
    expect(request.bodyUsed).toBe(true);
  });

  it('answerText gives the text the transport received, and reads any other Response’s stream', async () => {
    const response = await call('/json', { method: 'post', json: { a: 1 } });
    const text = await answerText(response);
    expect(JSON.parse(text)).toEqual({ status: 0, echo: 7 });
    // The stream is still there for a reader who wants it: the same text.
    expect(await response.text()).toBe(text);
    expect(await answerText(await call('/empty'))).toBe('');
    expect(await answerText(new Response('not from the transport'))).toBe('not from the transport');
  });

  it('rejects with the signal’s reason when the deadline passes', async () => {
    const signal = AbortSignal.timeout(200);
    const err = await call('/slow', { signal }).catch((e: unknown) => e);
    expect(signal.aborted).toBe(true);
    expect((err as Error).name).toBe('TimeoutError');
  });
});
