// The codec server: the Temporal codec-server protocol over HTTP, so authorised operators read encrypted
// payloads in the Temporal UI (or `temporal --codec-endpoint`). POST /encode and /decode, also under
// /{namespace}/; bearer JWT with `ekyc:ops` in `scope`; CORS only for the configured UI origins.
// Payloads are never logged: a line says who asked for what, how many payloads, and the outcome.
import cors from '@fastify/cors';
import Fastify, {
  LogController,
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
} from 'fastify';
import type { Payload, PayloadCodec } from '@temporalio/common';
import { z } from 'zod';
import { bearerToken, hasScope, SCOPES, TokenError, type JwtVerifier, type VerifiedToken } from '../auth/jwt.js';
import type { Logger } from '../observability/logger.js';
import { PayloadDecryptError } from './payload-codec.js';

/** The cookie that carries the same bearer token for UIs that can only send cross-origin credentials. */
export const TOKEN_COOKIE = 'ekyc_codec_token';
export const DEFAULT_BODY_LIMIT_BYTES = 4 * 1024 * 1024;
export const MAX_PAYLOADS_PER_REQUEST = 2000;
/** The session cookie's longest life unless configured (EKYC_CODEC_SESSION_MAX_AGE): a working shift. */
export const DEFAULT_SESSION_MAX_AGE_SECONDS = 8 * 3600;
const ALLOWED_HEADERS = ['Authorization', 'Authorization-Extras', 'Content-Type', 'X-Namespace'];
const NAMESPACE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,254}$/;
const PROBLEM = 'application/problem+json';

export interface CodecServerOptions {
  codec: PayloadCodec;
  /** Verifies a bearer token (auth/jwt.ts createJwtVerifier). */
  auth: JwtVerifier;
  /** Browser origins of the Temporal UI allowed to call; others get no CORS headers. */
  corsOrigins: readonly string[];
  logger: Logger;
  /** The session cookie lives until the token expires or this many seconds, whichever comes first. */
  sessionMaxAgeSeconds?: number;
  /**
   * The codec server's address as operators' browsers reach it (EKYC_CODEC_PUBLIC_URL). When it is https the session
   * cookie is always `Secure`, whatever a proxy in between says; otherwise it is `Secure` for https requests
   * (X-Forwarded-Proto honoured).
   */
  publicUrl?: string | null;
  bodyLimitBytes?: number;
}

// Proto3 JSON of temporal.api.common.v1.Payloads: every bytes field is base64 (standard or URL-safe).
const base64 = z.string().regex(/^[A-Za-z0-9+/_-]*={0,2}$/, { error: 'must be base64' });
const payloadsBody = z.object({
  payloads: z
    .array(
      z.object({
        metadata: z.record(z.string(), base64).optional(),
        data: base64.optional(),
        // Set by newer SDKs for payloads kept in external storage; carried through untouched.
        externalPayloads: z.array(z.unknown()).optional(),
      }),
    )
    .max(MAX_PAYLOADS_PER_REQUEST),
});
type JsonPayload = z.infer<typeof payloadsBody>['payloads'][number];

const fromB64 = (s: string) => new Uint8Array(Buffer.from(s.replace(/-/g, '+').replace(/_/g, '/'), 'base64'));
const toB64 = (b: Uint8Array | null | undefined) => Buffer.from(b ?? new Uint8Array()).toString('base64');

function fromJson(p: JsonPayload): Payload {
  const metadata: Record<string, Uint8Array> = {};
  for (const [k, v] of Object.entries(p.metadata ?? {})) metadata[k] = fromB64(v);
  return { metadata, data: fromB64(p.data ?? '') };
}

function toJson(p: Payload): { metadata: Record<string, string>; data: string } {
  const metadata: Record<string, string> = {};
  for (const [k, v] of Object.entries(p.metadata ?? {})) metadata[k] = toB64(v);
  return { metadata, data: toB64(p.data) };
}

function problem(reply: FastifyReply, status: number, code: string, title: string, detail?: string) {
  return reply
    .code(status)
    .type(PROBLEM)
    .send({ type: `urn:fingpay-ekyc:problem:${code.toLowerCase().replace(/_/g, '-')}`, title, status, code, detail });
}

/** The session cookie's token; `''` (which no verifier accepts) when the cookie is there but not decodable. */
function cookieToken(header: string | undefined): string | null {
  for (const part of (header ?? '').split(';')) {
    const [name, ...rest] = part.trim().split('=');
    if (name === TOKEN_COOKIE && rest.length) {
      try {
        return decodeURIComponent(rest.join('='));
      } catch {
        return '';
      }
    }
  }
  return null;
}

declare module 'fastify' {
  interface FastifyRequest {
    operator?: VerifiedToken;
  }
}

export async function buildCodecServer(options: CodecServerOptions): Promise<FastifyInstance> {
  const { codec, auth, logger } = options;
  const origins = new Set(options.corsOrigins);
  const app = Fastify({
    loggerInstance: logger as FastifyBaseLogger,
    // Our own one-line access log below: Fastify's would log client errors with their messages.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: options.bodyLimitBytes ?? DEFAULT_BODY_LIMIT_BYTES,
    trustProxy: true,
  });

  // JSON bodies parsed without echoing a fragment of the body in the error (V8's messages quote the input).
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => {
    try {
      done(null, JSON.parse(body as string));
    } catch {
      done(Object.assign(new Error('the body is not valid JSON'), { statusCode: 400, code: 'MALFORMED_BODY' }));
    }
  });

  // Chrome's Private Network Access: a public UI (e.g. Temporal Cloud) may call a codec server on a private address.
  app.addHook('onRequest', async (req, reply) => {
    if (
      req.method === 'OPTIONS' &&
      req.headers['access-control-request-private-network'] === 'true' &&
      origins.has(req.headers.origin ?? '')
    ) {
      reply.header('Access-Control-Allow-Private-Network', 'true');
    }
  });
  await app.register(cors, {
    // Not listed: no CORS headers at all, and a preflight is answered 404.
    origin: (origin, cb) => cb(null, origin !== undefined && origins.has(origin)),
    credentials: true,
    methods: ['POST', 'DELETE'],
    allowedHeaders: ALLOWED_HEADERS,
    maxAge: 600,
    strictPreflight: true,
  });

  // Authentication before the body is read: an unauthenticated request never gets its body parsed.
  const authenticate: Authenticate = async (req, reply, scope = SCOPES.ops, headerOnly = false) => {
    const token = bearerToken(req.headers.authorization) ?? (headerOnly ? null : cookieToken(req.headers.cookie));
    if (token === '') {
      // A session cookie that is not even URL-encoded text: a bad token, as a forged one would be.
      reply.header('WWW-Authenticate', 'Bearer realm="ekyc-codec", error="invalid_token"');
      return problem(reply, 401, 'UNAUTHENTICATED', 'The session cookie is not valid');
    }
    if (!token) {
      reply.header('WWW-Authenticate', 'Bearer realm="ekyc-codec"');
      return problem(reply, 401, 'UNAUTHENTICATED', 'A bearer token is required');
    }
    try {
      req.operator = await auth(token);
    } catch (err) {
      if (err instanceof TokenError && err.reason === 'unavailable') {
        reply.header('Retry-After', '5');
        return problem(reply, 503, 'AUTH_UNAVAILABLE', 'Tokens cannot be verified right now', err.message);
      }
      reply.header('WWW-Authenticate', 'Bearer realm="ekyc-codec", error="invalid_token"');
      return problem(reply, 401, 'UNAUTHENTICATED', 'The bearer token is not valid', (err as Error).message);
    }
    if (!hasScope(req.operator, scope)) {
      reply.header('WWW-Authenticate', `Bearer realm="ekyc-codec", error="insufficient_scope", scope="${scope}"`);
      return problem(reply, 403, 'FORBIDDEN', `The token's scope does not include ${scope}`);
    }
  };

  app.setErrorHandler((err: Error & { statusCode?: number; code?: string }, req, reply) => {
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 600 ? err.statusCode : 500;
    if (status === 413) return problem(reply, 413, 'BODY_TOO_LARGE', 'The request body is too large');
    if (status === 415) return problem(reply, 415, 'UNSUPPORTED_MEDIA_TYPE', 'Send Content-Type: application/json');
    if (status < 500) return problem(reply, status, 'MALFORMED_BODY', 'The request body is not valid', err.message);
    req.log.error({ errType: err.name, code: err.code }, 'codec server failure');
    return problem(reply, 500, 'INTERNAL', 'The codec server failed');
  });

  app.addHook('onResponse', async (req, reply) => {
    req.log.info(
      {
        method: req.method,
        route: req.routeOptions.url,
        status: reply.statusCode,
        namespace: (req as FastifyRequest & { namespace?: string }).namespace,
        payloads: (req as FastifyRequest & { payloadCount?: number }).payloadCount,
        subject: req.operator?.subject,
        ms: Math.round(reply.elapsedTime),
      },
      'codec request',
    );
  });

  app.get('/healthz', async () => ({ status: 'ok' }));

  const handler = (op: 'encode' | 'decode') => async (req: FastifyRequest, reply: FastifyReply) => {
    const params = req.params as { namespace?: string };
    const header = req.headers['x-namespace'];
    const fromHeader = typeof header === 'string' && header !== '' ? header : undefined;
    if (params.namespace && fromHeader && params.namespace !== fromHeader) {
      return problem(reply, 400, 'NAMESPACE_MISMATCH', 'X-Namespace and the path name different namespaces');
    }
    const namespace = params.namespace ?? fromHeader ?? 'default';
    if (!NAMESPACE.test(namespace)) return problem(reply, 400, 'BAD_NAMESPACE', 'The namespace name is not valid');
    Object.assign(req, { namespace });

    const parsed = payloadsBody.safeParse(req.body);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      // The path names where the body is wrong; the value is never echoed.
      return problem(
        reply,
        400,
        'MALFORMED_BODY',
        'The body must be { payloads: [{ metadata, data }] }',
        [issue.path.join('.') || 'body', issue.message].join(': '),
      );
    }
    Object.assign(req, { payloadCount: parsed.data.payloads.length });
    const input = parsed.data.payloads.map(fromJson);
    try {
      const output = op === 'encode' ? await codec.encode(input) : await codec.decode(input);
      return reply.type('application/json').send({ payloads: output.map(toJson) });
    } catch (err) {
      if (err instanceof PayloadDecryptError) {
        return problem(reply, 422, 'UNDECRYPTABLE_PAYLOAD', 'A payload cannot be decrypted', err.message);
      }
      throw err;
    }
  };

  const codecRoute = { onRequest: (req: FastifyRequest, reply: FastifyReply) => authenticate(req, reply) };
  for (const prefix of ['', '/:namespace']) {
    app.post(`${prefix}/encode`, codecRoute, handler('encode'));
    app.post(`${prefix}/decode`, codecRoute, handler('decode'));
  }

  registerSessionRoutes(app, authenticate, {
    maxAgeSeconds: options.sessionMaxAgeSeconds ?? DEFAULT_SESSION_MAX_AGE_SECONDS,
    alwaysSecure: (options.publicUrl ?? '').toLowerCase().startsWith('https:'),
  });
  return app;
}

type Authenticate = (
  req: FastifyRequest,
  reply: FastifyReply,
  scope?: string,
  headerOnly?: boolean,
) => Promise<unknown>;

// For UIs that cannot send our bearer token (the open-source UI without its own OIDC login, or a Temporal Cloud
// UI whose tokens are not ours): the operator hands the token over once, it comes back as an HttpOnly cookie,
// and the UI's "Include cross-origin credentials" setting makes the browser send it along.
function registerSessionRoutes(
  app: FastifyInstance,
  authenticate: Authenticate,
  cookie: { maxAgeSeconds: number; alwaysSecure: boolean },
) {
  app.post(
    '/session',
    // Only the header: a cookie cannot be used to mint a cookie, and the header forces a CORS preflight.
    { onRequest: (req, reply) => authenticate(req, reply, SCOPES.ops, true) },
    async (req, reply) => {
      const token = bearerToken(req.headers.authorization) as string;
      const exp = req.operator?.claims.exp ?? 0;
      // Until the token expires, and never longer than a shift: a forgotten browser does not stay signed in.
      const maxAge = Math.max(0, Math.min(exp - Math.floor(Date.now() / 1000), cookie.maxAgeSeconds));
      const secure = cookie.alwaysSecure || req.protocol === 'https';
      // Cross-site UIs (another domain) need SameSite=None, which browsers accept only with Secure.
      const attrs = secure ? 'Secure; SameSite=None' : 'SameSite=Lax';
      reply.header(
        'Set-Cookie',
        `${TOKEN_COOKIE}=${encodeURIComponent(token)}; Path=/; HttpOnly; ${attrs}; Max-Age=${maxAge}`,
      );
      return reply.code(204).send();
    },
  );
  app.delete('/session', async (req, reply) => {
    const attrs = cookie.alwaysSecure || req.protocol === 'https' ? 'Secure; SameSite=None' : 'SameSite=Lax';
    reply.header('Set-Cookie', `${TOKEN_COOKIE}=; Path=/; HttpOnly; ${attrs}; Max-Age=0`);
    return reply.code(204).send();
  });
  app.get('/session', async (_req, reply) =>
    reply
      .type('text/html; charset=utf-8')
      .header('Content-Security-Policy', "default-src 'none'; script-src 'unsafe-inline'; connect-src 'self'")
      .header('Cache-Control', 'no-store')
      .send(SESSION_PAGE),
  );
}

const SESSION_PAGE = `<!doctype html>
<meta charset="utf-8"><title>ekyc codec server: sign in</title>
<h1>Codec server sign-in</h1>
<p>Paste a bearer token whose scope holds <code>ekyc:ops</code>. It is kept as an HttpOnly cookie for this
codec server, which your Temporal UI sends when its codec setting "Include cross-origin credentials" is on.</p>
<form id="f"><textarea id="t" rows="6" cols="80" autocomplete="off"></textarea><br>
<button>Sign in</button> <button type="button" id="o">Sign out</button></form><p id="r" role="status"></p>
<script>
const r = document.getElementById('r');
document.getElementById('f').onsubmit = async (e) => {
  e.preventDefault();
  const t = document.getElementById('t');
  const res = await fetch('session', { method: 'POST', headers: { Authorization: 'Bearer ' + t.value.trim() } });
  t.value = '';
  r.textContent = res.ok ? 'Signed in.' : 'Refused (' + res.status + ').';
};
document.getElementById('o').onclick = async () => {
  await fetch('session', { method: 'DELETE' });
  r.textContent = 'Signed out.';
};
</script>
`;
