// Eko outcome classification: ONE table, and the only place that decides what is retried (shared/eko/API.md
// §8). Rows are tried in order; the first that matches names the failure type and whether Temporal retries.
import { EKO_ERROR, type EkoErrorType, type EkoFailureDetails, type EkoStep } from '../../common/eko-steps.js';

/** What came back from one attempt: a transport failure, or an HTTP answer with its (maybe absent) JSON body. */
export type EkoExchange =
  | { kind: 'network'; error: 'timeout' | 'reset' | 'other'; timeoutMs?: number }
  | { kind: 'http'; httpStatus: number; retryAfter?: string | null; body: unknown };

export interface EkoFailure {
  type: EkoErrorType;
  retryable: boolean;
  /** From Retry-After on a 429: Temporal's nextRetryDelay. */
  retryAfterMs?: number;
  /** Eko's code and message only, never a request field. */
  message: string;
  details: EkoFailureDetails;
}

export type Classified<T> = { ok: true; value: T } | { ok: false; failure: EkoFailure };

interface EkoBody {
  status?: number;
  responseTypeId?: number;
  responseStatusId?: number;
  message?: string;
  reason?: string;
  invalidFields: string[];
  /** FP069 (acquiring-bank exception) named anywhere Eko puts a code or reason. */
  fp069: boolean;
  data: unknown;
}

/** Everything a row may look at. `body` is undefined for transport failures and non-JSON answers. */
interface Facts {
  exchange: EkoExchange;
  httpStatus?: number;
  body?: EkoBody;
  /** Every numeric code the envelope carries (status, response_type_id, response_status_id). */
  codes: number[];
  successTypeId: number;
}

interface Row {
  when: (f: Facts) => boolean;
  /** `ok` is the success row. */
  type: EkoErrorType | 'ok';
  retryable: boolean;
}

const http =
  (...statuses: number[]) =>
  (f: Facts) =>
    f.httpStatus !== undefined && statuses.includes(f.httpStatus);
const code =
  (...codes: number[]) =>
  (f: Facts) =>
    f.body !== undefined && codes.some((c) => f.codes.includes(c));
const reason461 = (pattern: RegExp) => (f: Facts) => code(461)(f) && pattern.test(f.body?.reason ?? '');
const reason1714 = (pattern: RegExp) => (f: Facts) => code(1714)(f) && pattern.test(f.body?.reason ?? '');

export const CLASSIFICATION_TABLE: readonly Row[] = [
  // transport
  {
    when: (f) => f.exchange.kind === 'network' && f.exchange.error === 'timeout',
    type: EKO_ERROR.Timeout,
    retryable: true,
  },
  { when: (f) => f.exchange.kind === 'network', type: EKO_ERROR.NetworkError, retryable: true },
  // HTTP status, before any body
  { when: http(429), type: EKO_ERROR.RateLimited, retryable: true },
  { when: http(500, 502, 503, 504), type: EKO_ERROR.Unavailable, retryable: true },
  { when: http(403), type: EKO_ERROR.AuthRejected, retryable: false },
  { when: http(404, 405, 415), type: EKO_ERROR.Misconfigured, retryable: false },
  {
    when: (f) => f.httpStatus === undefined || f.httpStatus < 200 || f.httpStatus > 299,
    type: EKO_ERROR.UnexpectedResponse,
    retryable: false,
  },
  // FP069 may come as a string status, so before the numeric envelope is insisted on (API.md §5.3, §8.5).
  { when: (f) => f.body?.fp069 === true, type: EKO_ERROR.ReauthRequired, retryable: false },
  {
    when: (f) => f.body === undefined || f.body.status === undefined,
    type: EKO_ERROR.UnexpectedResponse,
    retryable: false,
  },
  // Eko's envelope
  { when: (f) => f.body?.responseStatusId === -2, type: EKO_ERROR.Busy, retryable: true },
  { when: (f) => f.body?.status === 0 && f.body.responseTypeId === f.successTypeId, type: 'ok', retryable: false },
  { when: code(55, 544), type: EKO_ERROR.UpstreamError, retryable: true },
  { when: reason461(/incorrect or the OTP has expired/i), type: EKO_ERROR.OtpRejected, retryable: false },
  { when: reason461(/Invalid Biometric/i), type: EKO_ERROR.BiometricRejected, retryable: false },
  { when: reason461(/Inactive or Invalid Details/i), type: EKO_ERROR.DetailsRejected, retryable: false },
  // Daily KYC (§5.2): the reason decides. A poor capture or wrong wadh costs the agent an attempt; "complete bank
  // eKYC" sends the agent back to the one-time eKYC; any other reason (or none) is a refused capture too.
  { when: reason1714(/Invalid Biometric/i), type: EKO_ERROR.BiometricRejected, retryable: false },
  { when: reason1714(/complete bank eKYC/i), type: EKO_ERROR.RekycRequired, retryable: false },
  { when: code(1714), type: EKO_ERROR.DailyKycFailed, retryable: false },
  { when: code(346, 1297), type: EKO_ERROR.AgentNotAllowed, retryable: false },
  {
    when: (f) => f.body?.status === 97 && f.body.responseTypeId === -1,
    type: EKO_ERROR.InvalidRequest,
    retryable: false,
  },
  { when: code(463), type: EKO_ERROR.UnknownAgent, retryable: false },
  { when: () => true, type: EKO_ERROR.UnexpectedResponse, retryable: false },
];

function num(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && /^-?\d+$/.test(value.trim())) return Number(value);
  return undefined;
}

/** Eko's own text, made safe to carry: one line, bounded, and no long digit runs (a mobile or an Aadhaar). */
export function safeText(value: unknown, max = 200): string | undefined {
  if (typeof value !== 'string') return undefined;
  const text = value
    // eslint-disable-next-line no-control-regex -- control characters are exactly what is stripped
    .replace(/[\u0000-\u001f\u007f]+/g, ' ')
    .replace(/\d{10,}/g, '[number]')
    .replace(/\s+/g, ' ')
    .trim();
  if (!text) return undefined;
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

function invalidFieldNames(value: unknown): string[] {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return [];
  return Object.keys(value)
    .filter((k) => /^[A-Za-z0-9_.-]{1,40}$/.test(k))
    .slice(0, 20);
}

function readBody(body: unknown): EkoBody | undefined {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return undefined;
  const b = body as Record<string, unknown>;
  const data = b.data;
  const d = data !== null && typeof data === 'object' ? (data as Record<string, unknown>) : {};
  return {
    status: num(b.status),
    responseTypeId: num(b.response_type_id),
    responseStatusId: num(b.response_status_id),
    message: safeText(b.message),
    reason: safeText(d.reason),
    // Documented at the top level; tolerated inside data too.
    invalidFields: [...new Set([...invalidFieldNames(b.invalid_params), ...invalidFieldNames(d.invalid_params)])],
    fp069: [b.status, b.response_status_id, b.response_type_id, b.message, d.reason, d.comment, d.response_code].some(
      (v) => typeof v === 'string' && /\bFP069\b/i.test(v),
    ),
    data,
  };
}

/** Retry-After as seconds or an HTTP date, in ms; bounded to an hour. */
export function parseRetryAfter(value: string | null | undefined, now: number = Date.now()): number | undefined {
  if (!value) return undefined;
  const v = value.trim();
  let ms: number | undefined;
  if (/^\d+(\.\d+)?$/.test(v)) ms = Math.round(Number(v) * 1000);
  else {
    const at = Date.parse(v);
    if (!Number.isNaN(at)) ms = Math.max(0, at - now);
  }
  return ms === undefined ? undefined : Math.min(ms, 3_600_000);
}

function describe(type: EkoErrorType, f: Facts): string {
  const ex = f.exchange;
  if (ex.kind === 'network') {
    return ex.error === 'timeout'
      ? `Eko did not answer within ${ex.timeoutMs ?? '?'} ms`
      : `Eko unreachable (${ex.error === 'reset' ? 'connection reset' : 'network error'})`;
  }
  const b = f.body;
  if (!b || b.status === undefined || ex.httpStatus < 200 || ex.httpStatus > 299) {
    return `Eko answered HTTP ${ex.httpStatus}${b?.message ? `: ${b.message}` : ''}`;
  }
  const codeText =
    b.responseTypeId !== undefined && b.responseTypeId !== b.status ? `${b.status}/${b.responseTypeId}` : `${b.status}`;
  let text = `Eko ${codeText}: ${b.message ?? '(no message)'}`;
  if (b.reason) text += ` (${b.reason})`;
  if (type === EKO_ERROR.InvalidRequest && b.invalidFields.length) text += ` [invalid: ${b.invalidFields.join(', ')}]`;
  if (type === EKO_ERROR.UnexpectedResponse && b.status === 0)
    text += ` [expected response_type_id ${f.successTypeId}]`;
  return text;
}

/**
 * Classify one attempt of `step`. On the success row, `parse` reads `data`; a success whose data is not of the
 * documented shape is an EkoUnexpectedResponse too.
 */
export function classify<T>(
  exchange: EkoExchange,
  step: EkoStep,
  successTypeId: number,
  parse: (data: unknown) => T | undefined,
  now: number = Date.now(),
): Classified<T> {
  const body = exchange.kind === 'http' ? readBody(exchange.body) : undefined;
  const facts: Facts = {
    exchange,
    httpStatus: exchange.kind === 'http' ? exchange.httpStatus : undefined,
    body,
    codes: [body?.status, body?.responseTypeId, body?.responseStatusId].filter((c): c is number => c !== undefined),
    successTypeId,
  };
  let row = CLASSIFICATION_TABLE.find((r) => r.when(facts))!;
  if (row.type === 'ok') {
    const value = parse(body?.data);
    if (value !== undefined) return { ok: true, value };
    row = { when: () => true, type: EKO_ERROR.UnexpectedResponse, retryable: false };
  }
  const type = row.type as EkoErrorType;
  const details: EkoFailureDetails = {
    step,
    ...(facts.httpStatus !== undefined ? { httpStatus: facts.httpStatus } : {}),
    ...(body?.status !== undefined ? { status: body.status } : {}),
    ...(body?.responseTypeId !== undefined ? { responseTypeId: body.responseTypeId } : {}),
    ...(body?.responseStatusId !== undefined ? { responseStatusId: body.responseStatusId } : {}),
    ...(body?.message ? { ekoMessage: body.message } : {}),
    ...(body?.reason ? { reason: body.reason } : {}),
    ...(body?.invalidFields.length ? { invalidFields: body.invalidFields } : {}),
  };
  const retryAfterMs =
    type === EKO_ERROR.RateLimited && exchange.kind === 'http' ? parseRetryAfter(exchange.retryAfter, now) : undefined;
  const message =
    row.type === EKO_ERROR.UnexpectedResponse && body?.status === 0 && body.responseTypeId === successTypeId
      ? `Eko ${body.status}/${body.responseTypeId}: success without the documented data`
      : describe(type, facts);
  return {
    ok: false,
    failure: {
      type,
      retryable: row.retryable,
      ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
      message,
      details,
    },
  };
}

/**
 * The one verdict that depends on the attempt, not only on the answer. Eko does not document de-duplicating a
 * retried call by client_ref_id, so a Biometric eKYC whose earlier attempt got no clear answer may have completed
 * at Eko, and its retry then meets a consumed OTP pair: "Merchant is Inactive or Invalid Details". That refusal
 * proves nothing, so it is reported as an uncertain outcome for ops to check, not as a rejection to redo.
 */
export function uncertainIfRetriedBiometric(
  step: EkoStep,
  attempt: number | undefined,
  failure: EkoFailure,
): EkoFailure {
  if (step !== 'biometric' || (attempt ?? 1) <= 1 || failure.type !== EKO_ERROR.DetailsRejected) return failure;
  return {
    ...failure,
    type: EKO_ERROR.OutcomeUncertain,
    retryable: false,
    message:
      `${failure.message}; on attempt ${attempt}, after an attempt without a clear answer: ` +
      'Eko may have completed this eKYC, check with Eko before starting again',
  };
}

/** A failure decided before any call was made (bad input to the client): permanent, with the field names. */
export function localInvalidRequest(step: EkoStep, fields: string[], rule: string): EkoFailure {
  return {
    type: EKO_ERROR.InvalidRequest,
    retryable: false,
    message: `Not sent to Eko: ${fields.join(', ')} ${rule}`,
    details: { step, invalidFields: fields },
  };
}
