// The page's client of the eKYC HTTP API (same origin). Problems (RFC 9457) become ApiError; an OTP or biometric
// that was not accepted (422) is an outcome, not an error, so the page can show the reason and the attempts left, and
// so is a Daily KYC the agent's lifecycle refused (409, 422, 429 with the agent's `state`).

export class ApiError extends Error {
  constructor(status, problem, retryAfterSeconds) {
    super(problem?.detail || problem?.title || `HTTP ${status}`);
    this.name = 'ApiError';
    this.status = status;
    this.problem = problem ?? null;
    /** Field errors `[{ field, rule }]` of a 400. */
    this.errors = Array.isArray(problem?.errors) ? problem.errors : [];
    this.retryAfterSeconds = retryAfterSeconds;
  }
}

const REQUEST_TIMEOUT_MS = 60000;

export function createApi(token, base = '') {
  /** `outcome(status, json)`: whether a refusal is an outcome of the step rather than an error. */
  async function request(method, path, body, { outcome = () => false } = {}) {
    let res;
    try {
      res = await fetch(`${base}/v1${path}`, {
        method,
        headers: {
          Authorization: `Bearer ${token}`,
          Accept: 'application/json, application/problem+json',
          ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
        cache: 'no-store',
      });
    } catch (err) {
      const timeout = err?.name === 'TimeoutError';
      throw new ApiError(0, {
        code: timeout ? 'TIMEOUT' : 'NETWORK',
        title: timeout ? 'The server took too long' : 'Network error',
      });
    }
    const text = await res.text();
    let json = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      json = null;
    }
    if (res.ok) return { httpStatus: res.status, ...(json ?? {}) };
    if (json && outcome(res.status, json)) return { httpStatus: res.status, accepted: false, ...json };
    const retryAfter = Number(res.headers.get('Retry-After'));
    throw new ApiError(res.status, json, Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : undefined);
  }

  const at = (userCode) => `/ekyc/${encodeURIComponent(userCode)}`;
  const agent = (userCode) => `/agents/${encodeURIComponent(userCode)}`;
  const stepOutcome = { outcome: (status) => status === 422 };
  // The lifecycle's answers carry the agent's state; a 429 of the API's request budget has none and stays an error.
  const dailyOutcome = {
    outcome: (status, json) => [409, 422, 429].includes(status) && typeof json.state === 'string',
  };
  return {
    start: (input) => request('POST', '/ekyc', input),
    status: (userCode) => request('GET', at(userCode)),
    submitOtp: (userCode, otp) => request('POST', `${at(userCode)}/otp`, { otp }, stepOutcome),
    resendOtp: (userCode) => request('POST', `${at(userCode)}/otp/resend`, {}),
    submitBiometric: (userCode, pidData) => request('POST', `${at(userCode)}/biometric`, { pidData }, stepOutcome),
    cancel: (userCode) => request('DELETE', at(userCode), { reason: 'cancelled by the agent on the eKYC page' }),
    agentStatus: (userCode) => request('GET', agent(userCode)),
    dailyAuth: (userCode, { aadhaar, pidData }) =>
      request('POST', `${agent(userCode)}/daily-auth`, { aadhaar, pidData }, dailyOutcome),
  };
}

/** What the deployment tells the page (GET /page-config.json, no token): the Daily KYC wadh. Defaults if absent. */
export async function pageConfig(base = '') {
  try {
    const res = await fetch(`${base}/page-config.json`, { cache: 'no-store', signal: AbortSignal.timeout(10000) });
    const json = res.ok ? await res.json() : {};
    return { dailyWadh: typeof json?.dailyWadh === 'string' ? json.dailyWadh : '' };
  } catch {
    return { dailyWadh: '' };
  }
}

/** The bearer token the embedding backend put in the URL fragment (`#token=…`); fragments never reach servers. */
export function tokenFromLocation(location) {
  return new URLSearchParams(String(location.hash || '').replace(/^#/, '')).get('token') || null;
}

/**
 * Takes the token out of the URL: reads `#token=…`, then at once replaces the current history entry with the same
 * URL minus the fragment, so that the token is neither in the address bar nor in the tab's history (nor in the
 * session the browser saves to disk). The caller keeps it in memory only, never in any storage: a reload has no
 * token and the agent opens the page again from the agent app. Returns null when the fragment holds none.
 */
export function takeTokenFromLocation(win = window) {
  const token = tokenFromLocation(win.location);
  if (win.location.hash) win.history.replaceState(null, '', win.location.pathname + win.location.search);
  return token;
}

/** The claims of a JWT, for display only (the API verifies the token; the page never trusts these). */
export function peekClaims(token) {
  try {
    const part = token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    return JSON.parse(atob(part.padEnd(part.length + ((4 - (part.length % 4)) % 4), '=')));
  } catch {
    return {};
  }
}
