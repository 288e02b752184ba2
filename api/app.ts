// The HTTP API of CONTRACT.md ("HTTP API"), as a Fastify app built around one EkycClient. Every /v1 route needs
// a bearer JWT: an `ekyc:agent` token acts on its own `user_code` only, an `ekyc:admin` token on any session.
import { existsSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fastifyRateLimit from '@fastify/rate-limit';
import fastifyStatic from '@fastify/static';
import Fastify, {
  LogController,
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
} from 'fastify';
import type { Tracer } from '@opentelemetry/api';
import type { Logger } from 'pino';
import {
  bearerToken,
  createJwtVerifier,
  hasScope,
  SCOPES,
  TokenError,
  type JwtVerifier,
  type VerifiedToken,
} from '../auth/jwt.js';
import type { EkycClient, StepOptions } from '../client/index.js';
import { EkycClientError } from '../client/errors.js';
import type { EkycInput, UpdateOutcome } from '../common/domain.js';
import type { DailyAuthArg, InvalidateArg } from '../common/agent.js';
import { ValidationError } from '../common/validation.js';
import type { ApiRateLimits, JwtConfig } from '../config/index.js';
import { traceRequests } from '../observability/otel-http.js';
import { createApiMetrics, resultLabel, type ApiMetrics } from './metrics.js';
import { isPageModule, PAGE_MODULE_TYPE, pageModuleSource } from './page-modules.js';
import {
  dailyAuthProblem,
  ForbiddenError,
  RateLimitedError,
  notAcceptedProblem,
  problem,
  problemFor,
  sendProblem,
  validationProblem,
} from './problems.js';
import * as schemas from './schemas.js';
import { registerOpenApi } from './openapi.js';

/** What the API needs of the client library (tests may hand in a stand-in). */
export type EkycApiClient = Pick<
  EkycClient,
  | 'startEkyc'
  | 'submitOtp'
  | 'requestOtpResend'
  | 'submitBiometric'
  | 'status'
  | 'cancel'
  | 'ping'
  | 'agentStatus'
  | 'submitDailyAuth'
  | 'invalidateDailyAuth'
>;

export interface ApiOptions {
  client: EkycApiClient;
  /** JWT settings (a verifier is built from them), or a ready verifier. */
  auth: JwtConfig | JwtVerifier;
  logger: Logger;
  metrics?: ApiMetrics;
  /** Folder of the agent web page; null serves a placeholder. Default: api/public next to the sources. */
  publicDir?: string | null;
  now?: () => number;
  /** OpenTelemetry: a server span per /v1 request, active while the client's Temporal calls run. */
  tracer?: Tracer;
  /** Per-IP and per-agent request budgets on /v1 (EKYC_API_RATE_LIMIT_*); absent: none (the processes pass them). */
  rateLimits?: ApiRateLimits;
  /** Fastify's trustProxy, for the client IP behind a reverse proxy (EKYC_API_TRUST_PROXY). */
  trustProxy?: false | string[];
  /** EKO_DAILY_WADH, handed to the page at GET /page-config.json (not a secret). */
  dailyWadh?: string;
}

const RATE_WINDOW_MS = 60_000;

// Small JSON bodies everywhere except the biometric route, whose PidData may reach 200,000 characters.
export const BODY_LIMIT_BYTES = 16 * 1024;
export const BIOMETRIC_BODY_LIMIT_BYTES = 512 * 1024;

declare module 'fastify' {
  interface FastifyRequest {
    token: VerifiedToken | null;
  }
}

type UserCodeParams = { userCode: string };

/** api/public, whether running from the sources (api/app.ts) or the build (dist/api/app.js). */
export function defaultPublicDir(): string | null {
  for (const candidate of ['./public/', '../../api/public/']) {
    const dir = fileURLToPath(new URL(candidate, import.meta.url));
    if (existsSync(dir) && statSync(dir).isDirectory() && existsSync(`${dir}index.html`)) return dir;
  }
  return null;
}

const PLACEHOLDER_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Agent eKYC</title></head><body><main><h1>Agent eKYC</h1>
<p>The agent web page is not installed (api/public is missing). The HTTP API is available under /v1.</p>
</main></body></html>
`;

export function buildApi(options: ApiOptions): FastifyInstance {
  const { client, logger } = options;
  const verify = typeof options.auth === 'function' ? options.auth : createJwtVerifier(options.auth);
  const metrics = options.metrics ?? createApiMetrics();
  const now = options.now ?? Date.now;
  const publicDir = options.publicDir === undefined ? defaultPublicDir() : options.publicDir;

  const app = Fastify({
    loggerInstance: logger as FastifyBaseLogger,
    // Our own one-line access log (route template, status, time) replaces Fastify's, which logs the URL.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: BODY_LIMIT_BYTES,
    // Reject unknown fields and wrong types rather than strip or coerce them.
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, allErrors: true } },
    return503OnClosing: true,
    // The router's own refusals (a malformed percent-encoding, a path parameter over maxParamLength) are problems
    // like every other answer, not Fastify's plain bodies.
    frameworkErrors: (err, _request, reply) => {
      const status = err.code === 'FST_ERR_MAX_PARAM_LENGTH' ? 414 : 400;
      const code = status === 414 ? 'URI_TOO_LONG' : 'BAD_URL';
      return sendProblem(reply, { problem: problem(status, code, 'The URL is not valid') });
    },
    ...(options.trustProxy ? { trustProxy: options.trustProxy } : {}),
  });
  // Before every route: it documents each as it is added (GET /openapi.json).
  registerOpenApi(app);
  // Budgets are checked by hand in the /v1 hooks below (per IP before the token, per agent after it).
  app.register(fastifyRateLimit, { global: false });

  // An empty JSON body (a bodiless POST with a JSON content type) reads as no body.
  const defaultJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    if (typeof body === 'string' && body.trim() === '') return done(null, undefined);
    defaultJson(request, body as string, done);
  });

  app.decorateRequest('token', null);

  app.addHook('onSend', async (request, reply) => {
    reply.header('x-content-type-options', 'nosniff');
    reply.header('referrer-policy', 'no-referrer');
    if (request.url.startsWith('/v1/')) reply.header('cache-control', 'no-store');
  });

  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    const labels = { method: request.method, route, status_code: String(reply.statusCode) };
    metrics.requests.inc(labels);
    metrics.duration.observe(labels, reply.elapsedTime / 1000);
    request.log.info(
      { method: request.method, route, statusCode: reply.statusCode, ms: Math.round(reply.elapsedTime) },
      'request',
    );
  });

  app.setErrorHandler((err: Error & { validation?: unknown; code?: string; statusCode?: number }, request, reply) => {
    if (Array.isArray(err.validation)) {
      return sendProblem(reply, { problem: validationProblem(schemas.schemaFieldErrors(err.validation)) });
    }
    const known = problemFor(err);
    if (known) return sendProblem(reply, known);
    if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
      return sendProblem(reply, { problem: problem(413, 'BODY_TOO_LARGE', 'The request body is too large') });
    }
    if (err.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
      return sendProblem(reply, {
        problem: problem(415, 'UNSUPPORTED_MEDIA_TYPE', 'Send application/json'),
      });
    }
    if (err.code === 'FST_ERR_CTP_INVALID_JSON_BODY' || err instanceof SyntaxError) {
      return sendProblem(reply, { problem: validationProblem([{ field: '(body)', rule: 'must be valid JSON' }]) });
    }
    if (typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500) {
      return sendProblem(reply, { problem: problem(err.statusCode, 'BAD_REQUEST', 'The request is not valid') });
    }
    // Type and message only: never the request, whose body may hold PII.
    request.log.error({ errType: err.name, errMessage: err.message }, 'request failed');
    return sendProblem(reply, { problem: problem(500, 'INTERNAL', 'Internal error') });
  });

  app.setNotFoundHandler((request, reply) =>
    sendProblem(reply, { problem: problem(404, 'NO_SUCH_ROUTE', 'No such route') }),
  );

  // In a plugin of their own, as /v1 is, so that the OpenAPI document (registered above) sees them.
  app.register(async (root) => {
    root.get('/healthz', async () => ({ status: 'ok' }));
    root.get('/readyz', async () => {
      await client.ping();
      return { status: 'ready' };
    });
    // What the page needs to know of the deployment; nothing secret, so no token.
    root.get('/page-config.json', async () => ({ dailyWadh: options.dailyWadh ?? '' }));
    root.get('/metrics', async (_request, reply) => {
      reply.type(metrics.registry.contentType);
      return metrics.registry.metrics();
    });

    if (publicDir) {
      root.register(fastifyStatic, { root: publicDir, prefix: '/', index: ['index.html'] });
      // The shared rules (common/checks.ts and what it imports), compiled, for the page to import (api/page-modules.ts).
      root.get<{ Params: { name: string } }>('/common/:name', async (request, reply) => {
        const name = request.params.name.replace(/\.js$/, '');
        if (!request.params.name.endsWith('.js') || !isPageModule(name)) {
          return sendProblem(reply, { problem: problem(404, 'NO_SUCH_ROUTE', 'No such route') });
        }
        return reply.type(PAGE_MODULE_TYPE).send(await pageModuleSource(name));
      });
    } else {
      root.get('/', async (_request, reply) => reply.type('text/html; charset=utf-8').send(PLACEHOLDER_PAGE));
    }
  });

  app.register(
    async (v1) => {
      // First, so that a request refused by authentication has its span too.
      if (options.tracer) traceRequests(v1, options.tracer);
      const limits = options.rateLimits;
      const limiter = (max: number, key: (request: FastifyRequest) => string | undefined, scope: 'ip' | 'agent') => {
        if (!max) return async () => undefined;
        const check = v1.createRateLimit({
          max,
          timeWindow: RATE_WINDOW_MS,
          keyGenerator: (request) => `${scope}:${key(request)}`,
        });
        return async (request: FastifyRequest) => {
          if (key(request) === undefined) return;
          const verdict = await check(request);
          if (!verdict.isAllowed && verdict.isExceeded) throw new RateLimitedError(scope, verdict.ttlInSeconds);
        };
      };
      // Per client IP, before the token is even verified; per agent (user code), whoever acts for it.
      const perIp = limiter(limits?.perIpPerMinute ?? 0, (request) => request.ip, 'ip');
      const perAgent = limiter(limits?.perAgentPerMinute ?? 0, (request) => sessionUserCode(request), 'agent');
      v1.addHook('onRequest', async (request) => {
        await perIp(request);
        const token = bearerToken(request.headers.authorization);
        if (!token) throw new TokenError('missing', 'a bearer token is required');
        request.token = await verify(token);
      });
      // After validation, so the user code in a body has been checked before it is compared.
      v1.addHook('preHandler', async (request) => {
        const body = request.body as Partial<EkycInput> | undefined;
        authorize(request.token!, sessionUserCode(request), body?.policy !== undefined);
        await perAgent(request);
      });

      /** Runs one session step and counts its result. */
      const step = async <T>(name: string, run: () => Promise<T>, result: (value: T) => string): Promise<T> => {
        try {
          const value = await run();
          metrics.steps.inc({ step: name, result: resultLabel(result(value)) });
          return value;
        } catch (err) {
          const code =
            err instanceof EkycClientError ? err.code : err instanceof ValidationError ? 'VALIDATION' : 'ERROR';
          metrics.steps.inc({ step: name, result: code });
          throw err;
        }
      };
      const outcomeLabel = (o: UpdateOutcome) => (o.accepted ? 'accepted' : (o.code ?? 'NOT_ACCEPTED'));
      const answer = (reply: FastifyReply, outcome: UpdateOutcome, title: string) =>
        outcome.accepted
          ? reply.code(200).send(outcome)
          : sendProblem(reply, notAcceptedProblem(outcome, title, now()));

      v1.post(
        '/ekyc',
        {
          schema: {
            querystring: schemas.startQuery,
            body: schemas.startBody,
            response: { 200: schemas.startResult, 201: schemas.startResult },
          },
        },
        async (request: FastifyRequest<{ Body: EkycInput; Querystring: { wait?: 'first-step' } }>, reply) => {
          const waitForFirstStep = request.query.wait === 'first-step';
          const result = await step(
            'start',
            () => client.startEkyc(request.body, waitForFirstStep ? { waitForFirstStep } : {}),
            (r) => (r.resumed ? 'resumed' : 'started'),
          );
          reply.code(result.resumed ? 200 : 201).header('location', `/v1/ekyc/${request.body.userCode}`);
          return result;
        },
      );

      v1.get(
        '/ekyc/:userCode',
        { schema: { params: schemas.userCodeParams, response: { 200: schemas.statusResult } } },
        async (request: FastifyRequest<{ Params: UserCodeParams }>) =>
          step(
            'status',
            () => client.status(request.params.userCode),
            () => 'ok',
          ),
      );

      v1.post(
        '/ekyc/:userCode/otp',
        {
          schema: {
            params: schemas.userCodeParams,
            headers: schemas.stepHeaders,
            body: schemas.otpBody,
            response: { 200: schemas.updateOutcome },
          },
        },
        async (request: FastifyRequest<{ Params: UserCodeParams; Body: { otp: string } }>, reply) => {
          const { userCode } = request.params;
          const outcome = await step(
            'otp',
            () => client.submitOtp(userCode, request.body.otp, stepOptions(request)),
            outcomeLabel,
          );
          return answer(reply, outcome, 'OTP not accepted');
        },
      );

      v1.post(
        '/ekyc/:userCode/otp/resend',
        {
          schema: {
            params: schemas.userCodeParams,
            headers: schemas.stepHeaders,
            body: { ...schemas.emptyBody, type: ['object', 'null'] },
            response: { 200: schemas.updateOutcome },
          },
        },
        async (request: FastifyRequest<{ Params: UserCodeParams }>, reply) => {
          const { userCode } = request.params;
          const outcome = await step(
            'resend',
            () => client.requestOtpResend(userCode, stepOptions(request)),
            outcomeLabel,
          );
          return answer(reply, outcome, 'OTP not resent');
        },
      );

      v1.post(
        '/ekyc/:userCode/biometric',
        {
          bodyLimit: BIOMETRIC_BODY_LIMIT_BYTES,
          schema: {
            params: schemas.userCodeParams,
            headers: schemas.stepHeaders,
            body: schemas.biometricBody,
            response: { 200: schemas.updateOutcome },
          },
        },
        async (request: FastifyRequest<{ Params: UserCodeParams; Body: { pidData: string } }>, reply) => {
          const { userCode } = request.params;
          const outcome = await step(
            'biometric',
            () => client.submitBiometric(userCode, request.body.pidData, stepOptions(request)),
            outcomeLabel,
          );
          return answer(reply, outcome, 'Biometric not accepted');
        },
      );

      v1.delete(
        '/ekyc/:userCode',
        {
          schema: {
            params: schemas.userCodeParams,
            body: { ...schemas.cancelBody, type: ['object', 'null'] },
            response: { 202: schemas.cancelResult },
          },
        },
        async (request: FastifyRequest<{ Params: UserCodeParams; Body: { reason?: string } | undefined }>, reply) => {
          const { userCode } = request.params;
          const reason = request.body?.reason?.trim() || 'cancelled through the API';
          const result = await step(
            'cancel',
            () => client.cancel(userCode, reason),
            () => 'requested',
          );
          return reply.code(202).send(result);
        },
      );

      // ---- the agent lifecycle (fingpayAgent) ----

      v1.get(
        '/agents/:userCode',
        { schema: { params: schemas.userCodeParams, response: { 200: schemas.agentStatusResult } } },
        async (request: FastifyRequest<{ Params: UserCodeParams }>) =>
          step(
            'agentStatus',
            () => client.agentStatus(request.params.userCode),
            () => 'ok',
          ),
      );

      v1.post(
        '/agents/:userCode/daily-auth',
        {
          bodyLimit: BIOMETRIC_BODY_LIMIT_BYTES,
          schema: {
            params: schemas.userCodeParams,
            headers: schemas.stepHeaders,
            body: schemas.dailyAuthBody,
            response: { 200: schemas.dailyAuthOutcome },
          },
        },
        async (request: FastifyRequest<{ Params: UserCodeParams; Body: DailyAuthArg }>, reply) => {
          const outcome = await step(
            'dailyAuth',
            () => client.submitDailyAuth(request.params.userCode, request.body, stepOptions(request)),
            (o) => (o.accepted ? 'accepted' : (o.code ?? 'NOT_ACCEPTED')),
          );
          return outcome.accepted
            ? reply.code(200).send(outcome)
            : sendProblem(reply, dailyAuthProblem(outcome, now()));
        },
      );

      v1.post(
        '/agents/:userCode/daily-auth/invalidate',
        {
          schema: {
            params: schemas.userCodeParams,
            body: schemas.invalidateBody,
            response: { 202: schemas.invalidateResult },
          },
        },
        async (request: FastifyRequest<{ Params: UserCodeParams; Body: InvalidateArg }>, reply) => {
          // A cash withdrawal's FP069 or an operator change is reported by the backend, never by the agent itself.
          if (!hasScope(request.token!, SCOPES.admin)) {
            throw new ForbiddenError(`invalidating a Daily KYC needs the ${SCOPES.admin} scope`);
          }
          const result = await step(
            'invalidateDailyAuth',
            () => client.invalidateDailyAuth(request.params.userCode, request.body.reason),
            () => 'requested',
          );
          return reply.code(202).send(result);
        },
      );
    },
    { prefix: '/v1' },
  );

  return app;
}

/** The agent a /v1 request is about: the path's user code, else the start body's (validated by then). */
function sessionUserCode(request: FastifyRequest): string | undefined {
  const fromPath = (request.params as Partial<UserCodeParams> | undefined)?.userCode;
  const fromBody = (request.body as Partial<EkycInput> | undefined)?.userCode;
  const userCode = fromPath ?? fromBody;
  return typeof userCode === 'string' ? userCode : undefined;
}

function stepOptions(request: FastifyRequest): StepOptions {
  const key = request.headers['idempotency-key'];
  return typeof key === 'string' ? { updateId: key } : {};
}

/**
 * `ekyc:admin` acts on any session; `ekyc:agent` only on the one its `user_code` claim names, and never sets the
 * session policy (CONTRACT.md "Who may set what": an agent must not choose its own attempts, resends or cooldown).
 */
function authorize(token: VerifiedToken, userCode: string | undefined, setsPolicy: boolean): void {
  if (hasScope(token, SCOPES.admin)) return;
  if (!hasScope(token, SCOPES.agent)) {
    throw new ForbiddenError(`the token has neither the ${SCOPES.agent} nor the ${SCOPES.admin} scope`);
  }
  if (!token.userCode) throw new ForbiddenError(`an ${SCOPES.agent} token must carry a user_code claim`);
  if (userCode !== undefined && userCode !== token.userCode) {
    throw new ForbiddenError(`an ${SCOPES.agent} token acts only on its own session`);
  }
  if (setsPolicy)
    throw new ForbiddenError(`policy is set by operators (${SCOPES.admin}), not by an ${SCOPES.agent} token`);
}
