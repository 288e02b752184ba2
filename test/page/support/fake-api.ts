// A tiny in-memory stand-in for the eKYC HTTP API, for page tests that need a stage on demand (reload, expiry,
// an expired token) without Temporal and Eko. It serves api/public like the real API and answers the /v1 routes
// with the real API's shapes (problem+json, outcome fields at the top level of a 422). Test support only.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { EkycStatus, Stage } from '../../../common/domain.js';
import { DEFAULT_POLICY, maskMobile } from '../../../common/domain.js';
import {
  ValidationError,
  validateBiometricArg,
  validateEkycInput,
  validateOtpArg,
} from '../../../common/validation.js';
import { checkPidData } from '../../../sim/eko-pid.js';
import { isPageModule, PAGE_MODULE_TYPE, pageModuleSource } from '../../../api/page-modules.js';

const PUBLIC_DIR = fileURLToPath(new URL('../../../api/public/', import.meta.url));
const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
};

interface FakeSession {
  status: EkycStatus;
  otp: string;
}

export interface FakeApiOptions {
  resendCooldownMs?: number;
  /** How long SENDING_OTP and the other in-between stages last. */
  transitionMs?: number;
}

export class FakeApi {
  readonly sessions = new Map<string, FakeSession>();
  /** Tokens the fake refuses with 401. Any other bearer token is accepted. */
  readonly revokedTokens = new Set<string>();
  /** Every request, with the bearer token it carried (if any). */
  readonly requests: { method: string; path: string; bearer?: string }[] = [];
  /** How many of the next biometric submissions Eko "rejects" whatever the capture. */
  rejectBiometrics = 0;
  private otpCounter = 100000;

  private constructor(
    private readonly server: Server,
    readonly url: string,
    private readonly options: Required<FakeApiOptions>,
  ) {}

  static async start(options: FakeApiOptions = {}): Promise<FakeApi> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    const fake = new FakeApi(server, `http://127.0.0.1:${port}`, {
      resendCooldownMs: options.resendCooldownMs ?? 60_000,
      transitionMs: options.transitionMs ?? 300,
    });
    server.on('request', (req, res) => void fake.handle(req, res));
    return fake;
  }

  /** The OTP the fake "sent" for this session. */
  otpOf(userCode: string): string | undefined {
    return this.sessions.get(userCode)?.otp;
  }

  /** Put a session into a stage directly, e.g. to test a reload there. */
  setStage(userCode: string, stage: Stage, patch: Partial<EkycStatus> = {}): void {
    const session = this.sessions.get(userCode);
    if (!session) throw new Error(`no fake session ${userCode}`);
    Object.assign(session.status, { stage, ...patch });
  }

  stop(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private nextOtp(): string {
    this.otpCounter = ((this.otpCounter * 7 + 13) % 900000) + 100000;
    return String(this.otpCounter);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.url);
    const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    this.requests.push({ method: req.method ?? '', path: url.pathname, ...(token ? { bearer: token } : {}) });
    try {
      if (!url.pathname.startsWith('/v1/')) return await this.serveStatic(url.pathname, res);
      if (!token || this.revokedTokens.has(token)) {
        return send(res, 401, problem(401, 'UNAUTHORIZED', 'A valid bearer token is required'));
      }
      let body: unknown = undefined;
      const raw = await readBody(req);
      if (raw) body = JSON.parse(raw);
      return this.route(req.method ?? 'GET', url.pathname, body, res);
    } catch (err) {
      if (err instanceof ValidationError) {
        return send(res, 400, problem(400, 'VALIDATION', 'The request is not valid', { errors: err.errors }));
      }
      return send(res, 500, problem(500, 'INTERNAL', String(err)));
    }
  }

  private async serveStatic(path: string, res: ServerResponse): Promise<void> {
    // The shared rules, as the real API serves them (api/page-modules.ts).
    const common = /^\/common\/([a-z-]+)\.js$/.exec(path);
    if (common) {
      if (!isPageModule(common[1])) return void res.writeHead(404).end();
      return void res.writeHead(200, { 'Content-Type': PAGE_MODULE_TYPE }).end(await pageModuleSource(common[1]));
    }
    const file = normalize(join(PUBLIC_DIR, path === '/' ? 'index.html' : path));
    if (!file.startsWith(PUBLIC_DIR)) return void res.writeHead(404).end();
    try {
      const content = await readFile(file);
      res.writeHead(200, { 'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream' }).end(content);
    } catch {
      res.writeHead(404).end();
    }
  }

  private route(method: string, path: string, body: unknown, res: ServerResponse): void {
    if (method === 'POST' && path === '/v1/ekyc') return this.start(body, res);
    const m = /^\/v1\/ekyc\/([^/]+)(\/otp|\/otp\/resend|\/biometric)?$/.exec(path);
    if (!m) return send(res, 404, problem(404, 'NOT_FOUND', 'No such route'));
    const session = this.sessions.get(m[1]);
    if (!session) return send(res, 404, problem(404, 'NOT_FOUND', 'No such eKYC session'));
    const s = session.status;
    const action = `${method} ${m[2] ?? ''}`;
    if (action === 'GET ') return send(res, 200, s);
    if (action === 'DELETE ') {
      s.stage = 'CANCELLED';
      s.lastError = { code: 'CANCELLED', message: 'cancelled' };
      return send(res, 202, { workflowId: `fingpay-ekyc-${s.userCode}`, stage: s.stage });
    }
    if (action === 'POST /otp') {
      const { otp } = validateOtpArg(body);
      if (s.stage !== 'AWAITING_OTP') return send(res, 409, problem(409, 'WRONG_STAGE', 'Not possible now'));
      if (s.otpAttemptsLeft === 0) return this.refuse(res, 422, s, 'NO_OTP_ATTEMPTS_LEFT', 'no attempts left');
      if (otp !== session.otp) {
        s.otpAttemptsLeft -= 1;
        return this.refuse(res, 422, s, 'EkoOtpRejected', 'Eko did not accept the OTP', s.otpAttemptsLeft);
      }
      this.transition(s, 'VERIFYING_OTP', 'AWAITING_BIOMETRIC');
      return send(res, 200, { accepted: true, stage: s.stage });
    }
    if (action === 'POST /otp/resend') {
      if (s.stage !== 'AWAITING_OTP') return send(res, 409, problem(409, 'WRONG_STAGE', 'Not possible now'));
      if (s.resendsLeft === 0) return this.refuse(res, 422, s, 'RESEND_LIMIT_REACHED', 'no resends are left');
      const wait = Date.parse(s.resendAvailableAt ?? '') - Date.now();
      if (wait > 0) {
        res.setHeader('Retry-After', String(Math.ceil(wait / 1000)));
        return this.refuse(res, 429, s, 'RESEND_COOLDOWN', 'too soon');
      }
      session.otp = this.nextOtp();
      s.resendsLeft -= 1;
      s.otpAttemptsLeft = DEFAULT_POLICY.maxOtpAttempts;
      s.otpExpired = false;
      s.resendAvailableAt = new Date(Date.now() + this.options.resendCooldownMs).toISOString();
      return send(res, 200, { accepted: true, stage: s.stage });
    }
    if (action === 'POST /biometric') {
      const { pidData } = validateBiometricArg(body);
      if (s.stage !== 'AWAITING_BIOMETRIC') return send(res, 409, problem(409, 'WRONG_STAGE', 'Not possible now'));
      if (!checkPidData(pidData).ok || this.rejectBiometrics > 0) {
        this.rejectBiometrics = Math.max(0, this.rejectBiometrics - 1);
        s.biometricAttemptsLeft -= 1;
        const reason = 'Eko did not accept the fingerprint';
        return this.refuse(res, 422, s, 'EkoBiometricRejected', reason, s.biometricAttemptsLeft);
      }
      s.stage = 'COMPLETED';
      s.completedAt = new Date().toISOString();
      return send(res, 200, { accepted: true, stage: s.stage });
    }
    send(res, 405, problem(405, 'METHOD_NOT_ALLOWED', 'Method not allowed'));
  }

  private start(body: unknown, res: ServerResponse): void {
    const input = validateEkycInput(body);
    const existing = this.sessions.get(input.userCode);
    if (existing?.status.stage === 'COMPLETED') return send(res, 409, problem(409, 'ALREADY_COMPLETED', 'Done'));
    const workflowId = `fingpay-ekyc-${input.userCode}`;
    if (existing && !['FAILED', 'EXPIRED', 'CANCELLED'].includes(existing.status.stage)) {
      return send(res, 200, { workflowId, runId: 'fake-run', stage: existing.status.stage });
    }
    const now = Date.now();
    const status: EkycStatus = {
      stage: 'SENDING_OTP',
      userCode: input.userCode,
      otpRefId: null,
      referenceTid: null,
      mobileHint: maskMobile(input.customerId),
      otpAttemptsLeft: DEFAULT_POLICY.maxOtpAttempts,
      otpExpired: false,
      otpExpiresAt: new Date(now + 600_000).toISOString(),
      resendsLeft: DEFAULT_POLICY.maxResends,
      resendAvailableAt: new Date(now + this.options.resendCooldownMs).toISOString(),
      biometricAttemptsLeft: DEFAULT_POLICY.maxBiometricAttempts,
      lastError: null,
      ignoredSignals: [],
      startedAt: new Date(now).toISOString(),
      deadline: new Date(now + 86_400_000).toISOString(),
      completedAt: null,
      policy: DEFAULT_POLICY,
    };
    this.sessions.set(input.userCode, { status, otp: this.nextOtp() });
    this.transition(status, 'SENDING_OTP', 'AWAITING_OTP');
    send(res, 201, { workflowId, runId: 'fake-run', stage: status.stage });
  }

  private transition(s: EkycStatus, through: Stage, to: Stage): void {
    s.stage = through;
    setTimeout(() => {
      if (s.stage === through) s.stage = to;
    }, this.options.transitionMs).unref();
  }

  private refuse(res: ServerResponse, http: number, s: EkycStatus, code: string, reason: string, left?: number): void {
    send(
      res,
      http,
      problem(http, code, 'Not accepted', {
        detail: reason,
        accepted: false,
        stage: s.stage,
        code,
        reason,
        attemptsLeft: left,
      }),
    );
  }
}

function problem(status: number, code: string, title: string, extra: Record<string, unknown> = {}) {
  return { type: `urn:fake:${code}`, title, status, code, ...extra };
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const isProblem = status >= 400;
  res
    .writeHead(status, { 'Content-Type': isProblem ? 'application/problem+json' : 'application/json' })
    .end(JSON.stringify(body));
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let data = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (data += c));
    req.on('end', () => resolve(data));
    req.on('error', reject);
  });
}
