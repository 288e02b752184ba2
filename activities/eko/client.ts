// The Eko HTTP client: one attempt per call. Temporal owns retries, so ky's are off; every attempt gets a fresh
// signature and a freshly encrypted Aadhaar, and every answer (any status) goes through the classification table.
import ky, { type Options } from 'ky';
import { answerText, ekoFetch, type EkoFetchOptions } from './transport.js';
import type { EkoConfig } from '../../config/index.js';
import type {
  BiometricInput,
  BiometricOutput,
  DailyKycInput,
  DailyKycOutput,
  EkoStep,
  SendOtpInput,
  SendOtpOutput,
  VerifyOtpInput,
  VerifyOtpOutput,
} from '../../common/eko-steps.js';
import { encryptAadhaar } from './aadhaar-crypto.js';
import { signRequest } from './signing.js';
import { CONTRACTS, quoteNumericIds, type EkoContract, type RequestCommon, type StepRequest } from './contract.js';
import { classify, localInvalidRequest, type EkoExchange, type EkoFailure } from './classify.js';

/** A classified failure of one Eko call. The message carries Eko's code and message only. */
export class EkoError extends Error {
  constructor(readonly failure: EkoFailure) {
    super(failure.message);
    this.name = 'EkoError';
  }
}

export interface EkoClientOptions {
  /** For tests: the clock that stamps `secret-key-timestamp`. */
  now?: () => number;
}

export interface CallOptions {
  /** Aborts the request (activity cancellation). An abort is rethrown as is, never classified. */
  signal?: AbortSignal;
}

const CLIENT_REF_ID = /^[A-Za-z0-9_-]{1,20}$/;

export class EkoClient {
  readonly contract: EkoContract;
  private readonly now: () => number;

  constructor(
    private readonly config: EkoConfig,
    options: EkoClientOptions = {},
  ) {
    this.contract = CONTRACTS[config.contract];
    this.now = options.now ?? Date.now;
  }

  sendOtp(input: SendOtpInput, options: CallOptions = {}): Promise<SendOtpOutput> {
    return this.call(
      'sendOtp',
      input,
      (common) => this.contract.sendOtp(input, common),
      this.contract.parseSendOtp,
      options,
    );
  }

  verifyOtp(input: VerifyOtpInput, options: CallOptions = {}): Promise<VerifyOtpOutput> {
    return this.call(
      'verifyOtp',
      input,
      (common) => this.contract.verifyOtp(input, common),
      this.contract.parseVerifyOtp,
      options,
    );
  }

  submitBiometric(input: BiometricInput, options: CallOptions = {}): Promise<BiometricOutput> {
    return this.call(
      'biometric',
      input,
      (common) => this.contract.biometric(input, common),
      (data) => this.contract.parseBiometric(data, input),
      options,
    );
  }

  /** Daily KYC (API.md §5): the Aadhaar is RSA-encrypted and the request signed exactly as for the eKYC steps. */
  submitDailyKyc(input: DailyKycInput, options: CallOptions = {}): Promise<DailyKycOutput> {
    return this.call(
      'dailyKyc',
      input,
      (common) => this.contract.dailyKyc(input, common),
      (data) => this.contract.parseDailyKyc(data, input),
      options,
    );
  }

  private async call<T>(
    step: EkoStep,
    input: { aadhaar: string; clientRefId: string },
    build: (common: RequestCommon) => StepRequest,
    parse: (data: unknown) => T | undefined,
    options: CallOptions,
  ): Promise<T> {
    if (typeof input.clientRefId !== 'string' || !CLIENT_REF_ID.test(input.clientRefId)) {
      throw new EkoError(localInvalidRequest(step, ['client_ref_id'], 'must be 1-20 letters, digits, "_" or "-"'));
    }
    let encryptedAadhaar: string;
    try {
      encryptedAadhaar = encryptAadhaar(input.aadhaar, this.config.aadhaarPublicKey);
    } catch (err) {
      // encryptAadhaar's message names the rule, never the number.
      throw new EkoError(localInvalidRequest(step, ['aadhaar'], (err as Error).message.replace(/^aadhaar: /, '')));
    }
    const request = build({ initiatorId: this.config.initiatorId, encryptedAadhaar });
    const exchange = await this.send(request, options.signal);
    const result = classify(exchange, step, this.contract.successTypeId[step], parse, this.now());
    if (!result.ok) throw new EkoError(result.failure);
    return result.value;
  }

  private async send(request: StepRequest, signal: AbortSignal | undefined): Promise<EkoExchange> {
    const headers = signRequest(this.config.developerKey, this.config.accessKey, this.now());
    // One deadline bounds the whole exchange, headers and body, and the activity's cancellation ends it too: one
    // controller and one timer. ky's own timeout is off: it only repeated the deadline (a second timer and
    // AbortController per call, ~0.3 ms of CPU), and AbortSignal.timeout + AbortSignal.any cost more than this
    // (docs/PERFORMANCE.md).
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort(new DOMException('the Eko call timed out', 'TimeoutError'));
    }, this.config.timeoutMs);
    const cancel = () => controller.abort(signal!.reason);
    if (signal?.aborted) cancel();
    else signal?.addEventListener('abort', cancel, { once: true });
    // Serialised once: ky sends it as the body, the transport takes the same text without reading it back.
    const body = JSON.stringify(request.body);
    try {
      const response = await ky(`${this.config.baseUrl}${request.path}`, {
        method: request.method,
        body,
        ekoBody: body,
        headers: { 'content-type': 'application/json', ...headers },
        timeout: false,
        retry: 0,
        throwHttpErrors: false,
        signal: controller.signal,
        fetch: ekoFetch as typeof fetch,
      } as Options & EkoFetchOptions);
      const text = await answerText(response);
      let parsed: unknown;
      try {
        parsed = text ? JSON.parse(quoteNumericIds(text)) : undefined;
      } catch {
        parsed = undefined;
      }
      return {
        kind: 'http',
        httpStatus: response.status,
        retryAfter: response.headers.get('retry-after'),
        body: parsed,
      };
    } catch (err) {
      if (signal?.aborted) throw err;
      if (timedOut) {
        return { kind: 'network', error: 'timeout', timeoutMs: this.config.timeoutMs };
      }
      return { kind: 'network', error: isReset(err) ? 'reset' : 'other' };
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', cancel);
    }
  }
}

// ky 2 wraps a failed fetch in its NetworkError: the socket error is a few causes down.
function isReset(err: unknown): boolean {
  for (let e = err as { code?: string; cause?: unknown } | undefined, i = 0; e && i < 5; e = e.cause as typeof e, i++) {
    if (e.code === 'ECONNRESET' || e.code === 'UND_ERR_SOCKET' || e.code === 'EPIPE') return true;
  }
  return false;
}
