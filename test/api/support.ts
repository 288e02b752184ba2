// Helpers for the API tests: a silent logger that keeps every line it is given, and a stand-in client for tests
// that are about the HTTP layer only (authentication, limits, error mapping).
import { Writable } from 'node:stream';
import { pino, type Logger } from 'pino';
import type { EkycApiClient } from '../../api/app.js';
import type { EkycStatus, UpdateOutcome } from '../../common/domain.js';
import { DEFAULT_POLICY, workflowIdFor } from '../../common/domain.js';

/** A plain pino logger (no redaction, so a test sees exactly what the API logs) that keeps every line. */
export function capturingLogger(): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(...chunk.toString().split('\n').filter(Boolean));
      done();
    },
  });
  const logger = pino({ level: 'info' }, sink);
  return { logger, lines };
}

export function statusFor(userCode: string, patch: Partial<EkycStatus> = {}): EkycStatus {
  return {
    stage: 'AWAITING_OTP',
    userCode,
    otpRefId: '1234',
    referenceTid: 'EKYKF1',
    mobileHint: '******7890',
    otpAttemptsLeft: 3,
    otpExpired: false,
    otpExpiresAt: null,
    resendsLeft: 3,
    resendAvailableAt: null,
    biometricAttemptsLeft: 3,
    lastError: null,
    ignoredSignals: [],
    startedAt: new Date(0).toISOString(),
    deadline: new Date(86_400_000).toISOString(),
    completedAt: null,
    policy: DEFAULT_POLICY,
    ...patch,
  };
}

/** Answers every call as a session awaiting its OTP would; `calls` records the methods used. */
export function standInClient(overrides: Partial<EkycApiClient> = {}): EkycApiClient & { calls: string[] } {
  const calls: string[] = [];
  const accepted = (stage: UpdateOutcome['stage']): UpdateOutcome => ({ accepted: true, stage });
  const base: EkycApiClient = {
    startEkyc: async (input) => ({
      workflowId: workflowIdFor(input.userCode),
      runId: 'run-1',
      stage: 'SENDING_OTP',
      resumed: false,
    }),
    status: async (userCode) => statusFor(userCode),
    submitOtp: async () => accepted('AWAITING_BIOMETRIC'),
    requestOtpResend: async () => accepted('AWAITING_OTP'),
    submitBiometric: async () => accepted('COMPLETED'),
    cancel: async (userCode) => ({ workflowId: workflowIdFor(userCode), cancelRequested: true }),
    ping: async () => undefined,
    agentStatus: async () => {
      throw new Error('not used');
    },
    submitDailyAuth: async () => ({ accepted: true, state: 'AUTHENTICATED' }),
    invalidateDailyAuth: async (userCode) => ({ workflowId: `fingpay-agent-${userCode}`, invalidated: true }),
  };
  const client = { ...base, ...overrides };
  const recorded = Object.fromEntries(
    Object.entries(client).map(([name, fn]) => [
      name,
      (...args: unknown[]) => {
        calls.push(name);
        return (fn as (...a: unknown[]) => unknown)(...args);
      },
    ]),
  ) as unknown as EkycApiClient;
  return Object.assign(recorded, { calls });
}
