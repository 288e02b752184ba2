// ky's transport for the Eko calls: a `fetch` made of undici's `request` on a keep-alive pool of its own. ky builds
// the same request as over Node's `fetch` and the client reads the same response; only the wire work under it is
// leaner: Node's `fetch` streams every body through WHATWG streams and wraps the socket in its own abort plumbing,
// 0.16-0.27 ms of CPU per call more than this (docs/PERFORMANCE.md "After three changes"). What ky and the client see
// is `fetch`'s: a Response, an abort rejected as the signal's, any other failure as `TypeError('fetch failed')` with
// the socket error as its cause (the client finds ECONNRESET/UND_ERR_SOCKET there, as before). Unlike `fetch` it
// follows no redirect: Eko's API answers in place, and a 3xx is classified as the answer it is.
import { Agent, request } from 'undici';

/**
 * One pool for every Eko call of this process: Eko is one origin, and its connections are kept alive. As many
 * connections as calls in flight, as with Node's `fetch` (the worker's activity slots bound them).
 */
const pool = new Agent({ keepAliveTimeout: 10_000 });

// A Response with one of these statuses must not have a body (Fetch standard "null body status"; the 1xx ones are
// refused before, as no final answer).
const NULL_BODY_STATUS = new Set([204, 205, 304]);

export async function ekoFetch(input: Request): Promise<Response> {
  const body = input.body ? await input.text() : undefined;
  // What Node's fetch sends when no one says otherwise (ky sets accept and content-type).
  const headers: Record<string, string> = { 'user-agent': 'node' };
  input.headers.forEach((value, name) => {
    headers[name] = value;
  });
  try {
    const answer = await request(input.url, {
      method: input.method as 'GET' | 'POST' | 'PUT',
      headers,
      body,
      signal: input.signal,
      dispatcher: pool,
    });
    const text = await answer.body.text();
    if (answer.statusCode < 200 || answer.statusCode > 599) {
      throw new Error(`HTTP status ${answer.statusCode} is not a final answer`);
    }
    const responseHeaders = new Headers();
    for (const [name, value] of Object.entries(answer.headers)) {
      if (Array.isArray(value)) for (const v of value) responseHeaders.append(name, v);
      else if (value !== undefined) responseHeaders.set(name, value);
    }
    return new Response(NULL_BODY_STATUS.has(answer.statusCode) ? null : text, {
      status: answer.statusCode,
      headers: responseHeaders,
    });
  } catch (err) {
    if (input.signal.aborted) throw input.signal.reason;
    throw new TypeError('fetch failed', { cause: err });
  }
}
