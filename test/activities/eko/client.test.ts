// The Eko client against the simulator: every fault, with the simulator's ledger counting the calls. The client
// makes one attempt per call (Temporal retries); `attemptUntilSettled` plays Temporal's part, same client_ref_id.
import { getEventListeners } from 'node:events';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { EKO_ERROR } from '../../../common/eko-steps.js';
import { EkoClient, EkoError } from '../../../activities/eko/client.js';
import type { EkoFailure } from '../../../activities/eko/classify.js';
import type { EkoSimulator } from '../../../sim/eko-sim.js';
import type { EkoFault } from '../../../sim/eko-faults.js';
import {
  LATLONG,
  badChecksumAadhaar,
  clientRefId,
  ekoConfigFor,
  newAgent,
  pidData,
  startSim,
  type Agent,
} from '../../sim/eko-fixtures.js';

async function attemptUntilSettled<T>(call: () => Promise<T>, maxAttempts = 6) {
  const failures: EkoFailure[] = [];
  for (let i = 0; i < maxAttempts; i++) {
    try {
      return { value: await call(), failures };
    } catch (err) {
      if (!(err instanceof EkoError)) throw err;
      failures.push(err.failure);
      if (!err.failure.retryable) return { value: undefined, failures };
    }
  }
  return { value: undefined, failures };
}

function failureOf(promise: Promise<unknown>): Promise<EkoFailure> {
  return promise.then(
    () => {
      throw new Error('expected the call to fail');
    },
    (err) => {
      if (!(err instanceof EkoError)) throw err;
      return err.failure;
    },
  );
}

const stepInput = (a: Agent, ref = clientRefId()) => ({
  userCode: a.userCode,
  customerId: a.customerId,
  aadhaar: a.aadhaar,
  latlong: LATLONG,
  clientRefId: ref,
});

describe('Eko client against the simulator (v3)', () => {
  let sim: EkoSimulator;
  let client: EkoClient;
  beforeAll(async () => {
    sim = await startSim();
    client = new EkoClient(ekoConfigFor(sim, { timeoutMs: 1_500 }));
  });
  afterAll(() => sim.stop());
  beforeEach(() => sim.resetLedger());

  it('runs Send OTP → Verify OTP → Biometric, carrying the latest pair forward', async () => {
    const a = newAgent(sim);
    const sent = await client.sendOtp(stepInput(a));
    expect(sent.otpRefId).toMatch(/^\d+$/);
    expect(sent.referenceTid).toMatch(/^EKYKF/);
    const verified = await client.verifyOtp({ ...stepInput(a), ...sent, otp: sim.currentOtp(a.userCode)! });
    expect(verified.otpRefId).not.toBe(sent.otpRefId);
    expect(verified.referenceTid).not.toBe(sent.referenceTid);
    const done = await client.submitBiometric({ ...stepInput(a), ...verified, bankCode: 'HDFC', pidData: pidData() });
    expect(done).toEqual({ userCode: a.userCode });
    expect(sim.ledger().map((e) => [e.step, e.code])).toEqual([
      ['sendOtp', '0'],
      ['verifyOtp', '0'],
      ['biometric', '0'],
    ]);
    expect(sim.agentState(a.userCode)?.ekycCompletedAt).not.toBeNull();
  });

  const transient: [string, EkoFault, string][] = [
    ['HTTP 500', { kind: 'http500' }, EKO_ERROR.Unavailable],
    ['HTTP 502 (HTML body)', { kind: 'http502' }, EKO_ERROR.Unavailable],
    ['HTTP 503 (HTML body)', { kind: 'http503' }, EKO_ERROR.Unavailable],
    ['HTTP 504 (HTML body)', { kind: 'http504' }, EKO_ERROR.Unavailable],
    ['HTTP 429', { kind: 'http429', retryAfterSeconds: 2 }, EKO_ERROR.RateLimited],
    ['a connection reset', { kind: 'reset' }, EKO_ERROR.NetworkError],
    ['a hang past the client timeout', { kind: 'hang' }, EKO_ERROR.Timeout],
    ['Eko busy (-2)', { kind: 'busy' }, EKO_ERROR.Busy],
  ];
  for (const [name, fault, type] of transient) {
    it(`retries ${name} as ${type}: two calls with the same client_ref_id, then success`, async () => {
      const a = newAgent(sim);
      sim.injectFault(a.userCode, 'sendOtp', fault);
      const input = stepInput(a);
      const { value, failures } = await attemptUntilSettled(() => client.sendOtp(input));
      expect(failures.map((f) => [f.type, f.retryable])).toEqual([[type, true]]);
      expect(value?.otpRefId).toBeDefined();
      const ledger = sim.ledger();
      expect(ledger.map((e) => e.clientRefId)).toEqual([input.clientRefId, input.clientRefId]);
      expect(ledger.map((e) => e.fault)).toEqual([fault.kind, null]);
      expect(ledger[1].code).toBe('0');
    });
  }

  it('passes Retry-After of a 429 on as retryAfterMs', async () => {
    const a = newAgent(sim);
    sim.injectFault(a.userCode, 'sendOtp', { kind: 'http429', retryAfterSeconds: 4 });
    const failure = await failureOf(client.sendOtp(stepInput(a)));
    expect(failure.retryAfterMs).toBe(4000);
    expect(failure.details.httpStatus).toBe(429);
  });

  it('says how long it waited when Eko hangs', async () => {
    const a = newAgent(sim);
    sim.injectFault(a.userCode, 'sendOtp', { kind: 'hang' });
    const failure = await failureOf(client.sendOtp(stepInput(a)));
    expect(failure.message).toBe('Eko did not answer within 1500 ms');
    expect(sim.ledger().map((e) => e.code)).toEqual(['hang']);
  });

  it('does not retry 346 (agent not allowed): one call', async () => {
    const a = newAgent(sim);
    sim.injectFault(a.userCode, 'sendOtp', { kind: 'notAllowed' });
    const { value, failures } = await attemptUntilSettled(() => client.sendOtp(stepInput(a)));
    expect(value).toBeUndefined();
    expect(failures.map((f) => [f.type, f.retryable])).toEqual([[EKO_ERROR.AgentNotAllowed, false]]);
    expect(failures[0].message).toBe('Eko 346: Agent not allowed to this transaction');
    expect(sim.ledger()).toHaveLength(1);
  });

  it('answers after added latency, in one call', async () => {
    const a = newAgent(sim);
    sim.injectFault(a.userCode, 'sendOtp', { kind: 'latency', ms: 300 });
    const started = Date.now();
    await client.sendOtp(stepInput(a));
    expect(Date.now() - started).toBeGreaterThanOrEqual(300);
    expect(sim.ledger().map((e) => [e.code, e.fault])).toEqual([['0', 'latency']]);
  });

  it('times out when the added latency outlasts its timeout', async () => {
    const a = newAgent(sim);
    sim.injectFault(a.userCode, 'sendOtp', { kind: 'latency', ms: 3_000 });
    const failure = await failureOf(client.sendOtp(stepInput(a)));
    expect([failure.type, failure.retryable]).toEqual([EKO_ERROR.Timeout, true]);
  });

  it('consumes a fault `times` times, in order, then answers normally: 3 + 1 calls', async () => {
    const a = newAgent(sim);
    sim.injectFault(a.userCode, 'sendOtp', { kind: 'http503', times: 2 });
    sim.injectFault(a.userCode, 'sendOtp', { kind: 'busy' });
    const input = stepInput(a);
    const { value, failures } = await attemptUntilSettled(() => client.sendOtp(input));
    expect(failures.map((f) => f.type)).toEqual([EKO_ERROR.Unavailable, EKO_ERROR.Unavailable, EKO_ERROR.Busy]);
    expect(value).toBeDefined();
    expect(sim.ledger().map((e) => e.code)).toEqual(['http503', 'http503', '-2', '0']);
    expect(new Set(sim.ledger().map((e) => e.clientRefId))).toEqual(new Set([input.clientRefId]));
  });

  it('scopes faults to the agent and step they were injected for', async () => {
    const a = newAgent(sim);
    const other = newAgent(sim);
    sim.injectFault(a.userCode, 'verifyOtp', { kind: 'http500' });
    await client.sendOtp(stepInput(a));
    await client.sendOtp(stepInput(other));
    expect(sim.ledger().map((e) => e.code)).toEqual(['0', '0']);
    expect(sim.pendingFaults(a.userCode, 'verifyOtp')).toBe(1);
  });

  it('verifies with the same OTP after a faulted attempt: a fault changes no state', async () => {
    const a = newAgent(sim);
    const sent = await client.sendOtp(stepInput(a));
    sim.injectFault(a.userCode, 'verifyOtp', { kind: 'reset' });
    const input = { ...stepInput(a), ...sent, otp: sim.currentOtp(a.userCode)! };
    const { value, failures } = await attemptUntilSettled(() => client.verifyOtp(input));
    expect(failures.map((f) => f.type)).toEqual([EKO_ERROR.NetworkError]);
    // Told apart from other network errors through the error's cause chain (ky wraps it in its NetworkError).
    expect(failures[0].message).toMatch(/connection reset/);
    expect(value?.otpRefId).toBeDefined();
  });

  it('faults the Biometric step too, and retries it to 1605', async () => {
    const a = newAgent(sim);
    const sent = await client.sendOtp(stepInput(a));
    const verified = await client.verifyOtp({ ...stepInput(a), ...sent, otp: sim.currentOtp(a.userCode)! });
    sim.injectFault(a.userCode, 'biometric', { kind: 'http503' });
    const input = { ...stepInput(a), ...verified, bankCode: 'HDFC', pidData: pidData() };
    const { value, failures } = await attemptUntilSettled(() => client.submitBiometric(input));
    expect(failures.map((f) => f.type)).toEqual([EKO_ERROR.Unavailable]);
    expect(value).toEqual({ userCode: a.userCode });
    expect(
      sim
        .ledger()
        .filter((e) => e.step === 'biometric')
        .map((e) => e.code),
    ).toEqual(['http503', '0']);
  });

  it('gets EkoOtpRejected for a wrong OTP, with Eko’s reason and no request field', async () => {
    const a = newAgent(sim);
    const sent = await client.sendOtp(stepInput(a));
    const right = sim.currentOtp(a.userCode)!;
    const wrong = right === '000000' ? '111111' : '000000';
    const failure = await failureOf(client.verifyOtp({ ...stepInput(a), ...sent, otp: wrong }));
    expect([failure.type, failure.retryable]).toEqual([EKO_ERROR.OtpRejected, false]);
    expect(failure.details.reason).toBe(
      'The details entered are incorrect or the OTP has expired. Kindly request a new OTP.',
    );
    const text = JSON.stringify(failure);
    for (const secret of [wrong, a.aadhaar, a.customerId]) expect(text.includes(secret)).toBe(false);
  });

  it('gets EkoDetailsRejected for Biometric without a verified pair', async () => {
    const a = newAgent(sim);
    const sent = await client.sendOtp(stepInput(a));
    const failure = await failureOf(
      client.submitBiometric({ ...stepInput(a), ...sent, bankCode: 'HDFC', pidData: pidData() }),
    );
    expect(failure.type).toBe(EKO_ERROR.DetailsRejected);
  });

  it('gets EkoBiometricRejected for a poor capture, and may try again with the same pair', async () => {
    const a = newAgent(sim);
    const sent = await client.sendOtp(stepInput(a));
    const verified = await client.verifyOtp({ ...stepInput(a), ...sent, otp: sim.currentOtp(a.userCode)! });
    const bio = { ...stepInput(a), ...verified, bankCode: 'HDFC' };
    const failure = await failureOf(client.submitBiometric({ ...bio, pidData: pidData({ qScore: 20 }) }));
    expect([failure.type, failure.retryable]).toEqual([EKO_ERROR.BiometricRejected, false]);
    await expect(client.submitBiometric({ ...bio, clientRefId: clientRefId(), pidData: pidData() })).resolves.toEqual({
      userCode: a.userCode,
    });
  });

  it('gets EkoInvalidRequest naming piddata for a PidData without fType 2', async () => {
    const a = newAgent(sim);
    const sent = await client.sendOtp(stepInput(a));
    const verified = await client.verifyOtp({ ...stepInput(a), ...sent, otp: sim.currentOtp(a.userCode)! });
    const failure = await failureOf(
      client.submitBiometric({ ...stepInput(a), ...verified, bankCode: 'HDFC', pidData: pidData({ fType: '0' }) }),
    );
    expect(failure.type).toBe(EKO_ERROR.InvalidRequest);
    expect(failure.details.invalidFields).toEqual(['piddata']);
  });

  it('gets EkoAgentNotAllowed for an agent whose AePS Fingpay is not activated', async () => {
    const a = newAgent(sim, { activated: false });
    expect((await failureOf(client.sendOtp(stepInput(a)))).type).toBe(EKO_ERROR.AgentNotAllowed);
  });

  it('gets EkoAgentNotAllowed (1297) for an agent not onboarded', async () => {
    const a = newAgent(sim, { onboarded: false });
    const failure = await failureOf(client.sendOtp(stepInput(a)));
    expect([failure.type, failure.details.status]).toEqual([EKO_ERROR.AgentNotAllowed, 1297]);
  });

  it('gets EkoUnknownAgent for a user code Eko does not know', async () => {
    const a = newAgent();
    expect((await failureOf(client.sendOtp(stepInput(a)))).type).toBe(EKO_ERROR.UnknownAgent);
  });

  it('gets EkoDetailsRejected when the mobile is not the agent’s', async () => {
    const a = newAgent(sim);
    const other = newAgent();
    const failure = await failureOf(client.sendOtp({ ...stepInput(a), customerId: other.customerId }));
    expect(failure.type).toBe(EKO_ERROR.DetailsRejected);
  });

  it('gets EkoAuthRejected with a wrong access key', async () => {
    const wrongKey = new EkoClient(ekoConfigFor(sim, { accessKey: 'not-the-key' }));
    const failure = await failureOf(wrongKey.sendOtp(stepInput(newAgent(sim))));
    expect([failure.type, failure.retryable, failure.details.httpStatus]).toEqual([EKO_ERROR.AuthRejected, false, 403]);
  });

  it('signs with its own clock: a clock six minutes slow is refused with 403', async () => {
    const slow = new EkoClient(ekoConfigFor(sim), { now: () => Date.now() - 6 * 60_000 });
    expect((await failureOf(slow.sendOtp(stepInput(newAgent(sim))))).type).toBe(EKO_ERROR.AuthRejected);
  });

  it('gets EkoMisconfigured for a base URL without the version segment (404)', async () => {
    const wrongUrl = new EkoClient(ekoConfigFor(sim, { baseUrl: sim.baseUrl.replace('/ekoapi/v3', '/ekoapi') }));
    const failure = await failureOf(wrongUrl.sendOtp(stepInput(newAgent(sim))));
    expect([failure.type, failure.details.httpStatus]).toEqual([EKO_ERROR.Misconfigured, 404]);
  });

  it('gets EkoInvalidRequest naming the Aadhaar field when Eko cannot decrypt it (wrong public key)', async () => {
    const other = await startSim();
    try {
      const wrongKey = new EkoClient(ekoConfigFor(sim, { aadhaarPublicKey: ekoConfigFor(other).aadhaarPublicKey }));
      const failure = await failureOf(wrongKey.sendOtp(stepInput(newAgent(sim))));
      expect([failure.type, failure.details.invalidFields]).toEqual([EKO_ERROR.InvalidRequest, ['aadhar']]);
    } finally {
      await other.stop();
    }
  });

  it('refuses an Aadhaar number with a bad check digit before any call', async () => {
    const a = newAgent(sim);
    const failure = await failureOf(client.sendOtp({ ...stepInput(a), aadhaar: badChecksumAadhaar() }));
    expect([failure.type, failure.retryable, failure.details.invalidFields]).toEqual([
      EKO_ERROR.InvalidRequest,
      false,
      ['aadhaar'],
    ]);
    expect(failure.message).toBe('Not sent to Eko: aadhaar must end in a valid Verhoeff check digit');
    expect(sim.ledger()).toHaveLength(0);
  });

  it('refuses a client_ref_id over 20 characters before any call', async () => {
    const failure = await failureOf(client.sendOtp({ ...stepInput(newAgent(sim)), clientRefId: 'x'.repeat(21) }));
    expect(failure.details.invalidFields).toEqual(['client_ref_id']);
    expect(sim.ledger()).toHaveLength(0);
  });

  it('rejects with the caller’s abort, calling nobody, when its signal is aborted already', async () => {
    const controller = new AbortController();
    controller.abort(new Error('activity cancelled'));
    const err = await client.sendOtp(stepInput(newAgent(sim)), { signal: controller.signal }).catch((e: unknown) => e);
    expect(err).not.toBeInstanceOf(EkoError);
    expect(sim.ledger()).toEqual([]);
  });

  it('leaves no listener on the caller’s signal once a call has settled', async () => {
    const controller = new AbortController();
    await client.sendOtp(stepInput(newAgent(sim)), { signal: controller.signal });
    const failing = newAgent(sim);
    sim.injectFault(failing.userCode, 'sendOtp', { kind: 'http503' });
    expect((await failureOf(client.sendOtp(stepInput(failing), { signal: controller.signal }))).type).toBe(
      EKO_ERROR.Unavailable,
    );
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });

  it('gets EkoNetworkError when nothing listens', async () => {
    const closed = await startSim();
    const url = closed.baseUrl;
    await closed.stop();
    const nowhere = new EkoClient(ekoConfigFor(sim, { baseUrl: url }));
    const failure = await failureOf(nowhere.sendOtp(stepInput(newAgent(sim))));
    expect([failure.type, failure.retryable]).toEqual([EKO_ERROR.NetworkError, true]);
  });
});

describe('Eko client against the simulator (eps-2026-06)', () => {
  let sim: EkoSimulator;
  let client: EkoClient;
  beforeAll(async () => {
    sim = await startSim({ contract: 'eps-2026-06' });
    client = new EkoClient(ekoConfigFor(sim));
  });
  afterAll(() => sim.stop());

  it('runs the early pages’ flow: mobile_hint and no reference_tid from Send OTP, 1604, then 1388', async () => {
    const a = newAgent(sim);
    const sent = await client.sendOtp(stepInput(a));
    expect(sent).toEqual({
      otpRefId: expect.any(String),
      referenceTid: null,
      mobileHint: `******${a.customerId.slice(-4)}`,
    });
    const verified = await client.verifyOtp({ ...stepInput(a), ...sent, otp: sim.currentOtp(a.userCode)! });
    const done = await client.submitBiometric({ ...stepInput(a), ...verified, bankCode: 'HDFC', pidData: pidData() });
    expect(done).toEqual({ userCode: a.userCode });
    expect(sim.agentState(a.userCode)?.ekycCompletedAt).not.toBeNull();
  });

  it('is refused by a v3 simulator: the early Send OTP path does not exist there', async () => {
    const v3 = await startSim();
    try {
      const eps = new EkoClient(ekoConfigFor(v3, { contract: 'eps-2026-06' }));
      expect((await failureOf(eps.sendOtp(stepInput(newAgent(v3))))).type).toBe(EKO_ERROR.Misconfigured);
    } finally {
      await v3.stop();
    }
  });
});

describe('Eko client: tolerant parsing', () => {
  it('takes otp_ref_id sent as a JSON number and sends it back as a string', async () => {
    const sim = await startSim({ numericOtpRefId: true });
    try {
      const client = new EkoClient(ekoConfigFor(sim));
      const a = newAgent(sim);
      const sent = await client.sendOtp(stepInput(a));
      expect(typeof sent.otpRefId).toBe('string');
      const verified = await client.verifyOtp({ ...stepInput(a), ...sent, otp: sim.currentOtp(a.userCode)! });
      expect(verified.otpRefId).toMatch(/^\d+$/);
    } finally {
      await sim.stop();
    }
  });
});

describe('Eko client: a body that stalls after the headers', () => {
  it('times out within EKO_TIMEOUT_MS instead of waiting for the rest', async () => {
    const open: ServerResponse[] = [];
    const server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"status":0,');
      open.push(res);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const sim = await startSim();
    try {
      const { port } = server.address() as AddressInfo;
      const client = new EkoClient(
        ekoConfigFor(sim, { baseUrl: `http://127.0.0.1:${port}/ekoapi/v3`, timeoutMs: 500 }),
      );
      const failure = await failureOf(client.sendOtp(stepInput(newAgent())));
      expect([failure.type, failure.retryable]).toEqual([EKO_ERROR.Timeout, true]);
    } finally {
      for (const res of open) res.destroy();
      await new Promise((resolve) => server.close(resolve));
      await sim.stop();
    }
  });
});
