// A faithful Eko eKYC simulator on loopback (fastify). It checks what Eko checks — route and method (404/405),
// content type (415), developer_key and a fresh secret-key (403) — then injects scripted or random faults, then
// answers per shared/eko/API.md (eko-ekyc.ts). Test endpoints under /__sim/ answer loopback clients only, and only
// for a loopback Host header (no DNS rebinding from a developer's browser).
import { createHmac, createPrivateKey, createPublicKey, generateKeyPairSync, timingSafeEqual } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import type { Socket } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest, type InjectOptions } from 'fastify';
import type { EkoStep } from '../common/eko-steps.js';
import type { Logger } from '../observability/logger.js';
import { AgentRegistry, type SimAgentFlags, type SimAgentInit, type SimAgentState } from './eko-agents.js';
import { DEFAULT_DAILY_ELIGIBLE_AFTER_MS } from './eko-daily.js';
import { handleEkyc, type EkycContext } from './eko-ekyc.js';
import type { SimStateStore } from './eko-state.js';
import { ANSWERS, SIM_SHAPES, type SimAnswer, type SimContract, type SimStepShape } from './eko-shapes.js';
import { SIM_STEPS, FaultBook, parseFault, type EkoFault, type EkoFaultKind } from './eko-faults.js';

export interface EkoSimulatorOptions {
  /** Loopback only (127.0.0.1 by default). */
  host?: string;
  /** 0 (default) picks a free port. */
  port?: number;
  developerKey: string;
  accessKey: string;
  initiatorId: string;
  contract?: SimContract;
  /** Register an unknown user_code on its first Send OTP with the Aadhaar and mobile it carries. */
  autoRegister?: boolean;
  /** Probability (0..1) of a random transient fault on any call; drawn from a PRNG seeded with `seed`. */
  faultRate?: number;
  seed?: number;
  /** Added to every eKYC call. */
  latencyMs?: number;
  /** The RSA private key the Aadhaar is decrypted with; a fresh one is generated when absent. */
  privateKeyPem?: string;
  /** Size of the generated key: 1024 like Eko's published keys, or 2048 (default). */
  modulusLength?: 1024 | 2048;
  /** How long an OTP stays valid (not documented by Eko; default 10 minutes). */
  otpTtlMs?: number;
  /** How long after a completed eKYC Daily KYC succeeds (default 3 days, Eko's [DEV] v3 rule). */
  dailyEligibleAfterMs?: number;
  /** Answer otp_ref_id as a JSON number, to exercise tolerant parsing. */
  numericOtpRefId?: boolean;
  /** Outcome lines (step, user code, client_ref_id, code); never a request field. */
  logger?: Logger;
  /** Where the agents are kept across restarts (`ekyc dev`: its data folder, encrypted); in memory only without. */
  state?: SimStateStore;
}

export interface EkoLedgerEntry {
  step: EkoStep;
  userCode: string | null;
  clientRefId: string | null;
  /** Eko's status ('0', '461', '97', '-2', …), or 'http403' / 'http503' / 'hang' / 'reset' when none was sent. */
  code: string;
  httpStatus: number | null;
  fault: EkoFaultKind | null;
  at: string;
}

export const SIM_PATH_PREFIX = '/ekoapi/v3';
/** Eko says only that a stale timestamp gets 403; five minutes is our tolerance. */
export const TIMESTAMP_TOLERANCE_MS = 5 * 60_000;
/** A hung request is dropped after this, well past the largest EKO_TIMEOUT_MS. */
const HANG_MAX_MS = 150_000;

export function isLoopbackAddress(address: string | undefined): boolean {
  if (!address) return false;
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(address) || address === '::1' || /^::ffff:127\./i.test(address);
}

/**
 * Whether an HTTP `Host` header names this machine by a loopback name: `localhost`, `127.x.x.x` or `[::1]`, with an
 * optional port. A page on another site that rebinds its own name to 127.0.0.1 (DNS rebinding) still sends its own
 * name here, so it gets nothing, although its requests do arrive from a loopback address.
 */
export function isLoopbackHost(host: string | undefined): boolean {
  if (!host) return false;
  return /^(?:localhost|127\.\d{1,3}\.\d{1,3}\.\d{1,3}|\[::1\])(?::\d{1,5})?$/i.test(host);
}

function loadPrivateKey(options: EkoSimulatorOptions): KeyObject {
  if (options.privateKeyPem) {
    const key = createPrivateKey(options.privateKeyPem);
    if (key.asymmetricKeyType !== 'rsa') throw new TypeError('privateKeyPem must be an RSA private key');
    return key;
  }
  return generateKeyPairSync('rsa', { modulusLength: options.modulusLength ?? 2048 }).privateKey;
}

function header(request: FastifyRequest, name: string): string | undefined {
  const v = request.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function jsonObject(text: unknown): Record<string, unknown> | undefined {
  if (typeof text !== 'string' || !text) return undefined;
  try {
    const value = JSON.parse(text);
    return value && typeof value === 'object' && !Array.isArray(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

function idOf(value: unknown): string | null {
  if (typeof value === 'string' && value.length <= 64) return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return null;
}

export class EkoSimulator {
  /** Base64 DER SubjectPublicKeyInfo, as Eko publishes its key: configure it as EKO_AADHAAR_PUBLIC_KEY. */
  readonly publicKeySpkiBase64: string;
  readonly contract: SimContract;
  private readonly registry = new AgentRegistry();
  private readonly faults: FaultBook;
  private readonly entries: EkoLedgerEntry[] = [];
  private readonly hanging = new Set<Socket>();
  private readonly ctx: EkycContext;
  /** Added to the real clock for everything Eko decides by time (OTP expiry, eligibility, the IST day, ledger). */
  private clockOffsetMs = 0;

  private constructor(
    private readonly app: FastifyInstance,
    private readonly options: EkoSimulatorOptions,
    privateKey: KeyObject,
  ) {
    this.contract = options.contract ?? 'v3';
    this.faults = new FaultBook(options.faultRate ?? 0, options.seed ?? 1);
    this.publicKeySpkiBase64 = createPublicKey(privateKey).export({ type: 'spki', format: 'der' }).toString('base64');
    this.ctx = {
      registry: this.registry,
      privateKey,
      initiatorId: options.initiatorId,
      contract: this.contract,
      autoRegister: options.autoRegister ?? false,
      otpTtlMs: options.otpTtlMs ?? 10 * 60_000,
      numericOtpRefId: options.numericOtpRefId ?? false,
      dailyEligibleAfterMs: options.dailyEligibleAfterMs ?? DEFAULT_DAILY_ELIGIBLE_AFTER_MS,
      now: () => Date.now() + this.clockOffsetMs,
    };
  }

  /** e.g. `http://127.0.0.1:8090/ekoapi/v3`: configure it as EKO_BASE_URL. */
  get baseUrl(): string {
    const address = this.app.server.address();
    if (!address || typeof address !== 'object') throw new Error('the Eko simulator is not listening');
    return `http://${address.address}:${address.port}${SIM_PATH_PREFIX}`;
  }

  static async start(options: EkoSimulatorOptions): Promise<EkoSimulator> {
    const host = options.host === undefined || options.host === 'localhost' ? '127.0.0.1' : options.host;
    if (!/^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host)) throw new Error('the Eko simulator listens on loopback only');
    if (options.contract !== undefined && !(options.contract in SIM_SHAPES)) {
      throw new Error(`unknown contract "${options.contract}"`);
    }
    for (const k of ['developerKey', 'accessKey', 'initiatorId'] as const) {
      if (!options[k]) throw new Error(`${k} is required`);
    }
    const app = Fastify({ logger: false, forceCloseConnections: true, bodyLimit: 1_048_576 });
    const sim = new EkoSimulator(app, options, loadPrivateKey(options));
    if (options.state) sim.registry.restore(options.state.load());
    sim.routes();
    await app.listen({ host, port: options.port ?? 0 });
    return sim;
  }

  addAgent(agent: SimAgentInit): void {
    this.registry.add(agent);
    this.persist();
  }

  /** Change an agent's flags; `rekycRequired: true` makes Daily KYC answer "Please complete bank eKYC". */
  updateAgent(userCode: string, flags: SimAgentFlags): void {
    this.registry.update(userCode, flags);
    this.persist();
  }

  /** Writes the agents to the state store, if any, after every change. */
  private persist(): void {
    this.options.state?.save(this.registry.snapshot());
  }

  private handle(shape: SimStepShape, body: Record<string, unknown>): SimAnswer {
    try {
      return handleEkyc(this.ctx, shape, body);
    } finally {
      this.persist();
    }
  }

  /** The simulator's clock (ms since the epoch). */
  now(): number {
    return this.ctx.now();
  }

  /** Move the simulator's clock to `ms` (tests whose workflows skip time). Request signatures keep real time. */
  setClock(ms: number): void {
    if (!Number.isFinite(ms)) throw new TypeError('the clock must be a finite number of ms');
    this.clockOffsetMs = ms - Date.now();
  }

  advanceClock(ms: number): void {
    if (!Number.isFinite(ms)) throw new TypeError('the clock must move by a finite number of ms');
    this.clockOffsetMs += ms;
  }

  /** Flags and progress of an agent, no PII. */
  agentState(userCode: string): SimAgentState | undefined {
    return this.registry.state(userCode);
  }

  /** Script a fault for the agent's next call(s) of `step`; faults are consumed in the order injected. */
  injectFault(userCode: string, step: EkoStep, fault: EkoFault): void {
    if (!SIM_STEPS.includes(step)) throw new TypeError(`step must be one of ${SIM_STEPS.join(', ')}`);
    this.faults.inject(userCode, step, parseFault(fault));
  }

  pendingFaults(userCode: string, step: EkoStep): number {
    return this.faults.pending(userCode, step);
  }

  clearFaults(): void {
    this.faults.clear();
  }

  /** The OTP "delivered" to the agent's mobile for the latest unverified Send OTP. */
  currentOtp(userCode: string): string | undefined {
    return this.registry.get(userCode)?.sent?.otp;
  }

  ledger(): EkoLedgerEntry[] {
    return this.entries.map((e) => ({ ...e }));
  }

  resetLedger(): void {
    this.entries.length = 0;
  }

  /** fastify's inject, for tests that need a remote address or raw request the loopback socket cannot give. */
  inject(options: InjectOptions) {
    return this.app.inject(options);
  }

  async stop(): Promise<void> {
    for (const socket of this.hanging) socket.destroy();
    this.hanging.clear();
    await this.app.close();
  }

  private routes(): void {
    const app = this.app;
    // Bodies arrive as text so the content type and JSON are judged here, as Eko answers them.
    app.removeAllContentTypeParsers();
    app.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => done(null, body));
    app.setNotFoundHandler((_req, reply) => reply.code(404).send({ message: 'No mapping rule matched' }));

    for (const shape of SIM_SHAPES[this.contract]) {
      app.route({
        method: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'],
        url: `${SIM_PATH_PREFIX}${shape.path}`,
        handler: (request, reply) => this.ekycCall(shape, request, reply),
      });
    }
    app.register(
      async (test) => {
        test.addHook('onRequest', async (request, reply) => {
          if (!isLoopbackAddress(request.socket.remoteAddress)) {
            await reply.code(403).send({ error: 'the /__sim/ endpoints answer loopback clients only' });
          } else if (!isLoopbackHost(request.headers.host)) {
            // A browser page of another site, rebound to 127.0.0.1, must not read the OTPs.
            await reply
              .code(403)
              .send({ error: 'the /__sim/ endpoints answer Host: localhost, 127.0.0.1 or [::1] only' });
          }
        });
        this.testRoutes(test);
      },
      { prefix: '/__sim' },
    );
  }

  private testRoutes(test: FastifyInstance): void {
    const bad = (reply: FastifyReply, err: unknown) => reply.code(400).send({ error: (err as Error).message });
    test.get('/info', async () => ({
      baseUrl: this.baseUrl,
      publicKey: this.publicKeySpkiBase64,
      contract: this.contract,
    }));
    test.get<{ Params: { userCode: string } }>('/otp/:userCode', async (request, reply) => {
      const otp = this.currentOtp(request.params.userCode);
      return otp === undefined
        ? reply.code(404).send({ error: 'no OTP pending for this agent' })
        : { userCode: request.params.userCode, otp };
    });
    test.post('/agents', async (request, reply) => {
      try {
        const body = jsonObject(request.body) as SimAgentInit | undefined;
        this.addAgent(body as SimAgentInit);
        return reply.code(201).send({ userCode: body!.userCode });
      } catch (err) {
        return bad(reply, err);
      }
    });
    test.get<{ Params: { userCode: string } }>('/agents/:userCode', async (request, reply) => {
      const state = this.agentState(request.params.userCode);
      return state ?? reply.code(404).send({ error: 'no such agent' });
    });
    test.post('/faults', async (request, reply) => {
      try {
        const body = jsonObject(request.body) ?? {};
        if (!/^\d{8}$/.test(String(body.userCode))) throw new TypeError('userCode must be 8 digits');
        this.injectFault(String(body.userCode), body.step as EkoStep, body.fault as EkoFault);
        return reply.code(201).send({ pending: this.pendingFaults(String(body.userCode), body.step as EkoStep) });
      } catch (err) {
        return bad(reply, err);
      }
    });
    test.patch<{ Params: { userCode: string } }>('/agents/:userCode', async (request, reply) => {
      try {
        const body = (jsonObject(request.body) ?? {}) as SimAgentFlags;
        const flags: SimAgentFlags = {};
        for (const k of ['onboarded', 'activated', 'rekycRequired'] as const) {
          if (body[k] !== undefined && typeof body[k] !== 'boolean') throw new TypeError(`${k} must be a boolean`);
          if (body[k] !== undefined) flags[k] = body[k];
        }
        this.updateAgent(request.params.userCode, flags);
        return this.agentState(request.params.userCode);
      } catch (err) {
        return bad(reply, err);
      }
    });
    test.get('/clock', async () => ({ now: new Date(this.now()).toISOString() }));
    test.post('/clock', async (request, reply) => {
      try {
        const body = jsonObject(request.body) ?? {};
        if (typeof body.advanceMs === 'number') this.advanceClock(body.advanceMs);
        else if (typeof body.now === 'string' && !Number.isNaN(Date.parse(body.now)))
          this.setClock(Date.parse(body.now));
        else throw new TypeError('give { "now": "<ISO instant>" } or { "advanceMs": <ms> }');
        return { now: new Date(this.now()).toISOString() };
      } catch (err) {
        return bad(reply, err);
      }
    });
    test.get('/ledger', async () => ({ entries: this.ledger() }));
    test.delete('/ledger', async (_request, reply) => {
      this.resetLedger();
      return reply.code(204).send();
    });
  }

  /** 403 unless developer_key is ours and secret-key signs a timestamp within five minutes of now. */
  private authentic(request: FastifyRequest): boolean {
    const developerKey = header(request, 'developer_key');
    const signature = header(request, 'secret-key');
    const timestamp = header(request, 'secret-key-timestamp');
    if (!developerKey || !signature || !timestamp || !/^\d{1,16}$/.test(timestamp)) return false;
    if (!sameText(developerKey, this.options.developerKey)) return false;
    if (Math.abs(Date.now() - Number(timestamp)) > TIMESTAMP_TOLERANCE_MS) return false;
    const encodedKey = Buffer.from(this.options.accessKey, 'utf8').toString('base64');
    const expected = createHmac('sha256', encodedKey).update(timestamp).digest('base64');
    return sameText(signature, expected);
  }

  private record(entry: Omit<EkoLedgerEntry, 'at'>): void {
    this.entries.push({ ...entry, at: new Date(this.now()).toISOString() });
    this.options.logger?.info({ ...entry }, 'eko sim call');
  }

  private async ekycCall(shape: SimStepShape, request: FastifyRequest, reply: FastifyReply): Promise<unknown> {
    const body = jsonObject(request.body);
    const who = { step: shape.step, userCode: idOf(body?.user_code), clientRefId: idOf(body?.client_ref_id) };
    const answer = async (a: SimAnswer, fault: EkoFaultKind | null = null) => {
      this.record({ ...who, code: a.code, httpStatus: a.httpStatus, fault });
      return reply
        .code(a.httpStatus)
        .headers(a.headers ?? {})
        .send(a.body);
    };
    const plain = (httpStatus: number, message: string): SimAnswer => ({
      httpStatus,
      code: `http${httpStatus}`,
      body: { message },
    });

    if (request.method !== shape.method) {
      reply.header('allow', shape.method);
      return answer(plain(405, 'Method Not Allowed'));
    }
    if (!/^application\/json\s*(;|$)/i.test(header(request, 'content-type') ?? '')) {
      return answer(plain(415, 'Unsupported Media Type'));
    }
    if (!this.authentic(request)) return answer(plain(403, 'Forbidden'));
    if (!body) return answer(plain(400, 'Malformed JSON body'));

    if (this.options.latencyMs) await delay(this.options.latencyMs);
    const fault = this.faults.take(who.userCode ?? undefined, shape.step);
    if (fault) {
      switch (fault.kind) {
        case 'latency':
          await delay(fault.ms);
          break;
        case 'http429':
          return answer(
            {
              httpStatus: 429,
              code: 'http429',
              body: { message: 'Too Many Requests' },
              headers: { 'retry-after': String(fault.retryAfterSeconds ?? 1) },
            },
            fault.kind,
          );
        case 'http500':
          return answer(plain(500, 'Internal Server Error'), fault.kind);
        case 'http502':
        case 'http503':
        case 'http504': {
          // Gateways answer in HTML: the client must cope with a body that is not JSON.
          const status = Number(fault.kind.slice(4));
          this.record({ ...who, code: fault.kind, httpStatus: status, fault: fault.kind });
          return reply.code(status).type('text/html').send(`<html><body><h1>${status}</h1></body></html>`);
        }
        case 'hang':
          return this.hang(request, reply, who);
        case 'reset':
          this.record({ ...who, code: 'reset', httpStatus: null, fault: fault.kind });
          reply.hijack();
          request.raw.socket.resetAndDestroy();
          return;
        case 'lostResponse': {
          // Eko did the work; the network lost its answer. The retry then meets Eko's new state.
          const processed = this.handle(shape, body);
          this.record({ ...who, code: processed.code, httpStatus: processed.httpStatus, fault: fault.kind });
          reply.hijack();
          request.raw.socket.resetAndDestroy();
          return;
        }
        case 'busy':
          return answer(ANSWERS.busy(), fault.kind);
        case 'notAllowed':
          return answer(ANSWERS.notAllowed(), fault.kind);
      }
    }
    return answer(this.handle(shape, body), fault?.kind ?? null);
  }

  private hang(
    request: FastifyRequest,
    reply: FastifyReply,
    who: Pick<EkoLedgerEntry, 'step' | 'userCode' | 'clientRefId'>,
  ): void {
    this.record({ ...who, code: 'hang', httpStatus: null, fault: 'hang' });
    reply.hijack();
    const socket = request.raw.socket;
    this.hanging.add(socket);
    const timer = setTimeout(() => socket.destroy(), HANG_MAX_MS);
    timer.unref();
    socket.once('close', () => {
      clearTimeout(timer);
      this.hanging.delete(socket);
    });
  }
}
