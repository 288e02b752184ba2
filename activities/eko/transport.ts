// ky's transport for the Eko calls: a `fetch` made of undici's `request` on a keep-alive pool of its own. ky builds
// the same request as over Node's `fetch` and the client reads the same response; only the wire work under it is
// leaner: Node's `fetch` streams every body through WHATWG streams and wraps the socket in its own abort plumbing,
// 0.16-0.27 ms of CPU per call more than this (docs/PERFORMANCE.md "After three changes"). What ky and the client see
// is `fetch`'s: a Response, an abort rejected as the signal's, any other failure as `TypeError('fetch failed')` with
// the socket error as its cause (the client finds ECONNRESET/UND_ERR_SOCKET there, as before). Unlike `fetch` it
// follows no redirect: Eko's API answers in place, and a 3xx is classified as the answer it is.
//
// Two shortcuts past the WHATWG streams, both optional (docs/PERFORMANCE.md, "Two more changes, a fairer baseline
// and a correction"):
// - ky passes the options it does not know to its `fetch`: with `ekoBody` (the exact text ky was given as `body`) the
//   Request's body stream is not read back. An unread body is also what ky cancels cheaply after the call; a
//   consumed one made it build and throw away an error every time.
// - answerText(response) is the text this transport received, without reading the Response's stream again.
import { Agent, request } from 'undici';

/**
 * One pool for every Eko call of this process: Eko is one origin, and its connections are kept alive. As many
 * connections as calls in flight, as with Node's `fetch` (the worker's activity slots bound them).
 */
const pool = new Agent({ keepAliveTimeout: 10_000 });

// A Response with one of these statuses must not have a body (Fetch standard "null body status"; the 1xx ones are
// refused before, as no final answer).
const NULL_BODY_STATUS = new Set([204, 205, 304]);

/** The options ky hands its `fetch` besides the Request: those it does not know itself. */
export interface EkoFetchOptions {
  /** The request body as sent to ky in `body`; read from the Request when absent. */
  ekoBody?: string;
}

/** The body text of each Response this transport made, so a reader need not stream it again. */
const answers = new WeakMap<Response, string>();

export async function ekoFetch(input: Request, options?: EkoFetchOptions): Promise<Response> {
  const body = options?.ekoBody ?? (input.body ? await input.text() : undefined);
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
    const nullBody = NULL_BODY_STATUS.has(answer.statusCode);
    const response = new Response(nullBody ? null : text, { status: answer.statusCode, headers: responseHeaders });
    answers.set(response, nullBody ? '' : text);
    return response;
  } catch (err) {
    if (input.signal.aborted) throw input.signal.reason;
    throw new TypeError('fetch failed', { cause: err });
  }
}

/** A response's body text: as this transport received it, or read from the stream for any other Response. */
export function answerText(response: Response): Promise<string> {
  const text = answers.get(response);
  return text === undefined ? response.text() : Promise.resolve(text);
}
