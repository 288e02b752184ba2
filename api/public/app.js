// The agent's page: it opens on the agent's state (GET /v1/agents/{userCode}, the fingpayAgent lifecycle): the eKYC
// (start → OTP → fingerprint → result) when none is known or Eko asked for a new one, else today's Daily KYC
// (Aadhaar and a capture), "done for today", blocked, or not yet eligible. Each is driven by the status on the server
// so that opening the page again lands where the agent stands. Only the user code is kept (sessionStorage), and the chosen
// language (localStorage); the Aadhaar number, mobile, OTP and PidData live in form fields or one variable for as
// long as they are needed, and are never stored. The bearer token is taken out of the URL at once and lives in memory
// only (api.js). Every text comes from the message catalogues (i18n/), by key: Eko's and the RD service's own texts
// are never shown, only what the agent should do next and a reference ops can search by (code/user code/time).
import { ApiError, createApi, pageConfig, peekClaims, takeTokenFromLocation } from './api.js';
import {
  checkDailyAadhaar,
  checkOtp,
  digitsOnly,
  formatLatLong,
  ruleKey,
  START_FIELDS,
  validateStart,
} from './form.js';
import { EKYC_WADH, QUALITY, capture, deviceInfo, discover, qualityBand } from './rd.js';
import { BANKS } from './banks.js';
import { LANGUAGES, has, initialLanguage, language, setLanguage, t, formatDateTime } from './i18n/index.js';

const STORAGE_KEY = 'ekyc.userCode';
const FINAL = ['COMPLETED', 'FAILED', 'EXPIRED', 'CANCELLED'];
const WAITING = ['SENDING_OTP', 'VERIFYING_OTP', 'SUBMITTING_BIOMETRIC'];
const STEP_OF_SCREEN = { start: 'start', otp: 'otp', fingerprint: 'fingerprint', result: 'result' };
const STEP_OF_STAGE = {
  SENDING_OTP: 'start',
  VERIFYING_OTP: 'otp',
  SUBMITTING_BIOMETRIC: 'fingerprint',
};
/** Eko failures that pass by themselves (common/eko-steps.ts, transient): the agent just tries again later. */
const TRANSIENT = ['EkoUnavailable', 'EkoRateLimited', 'EkoTimeout', 'EkoNetworkError', 'EkoBusy', 'EkoUpstreamError'];
/** RD-service errCodes about the request or the service rather than the finger (UIDAI RD spec 1xx-2xx, 760). */
const RD_CONFIG_ERROR = (code) => (code >= 100 && code < 300) || code === 760;
/** The screens of the agent's lifecycle; the eKYC's steps are not shown on them. */
const AGENT_SCREENS = ['daily', 'agent'];
/** Lifecycle states the agent screen shows (AUTH_REQUIRED is the Daily KYC screen; EKYC_PENDING the eKYC). */
const AGENT_CARD_STATES = ['AUTHENTICATED', 'BLOCKED', 'WAITING_ELIGIBILITY', 'REKYC_REQUIRED'];
/** How often an agent screen asks again (midnight, the eligibility window or an invalidation change the state). */
const AGENT_POLL_MS = 30000;
/** Daily KYC refusals that judged the capture: the agent captures again (the attempts left are shown). */
const DAILY_RECAPTURE = ['EkoBiometricRejected', 'EkoDailyKycFailed'];

const $ = (id) => document.getElementById(id);

const state = {
  api: null,
  claims: {},
  userCode: null,
  /** 'agent' (the lifecycle's screens), 'ekyc' (the eKYC's), or null until the agent's state is known. */
  mode: null,
  /** The agent's lifecycle status (no PII). */
  agent: null,
  /** GET /page-config.json (a promise): the Daily KYC wadh. */
  configReady: Promise.resolve({ dailyWadh: '' }),
  status: null,
  /** The screen shown, with its variant (show()). */
  view: null,
  screen: null,
  latlong: null,
  busy: false,
  pollTimer: 0,
  countdownTimer: 0,
  refreshSeq: 0,
  failures: 0,
  restarting: false,
  otpMessage: null,
  otpNotice: null,
  resendNotBefore: 0,
  rd: null,
  discovering: false,
  pid: null,
};

// ---------- texts ----------

/**
 * What an element says, as a message: a key, `{ key, params, ref }`, or a list of them (one sentence after the
 * other). Kept with the element so that switching the language says it again in the new one.
 */
const said = new WeakMap();

function textOf(message) {
  if (!message) return '';
  if (typeof message === 'string') return t(message);
  if (Array.isArray(message)) return message.map(textOf).filter(Boolean).join(' ');
  const text = t(message.key, message.params);
  return message.ref ? `${text} (${t('ref', { ref: message.ref })})` : text;
}

/** `el` (an id or an element) says `message` from now on; null clears it. */
function say(el, message) {
  const node = typeof el === 'string' ? $(el) : el;
  node.removeAttribute('data-i18n');
  if (message) said.set(node, message);
  else said.delete(node);
  node.textContent = textOf(message);
}

function showMessage(id, message) {
  say(id, message);
  $(id).hidden = !message;
}

/** Every text of the page in the current language: the static ones (data-i18n) and what say() put. */
function applyLanguage() {
  for (const el of document.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
  for (const el of document.querySelectorAll('[data-i18n-attr]')) {
    for (const pair of el.dataset.i18nAttr.split(';')) {
      const [attr, key] = pair.split(':');
      el.setAttribute(attr, t(key));
    }
  }
  for (const el of document.querySelectorAll('body *')) if (said.has(el)) el.textContent = textOf(said.get(el));
  document.title = t('app.title');
  $('lang').value = language();
}

function fillLanguages() {
  const select = $('lang');
  for (const [code, { messages }] of Object.entries(LANGUAGES)) {
    const option = document.createElement('option');
    option.value = code;
    option.lang = code;
    // Each language by its own name, so an agent finds theirs whatever the page shows now.
    option.textContent = messages['language.name'] ?? code;
    select.append(option);
  }
  select.addEventListener('change', () => {
    setLanguage(select.value, { remember: true });
    applyLanguage();
    updateResend();
    // Dates were formatted in the language before: format them again.
    if (state.mode === 'agent' && state.agent && state.screen === 'agent') showAgentCard();
  });
}

function announce(message) {
  say('announce', null);
  // A fresh text node makes screen readers read the same message again.
  requestAnimationFrame(() => say('announce', message));
}

/**
 * A short reference ops can search by: the code, the agent's user code and the time (IST, to the minute; for a
 * session, when it started), e.g. `EkoUnknownAgent/31415926/20261130-1723`.
 */
function reference(code, at = Date.now()) {
  const ms = typeof at === 'string' ? Date.parse(at) : at;
  const ist = new Date((Number.isFinite(ms) ? ms : Date.now()) + 330 * 60_000).toISOString();
  const when = `${ist.slice(0, 10).replace(/-/g, '')}-${ist.slice(11, 16).replace(':', '')}`;
  return [code, state.userCode ?? state.claims.user_code, when].filter(Boolean).join('/');
}

/** What the agent should do about `code` (an outcome, a problem or lastError code), never Eko's own words. */
function codeMessage(code, { retryAfter } = {}) {
  if (code === 'OTP_SEND_LIMIT_REACHED') {
    const time = retryAfter ? formatDateTime(retryAfter) : '';
    return time ? { key: 'code.OTP_SEND_LIMIT_REACHED', params: { time } } : 'code.OTP_SEND_LIMIT_REACHED.later';
  }
  if (code && has(`code.${code}`)) return `code.${code}`;
  if (TRANSIENT.includes(code)) return 'code.transient';
  if (/^Eko/.test(code ?? '')) return 'code.support';
  return 'code.unknown';
}

/** The code of a failed request, for codeMessage() and reference(). */
function errorCode(err) {
  if (!(err instanceof ApiError)) return 'PAGE_ERROR';
  if (err.problem?.code) return err.problem.code;
  if (err.status === 503) return 'TEMPORAL_UNAVAILABLE';
  if (err.status === 429) return 'RATE_LIMITED';
  return `HTTP_${err.status}`;
}

/** A failed request as a message: what to do, and a reference unless it is plainly the connection. */
function failure(err) {
  const code = errorCode(err);
  const message = codeMessage(code, err instanceof ApiError ? (err.problem ?? {}) : {});
  const plain = ['NETWORK', 'TIMEOUT', 'RATE_LIMITED', 'RESEND_COOLDOWN'].includes(code);
  return plain ? message : { ...asObject(message), ref: reference(code) };
}

const asObject = (message) => (typeof message === 'string' ? { key: message } : message);

function setBusy(button, busy, busyKey) {
  // Nothing else may start meanwhile, cancelling included.
  $('cancel').disabled = busy;
  if (busy) $('cancel-confirm').hidden = true;
  if (busy) {
    button.idleMessage = said.get(button) ?? button.dataset.i18n;
    say(button, busyKey);
    button.disabled = true;
    button.setAttribute('aria-busy', 'true');
  } else {
    if (button.idleMessage) say(button, button.idleMessage);
    button.disabled = false;
    button.removeAttribute('aria-busy');
  }
}

/** Shows `screen`; `variant` (the agent screen's state) counts as another screen for focus and scrolling. */
function show(screen, variant = '') {
  const view = variant ? `${screen}-${variant}` : screen;
  const changed = state.view !== view;
  state.screen = screen;
  state.view = view;
  for (const section of document.querySelectorAll('section[data-screen]'))
    section.hidden = section.dataset.screen !== screen;
  // The eKYC's steps mean nothing on the Daily KYC screens; so does its footer.
  const agentScreen = AGENT_SCREENS.includes(screen);
  $('steps').hidden = agentScreen;
  say('footer', agentScreen ? 'footer.daily' : 'footer');
  const stage = state.status?.stage;
  // A session that ended without completing has no "done" steps to show.
  const unfinished = screen === 'result' && stage !== 'COMPLETED';
  const step = unfinished ? null : (STEP_OF_SCREEN[screen] ?? STEP_OF_STAGE[stage] ?? null);
  const order = ['start', 'otp', 'fingerprint', 'result'];
  const finished = screen === 'result' && stage === 'COMPLETED';
  for (const li of document.querySelectorAll('.steps li')) {
    const i = order.indexOf(li.dataset.step);
    li.classList.toggle('done', finished || (step !== null && i < order.indexOf(step)));
    if (li.dataset.step === step) li.setAttribute('aria-current', 'step');
    else li.removeAttribute('aria-current');
  }
  const live = state.status && !FINAL.includes(stage) && ['otp', 'fingerprint', 'wait'].includes(screen);
  $('cancel-area').hidden = !live;
  if (!live) $('cancel-confirm').hidden = true;
  if (changed) {
    document.body.dataset.view = view;
    const heading = document.querySelector(`[data-screen="${screen}"] h2`);
    heading?.focus({ preventScroll: false });
    window.scrollTo(0, 0);
  }
  return changed;
}

function banner(message) {
  showMessage('banner', message);
}

// ---------- session status and polling ----------

function schedulePoll() {
  clearTimeout(state.pollTimer);
  const stage = state.status?.stage;
  if (!state.userCode || state.restarting || state.screen === 'notoken') return;
  if (state.mode !== 'agent' && FINAL.includes(stage)) return;
  const delay = state.mode === 'agent' ? AGENT_POLL_MS : !stage || WAITING.includes(stage) ? 1000 : 5000;
  state.pollTimer = setTimeout(
    async () => {
      if (state.busy) return schedulePoll();
      await refresh();
    },
    delay * Math.min(2 ** state.failures, 8),
  );
}

/** Fetch the status and render it. Only the newest request renders, so a slow poll cannot undo an action. */
async function refresh() {
  const seq = ++state.refreshSeq;
  try {
    if (state.mode !== 'ekyc' && (await refreshAgent(seq))) return;
    const status = await state.api.status(state.userCode);
    if (seq !== state.refreshSeq) return;
    state.failures = 0;
    banner(null);
    state.status = status;
    render();
  } catch (err) {
    if (seq !== state.refreshSeq) return;
    if (err instanceof ApiError && err.status === 404) {
      // No session yet (or it was never started from this tab): the form, with the user code filled in.
      const userCode = state.userCode;
      state.status = null;
      state.userCode = null;
      sessionStorage.removeItem(STORAGE_KEY);
      showStart(userCode);
    } else if (!handleAuthError(err)) {
      state.failures += 1;
      banner({ key: 'banner.offline', ref: state.failures > 2 ? reference(errorCode(err)) : undefined });
    }
  } finally {
    if (seq === state.refreshSeq) schedulePoll();
  }
}

/**
 * The agent's lifecycle decides the screen, unless what the agent needs is the eKYC: no lifecycle yet (no eKYC
 * completed), none known to it, or a new one asked for and already under way. True when it decided (or a newer
 * refresh took over); false hands over to the eKYC's session status, for the rest of this visit.
 */
async function refreshAgent(seq) {
  let agent = null;
  try {
    agent = await state.api.agentStatus(state.userCode);
  } catch (err) {
    if (!(err instanceof ApiError && err.status === 404)) throw err;
  }
  if (seq !== state.refreshSeq) return true;
  if (agent?.state === 'REKYC_REQUIRED' && state.mode === null) {
    // A new eKYC started earlier (here, or through the agent app) goes on where it stands.
    const session = await state.api.status(state.userCode).catch(() => null);
    if (seq !== state.refreshSeq) return true;
    if (session && !FINAL.includes(session.stage)) agent = null;
  }
  if (!agent || !(agent.state === 'AUTH_REQUIRED' || AGENT_CARD_STATES.includes(agent.state))) {
    state.mode = 'ekyc';
    return false;
  }
  state.mode = 'agent';
  state.failures = 0;
  banner(null);
  state.agent = agent;
  renderAgent();
  return true;
}

function handleAuthError(err) {
  if (!(err instanceof ApiError) || (err.status !== 401 && err.status !== 403)) return false;
  clearTimeout(state.pollTimer);
  say('notoken-message', err.status === 401 ? 'notoken.expired' : 'notoken.otherAgent');
  show('notoken');
  return true;
}

function render() {
  const stage = state.status?.stage;
  if (state.restarting) return;
  if (!stage) return showStart();
  if (WAITING.includes(stage)) {
    say('wait-title', `wait.${stage}.title`);
    say('wait-text', `wait.${stage}.text`);
    show('wait');
  } else if (stage === 'AWAITING_OTP') {
    if (show('otp')) {
      $('otp').value = '';
      startCountdown();
    }
    updateOtp();
  } else if (stage === 'AWAITING_BIOMETRIC') {
    if (show('fingerprint')) enterFingerprint();
    updateFingerprint();
  } else if (FINAL.includes(stage)) {
    showResult();
  }
  if (state.screen !== 'otp') stopCountdown();
}

// ---------- start ----------

function showStart(prefill = state.userCode) {
  $('aadhaar-slot').append($('aadhaar-field'));
  const fromToken = /^\d{8}$/.test(state.claims.user_code ?? '') ? state.claims.user_code : null;
  const userCode = $('userCode');
  userCode.readOnly = Boolean(fromToken);
  if (fromToken) {
    userCode.value = fromToken;
  } else if (!userCode.value && prefill) {
    userCode.value = prefill;
  }
  // The location is asked for when the agent presses "Use my location" or sends the form, not on opening.
  if (show('start')) showMessage('start-error', null);
}

/** Ask the browser for the location (the agent asked, or sent the form without one). Resolves to whether it came. */
function locate() {
  if (!('geolocation' in navigator)) {
    useManualLocation('location.unsupported');
    return Promise.resolve(false);
  }
  say('location-status', 'location.finding');
  $('locate').disabled = true;
  return new Promise((resolve) => {
    navigator.geolocation.getCurrentPosition(
      (pos) => {
        $('locate').disabled = false;
        state.latlong = formatLatLong(pos.coords.latitude, pos.coords.longitude);
        $('location-status').classList.add('ok');
        say('location-status', { key: 'location.captured', params: { meters: Math.round(pos.coords.accuracy) } });
        say('locate', 'location.update');
        showMessage('latlong-error', null);
        resolve(true);
      },
      (err) => {
        $('locate').disabled = false;
        useManualLocation(err.code === err.PERMISSION_DENIED ? 'location.denied' : 'location.notFound');
        resolve(false);
      },
      { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 },
    );
  });
}

function useManualLocation(message) {
  state.latlong = null;
  $('location-status').classList.remove('ok');
  say('location-status', message);
  toggleManualLocation(true);
}

function toggleManualLocation(open) {
  $('manual-location').hidden = !open;
  $('manual-location-toggle').setAttribute('aria-expanded', String(open));
  // Once the field is open, "Use my location" is the way back; one control per choice.
  $('manual-location-toggle').hidden = open;
}

function readStartForm() {
  const manual = !$('manual-location').hidden;
  return {
    userCode: digitsOnly($('userCode').value),
    customerId: digitsOnly($('customerId').value).replace(/^(\+91|0)(?=\d{10}$)/, ''),
    aadhaar: digitsOnly($('aadhaar').value),
    latlong: manual ? $('latlong').value.trim() : (state.latlong ?? ''),
    bankCode: $('bankCode').value.trim().toUpperCase(),
  };
}

function fieldMessage(field, error) {
  if (!error) return null;
  if (field === 'latlong' && $('manual-location').hidden) return 'location.needed';
  return `rule.${error.rule}`;
}

function showFieldError(field, error) {
  showMessage(`${field}-error`, fieldMessage(field, error));
  const input = $(field);
  if (error) input.setAttribute('aria-invalid', 'true');
  else input.removeAttribute('aria-invalid');
}

function showFieldErrors(errors) {
  for (const field of START_FIELDS)
    showFieldError(
      field,
      errors.find((e) => e.field === field),
    );
  const first = START_FIELDS.find((f) => errors.some((e) => e.field === f));
  if (first) {
    const target = first === 'latlong' && $('manual-location').hidden ? $('locate') : $(first);
    target.focus();
  }
}

/** While the agent corrects a field that shows an error, the error goes as soon as the field is right. */
function recheckField(field) {
  if ($(`${field}-error`).hidden) return;
  const error = validateStart(readStartForm()).find((e) => e.field === field);
  if (!error) showFieldError(field, null);
  if (!START_FIELDS.some((f) => !$(`${f}-error`).hidden)) showMessage('start-error', null);
}

async function onStart(event) {
  event.preventDefault();
  if (state.busy) return;
  showMessage('start-error', null);
  const button = $('start-submit');
  state.busy = true;
  setBusy(button, true, 'start.sending');
  try {
    let input = readStartForm();
    // No location yet: ask now, with the reason shown next to the button (field.location.why).
    if (!input.latlong && $('manual-location').hidden) {
      await locate();
      input = readStartForm();
    }
    const errors = validateStart(input);
    showFieldErrors(errors);
    if (errors.length) {
      announce({ key: 'start.attention', params: { n: errors.length } });
      return;
    }
    const started = await state.api.start(input);
    state.userCode = input.userCode;
    sessionStorage.setItem(STORAGE_KEY, input.userCode);
    state.restarting = false;
    state.status = { ...(state.status ?? {}), stage: started.stage ?? 'SENDING_OTP' };
    // The Aadhaar number and mobile are with the server now; the page does not keep them.
    $('aadhaar').value = '';
    $('customerId').value = '';
    state.otpMessage = null;
    await refresh();
  } catch (err) {
    if (handleAuthError(err)) return;
    const input = readStartForm();
    if (err instanceof ApiError && err.status === 400 && err.errors.length) {
      showFieldErrors(err.errors.map((e) => ({ field: String(e.field).split('.').pop(), rule: ruleKey(e.rule) })));
      showMessage('start-error', 'start.fix');
    } else if (err instanceof ApiError && err.status === 409 && err.problem?.code !== 'ALREADY_COMPLETED') {
      state.userCode = input.userCode;
      sessionStorage.setItem(STORAGE_KEY, input.userCode);
      state.restarting = false;
      await refresh();
    } else {
      if (!state.userCode) state.userCode = input.userCode || null;
      showMessage('start-error', failure(err));
    }
  } finally {
    state.busy = false;
    setBusy(button, false);
  }
}

// ---------- OTP ----------

// Outcome codes of workflows/messages.ts (OUTCOME_CODE) and Eko's verdict names (common/eko-steps.ts).
function otpRejection(outcome) {
  const code = String(outcome.code ?? '');
  if (code === 'OTP_EXPIRED') return 'otp.expired';
  if (code === 'NO_OTP_ATTEMPTS_LEFT') return 'otp.noAttempts';
  if (code === 'EkoOtpRejected') return outcome.attemptsLeft === 0 ? 'otp.wrongLast' : 'otp.wrong';
  return { ...asObject(codeMessage(code, outcome)), ref: reference(code || 'NOT_ACCEPTED') };
}

function updateOtp() {
  const s = state.status;
  say('otp-lead', s.mobileHint ? { key: 'otp.leadHint', params: { mobile: s.mobileHint } } : 'otp.lead');
  const noAttempts = s.otpAttemptsLeft === 0;
  say(
    'otp-attempts',
    typeof s.otpAttemptsLeft === 'number' ? { key: 'otp.attemptsLeft', params: { n: s.otpAttemptsLeft } } : null,
  );
  let message = state.otpMessage;
  if (s.otpExpired) message = 'otp.expired';
  else if (noAttempts && !message) message = 'otp.noAttempts';
  showMessage('otp-error', message);
  showMessage('otp-notice', message ? null : state.otpNotice);
  $('otp').toggleAttribute('aria-invalid', Boolean(message));
  $('otp-submit').disabled = state.busy || Boolean(s.otpExpired) || noAttempts;
  updateResend();
}

function resendWaitSeconds() {
  const at = Date.parse(state.status?.resendAvailableAt ?? '') || 0;
  return Math.max(0, Math.ceil((Math.max(at, state.resendNotBefore) - Date.now()) / 1000));
}

function updateResend() {
  const s = state.status;
  if (!s || state.screen !== 'otp') return;
  const button = $('resend');
  if (button.getAttribute('aria-busy')) return;
  const wait = resendWaitSeconds();
  if (s.resendsLeft === 0) {
    button.disabled = true;
    say(button, 'resend.button');
    say('resend-info', 'resend.none');
    return;
  }
  const left = typeof s.resendsLeft === 'number' ? { key: 'resend.left', params: { n: s.resendsLeft } } : null;
  if (wait > 0) {
    button.disabled = true;
    const time = `${Math.floor(wait / 60)}:${String(wait % 60).padStart(2, '0')}`;
    say(button, { key: 'resend.in', params: { time } });
    say('resend-info', ['resend.wait', left]);
  } else {
    button.disabled = state.busy;
    say(button, 'resend.button');
    say('resend-info', ['resend.ask', left]);
  }
}

function startCountdown() {
  stopCountdown();
  state.countdownTimer = setInterval(updateResend, 500);
}

function stopCountdown() {
  clearInterval(state.countdownTimer);
  state.countdownTimer = 0;
}

async function onOtp(event) {
  event.preventDefault();
  if (state.busy) return;
  const otp = digitsOnly($('otp').value);
  const rule = checkOtp(otp);
  if (rule) {
    state.otpMessage = `rule.${rule}`;
    updateOtp();
    $('otp').focus();
    return;
  }
  const button = $('otp-submit');
  state.busy = true;
  setBusy(button, true, 'otp.verifying');
  state.otpMessage = null;
  state.otpNotice = null;
  try {
    const outcome = await state.api.submitOtp(state.userCode, otp);
    $('otp').value = '';
    if (!outcome.accepted) {
      state.otpMessage = otpRejection(outcome);
      announce(state.otpMessage);
    }
  } catch (err) {
    if (handleAuthError(err)) return;
    state.otpMessage = failure(err);
  } finally {
    state.busy = false;
    setBusy(button, false);
  }
  await refresh();
  if (state.screen === 'otp') $('otp').focus();
}

async function onResend() {
  if (state.busy) return;
  const button = $('resend');
  state.busy = true;
  setBusy(button, true, 'resend.sending');
  try {
    const outcome = await state.api.resendOtp(state.userCode);
    if (outcome.accepted === false) {
      state.otpMessage = codeMessage(outcome.code, outcome);
    } else {
      state.otpMessage = null;
      $('otp').value = '';
      const mobile = state.status?.mobileHint;
      state.otpNotice = mobile ? { key: 'otp.sent', params: { mobile } } : 'otp.sentNoHint';
      announce(state.otpNotice);
    }
  } catch (err) {
    if (handleAuthError(err)) return;
    if (err instanceof ApiError && err.status === 429 && err.retryAfterSeconds) {
      state.resendNotBefore = Date.now() + err.retryAfterSeconds * 1000;
    }
    if (err instanceof ApiError && err.problem?.code === 'RESEND_COOLDOWN' && err.retryAfterSeconds) {
      state.otpMessage = { key: 'resend.pleaseWait', params: { n: err.retryAfterSeconds } };
    } else {
      state.otpMessage = failure(err);
    }
  } finally {
    state.busy = false;
    $('cancel').disabled = false;
    button.removeAttribute('aria-busy');
  }
  await refresh();
  if (state.screen === 'otp') $('otp').focus();
}

// ---------- fingerprint ----------

function enterFingerprint() {
  $('fp-slot').append($('capture-panel'));
  enterCapture('fp.submit');
}

/** A fresh capture panel (scanner, quality, buttons) whose submit button says `submitKey`. */
function enterCapture(submitKey) {
  state.pid = null;
  say('submit-fp', submitKey);
  $('quality').hidden = true;
  $('submit-fp').hidden = true;
  showMessage('fp-error', null);
  setCaptureButton('fp.capture', true);
  if (!state.rd) findScanner();
  else setCaptureReady();
}

/** The capture button's words, and whether it is the button to press next (primary) or a second choice. */
function setCaptureButton(message, primary) {
  say('capture', message);
  $('capture').classList.toggle('primary', primary);
  $('capture').classList.toggle('secondary', !primary);
}

function setDevice(kind, status, detail, facts = null) {
  $('device').dataset.state = kind;
  say('device-status', status);
  say('device-detail', detail);
  $('device-detail').hidden = !detail;
  // The RD service's ids and the serial are for support: one tap away (details/summary), not on the card.
  const list = $('device-facts');
  list.replaceChildren();
  for (const [key, value] of facts ?? []) {
    if (!value) continue;
    const dt = document.createElement('dt');
    dt.dataset.i18n = key;
    dt.textContent = t(key);
    const dd = document.createElement('dd');
    dd.textContent = value;
    list.append(dt, dd);
  }
  $('device-more').hidden = !list.childElementCount;
}

async function findScanner() {
  if (state.discovering) return;
  state.discovering = true;
  $('rediscover').hidden = true;
  $('capture').disabled = true;
  setDevice('searching', 'device.searching', 'device.searchingDetail');
  try {
    const service = await discover();
    if (!service) {
      state.rd = null;
      setDevice('missing', 'device.missing', 'device.missingDetail');
    } else if (service.status !== 'READY') {
      state.rd = null;
      setDevice('missing', 'device.notReady', 'device.notReadyDetail', [
        ['device.status', service.status || '-'],
        ['device.port', String(service.port)],
      ]);
    } else {
      state.rd = service;
      let device = null;
      try {
        device = await deviceInfo(service);
      } catch {
        device = null;
      }
      service.device = device;
      setCaptureReady();
    }
  } finally {
    state.discovering = false;
    $('rediscover').hidden = Boolean(state.rd);
  }
}

function setCaptureReady() {
  const d = state.rd.device;
  setDevice('ready', d?.model ? { key: 'device.readyModel', params: { model: d.model } } : 'device.ready', null, [
    ['device.provider', d?.provider],
    ['device.rdService', d?.rdsId && `${d.rdsId} ${d.rdsVer}`.trim()],
    ['device.serial', d?.serial],
    ['device.port', String(state.rd.port)],
  ]);
  $('capture').disabled = state.busy;
}

function updateFingerprint() {
  const left = state.status.biometricAttemptsLeft;
  say('fp-attempts', typeof left === 'number' ? { key: 'fp.attemptsLeft', params: { n: left } } : null);
}

function showQuality(result) {
  const band = qualityBand(result.qScore);
  $('quality').hidden = false;
  $('quality').dataset.band = band;
  say('quality-score', { key: 'quality.score', params: { score: result.qScore } });
  $('quality-fill').style.width = `${Math.max(4, Math.min(100, result.qScore))}%`;
  const advice = {
    good: state.screen === 'daily' ? 'quality.goodDaily' : 'quality.good',
    low: { key: 'quality.low', params: { retry: QUALITY.retryBelow } },
    blocked: { key: 'quality.blocked', params: { block: QUALITY.blockBelow } },
  }[band];
  say('quality-text', advice);
  $('submit-fp').hidden = band === 'blocked';
  $('submit-fp').classList.toggle('secondary', band !== 'good');
  $('submit-fp').classList.toggle('primary', band === 'good');
  setCaptureButton('fp.captureAgain', band !== 'good');
  announce({ key: 'quality.announce', params: { score: result.qScore, advice: textOf(advice) } });
  (band === 'good' ? $('submit-fp') : $('capture')).focus();
}

/** What to do about an RD-service errCode, with the code as the reference (the service's errInfo is not shown). */
function rdMessage(errCode) {
  const key = has(`rd.${errCode}`) ? `rd.${errCode}` : RD_CONFIG_ERROR(errCode) ? 'rd.config' : 'rd.other';
  return { key, ref: reference(`RD${errCode}`) };
}

async function onCapture() {
  if (state.busy || !state.rd) return;
  const button = $('capture');
  state.busy = true;
  state.pid = null;
  $('submit-fp').hidden = true;
  $('quality').hidden = true;
  showMessage('fp-error', null);
  setBusy(button, true, 'fp.capturing');
  try {
    // Daily KYC asks the RD service for the deployment's wadh (EKO_DAILY_WADH), the eKYC for its own.
    const wadh = state.screen === 'daily' ? (await state.configReady).dailyWadh : EKYC_WADH;
    const result = await capture(state.rd, { wadh });
    if (result.errCode !== 0) showMessage('fp-error', rdMessage(result.errCode));
    else {
      state.pid = result.pidData;
      showQuality(result);
    }
  } catch {
    state.rd = null;
    showMessage('fp-error', 'fp.lost');
    findScanner();
  } finally {
    state.busy = false;
    $('cancel').disabled = false;
    button.removeAttribute('aria-busy');
    button.disabled = !state.rd;
    if (!state.pid) say(button, button.idleMessage || 'fp.capture');
  }
}

async function onSubmitFingerprint() {
  if (state.busy || !state.pid) return;
  const daily = state.screen === 'daily';
  // Daily KYC: the Aadhaar number goes with the capture, checked by the server's rule first (the capture is kept).
  const aadhaar = daily ? digitsOnly($('aadhaar').value) : null;
  if (daily) {
    const rule = checkDailyAadhaar(aadhaar, state.pid);
    showFieldError('aadhaar', rule && { rule });
    if (rule) return $('aadhaar').focus();
  }
  const pidData = state.pid;
  // One PidData, one submission: a rejected capture is not sent twice.
  state.pid = null;
  const button = $('submit-fp');
  state.busy = true;
  $('capture').disabled = true;
  // While the fingerprint is checked, and after it is accepted, "Capture again" is no choice: it goes.
  $('capture').hidden = true;
  setBusy(button, true, 'fp.submitting');
  showMessage('fp-error', null);
  let accepted = false;
  try {
    const outcome = daily
      ? await state.api.dailyAuth(state.userCode, { aadhaar, pidData })
      : await state.api.submitBiometric(state.userCode, pidData);
    accepted = outcome.accepted !== false;
    if (!accepted) {
      // The submissions (attempts) left are shown under the message.
      const code = String(outcome.code ?? '');
      showMessage(
        'fp-error',
        daily
          ? dailyRejection(code, outcome)
          : code === 'EkoBiometricRejected'
            ? 'fp.rejected'
            : { ...asObject(codeMessage(code, outcome)), ref: reference(code || 'NOT_ACCEPTED') },
      );
      if (daily && typeof outcome.attemptsLeft === 'number') sayDailyAttempts(outcome.attemptsLeft);
    } else if (daily) {
      $('aadhaar').value = '';
    }
  } catch (err) {
    if (handleAuthError(err)) return;
    const aadhaarError = daily && err instanceof ApiError && err.errors.find((e) => e.field === 'aadhaar');
    if (aadhaarError) showFieldError('aadhaar', { rule: ruleKey(aadhaarError.rule) });
    else showMessage('fp-error', failure(err));
  } finally {
    state.busy = false;
    setBusy(button, false);
    button.hidden = true;
    if (!accepted) {
      $('quality').hidden = true;
      $('capture').hidden = false;
      $('capture').disabled = !state.rd;
      setCaptureButton('fp.captureAgain', true);
    }
  }
  await refresh();
  if (state.screen === 'fingerprint' || state.screen === 'daily') {
    $('capture').hidden = false;
    $('capture').disabled = !state.rd || state.busy;
  }
}

// ---------- the agent's day: Daily KYC and where the agent stands ----------

/** Dates through Intl in the page's language, in IST: a whole date, and a date with its time. */
const LONG_DATE = { dateStyle: 'long' };
const DATE_TIME = { dateStyle: 'full', timeStyle: 'short' };
/** The IST midnight that ends the IST day `date` (YYYY-MM-DD), and the middle of that day (to name the date). */
const endOfIstDay = (date) => Date.parse(`${date}T00:00:00+05:30`) + 86_400_000;
const middayIst = (date) => `${date}T12:00:00+05:30`;

function renderAgent() {
  stopCountdown();
  if (state.agent.state === 'AUTH_REQUIRED') {
    if (show('daily')) enterDaily();
    updateDaily();
  } else {
    showAgentCard();
  }
}

function enterDaily() {
  $('daily-aadhaar-slot').append($('aadhaar-field'));
  $('daily-slot').append($('capture-panel'));
  $('aadhaar').value = '';
  showFieldError('aadhaar', null);
  enterCapture('daily.submit');
}

function sayDailyAttempts(n) {
  say('fp-attempts', { key: 'daily.attemptsLeft', params: { n } });
}

function updateDaily() {
  const { today } = state.agent;
  if (typeof today?.attemptsLeft === 'number') sayDailyAttempts(today.attemptsLeft);
  // Done today, then invalidated (a cash withdrawal's FP069, or an operator change): say why it is asked again.
  showMessage('daily-again', today?.authenticatedAt ? 'daily.again' : null);
}

/** A Daily KYC Eko or the lifecycle refused: what to do next, with a reference; never Eko's own words. */
function dailyRejection(code, outcome) {
  const key = DAILY_RECAPTURE.includes(code)
    ? 'daily.rejected'
    : has(`daily.code.${code}`)
      ? `daily.code.${code}`
      : codeMessage(code, outcome);
  return { ...asObject(key), ref: reference(code || 'NOT_ACCEPTED') };
}

/** Done for today, blocked, not yet eligible, or a new eKYC needed: the reason, the next step and a reference. */
function showAgentCard() {
  const a = state.agent;
  const today = a.today ?? {};
  const card = {
    AUTHENTICATED: {
      icon: ['ok', '✓'],
      text: {
        key: 'agent.AUTHENTICATED.text',
        params: {
          time: formatDateTime(today.authenticatedAt, { timeStyle: 'short' }),
          date: formatDateTime(middayIst(today.date), LONG_DATE),
        },
      },
      ref: reference('AUTHENTICATED', today.authenticatedAt ?? Date.now()),
    },
    BLOCKED: {
      icon: ['bad', '!'],
      text: { key: 'agent.BLOCKED.text', params: { n: a.policy?.maxAttempts ?? 0 } },
      next: { key: 'agent.BLOCKED.next', params: { when: formatDateTime(endOfIstDay(today.date), DATE_TIME) } },
      ref: reference('DAILY_AUTH_BLOCKED'),
    },
    WAITING_ELIGIBILITY: {
      icon: ['wait', '⋯'],
      text: { key: 'agent.WAITING_ELIGIBILITY.text', params: { when: formatDateTime(a.eligibleAt, DATE_TIME) } },
      ref: reference('NOT_YET_ELIGIBLE'),
    },
    REKYC_REQUIRED: { icon: ['bad', '!'], ref: reference('REKYC_REQUIRED') },
  }[a.state];
  $('screen-agent').dataset.state = a.state;
  $('agent-icon').dataset.kind = card.icon[0];
  $('agent-icon').textContent = card.icon[1];
  say('agent-title', `agent.${a.state}.title`);
  say('agent-text', card.text ?? `agent.${a.state}.text`);
  say('agent-next', card.next ?? `agent.${a.state}.next`);
  say('agent-ref-code', card.ref);
  $('agent-ekyc').hidden = a.state !== 'REKYC_REQUIRED';
  // Leaving the Daily KYC screen: its Aadhaar number and capture go.
  if (state.screen === 'daily') $('aadhaar').value = '';
  state.pid = null;
  show('agent', a.state);
}

// ---------- result, restart, cancel ----------

function showResult() {
  const s = state.status;
  const ok = s.stage === 'COMPLETED';
  $('result-icon').dataset.kind = ok ? 'ok' : 'bad';
  $('result-icon').textContent = ok ? '✓' : '!';
  say('result-title', `result.${s.stage}.title`);
  const code = s.lastError?.code ?? (s.stage === 'EXPIRED' ? 'SESSION_TIMEOUT' : s.stage);
  if (ok) {
    say('result-text', {
      key: 'result.COMPLETED.text',
      params: { userCode: s.userCode, when: s.completedAt ? formatDateTime(s.completedAt) : '' },
    });
  } else {
    // What to do next, never Eko's own message (lastError.message stays with ops).
    say('result-text', codeMessage(code, s.lastError ?? {}));
  }
  showMessage('result-next', ok ? 'result.COMPLETED.next' : null);
  // The reference ops search by: the outcome, the user code and the time (and Eko's transaction reference).
  const ref = ok
    ? [reference('COMPLETED', s.completedAt ?? Date.now()), s.referenceTid].filter(Boolean).join('/')
    : reference(code, s.startedAt);
  say('result-ref-code', ref);
  $('result-ref').hidden = !ref;
  $('restart').hidden = ok;
  state.pid = null;
  show('result');
}

function onRestart() {
  state.restarting = true;
  state.status = null;
  state.otpMessage = null;
  clearTimeout(state.pollTimer);
  showStart();
}

async function onCancelConfirmed() {
  if (state.busy) return;
  state.busy = true;
  const button = $('cancel-yes');
  setBusy(button, true, 'cancel.busy');
  try {
    await state.api.cancel(state.userCode);
  } catch (err) {
    if (handleAuthError(err)) return;
    banner(failure(err));
  } finally {
    state.busy = false;
    setBusy(button, false);
    $('cancel-confirm').hidden = true;
  }
  await refresh();
}

// ---------- wiring ----------

function fillBanks() {
  const list = $('banks');
  for (const [code, name] of BANKS) {
    const option = document.createElement('option');
    option.value = code;
    option.label = name;
    option.textContent = name;
    list.append(option);
  }
}

/** The Aadhaar field (the start form's, and Daily KYC's) and its Show/Hide button. */
function wireAadhaar() {
  const field = $('aadhaar');
  const toggle = $('aadhaar-toggle');
  toggle.addEventListener('click', () => {
    // Masked by CSS, never type=password: password managers would take the form for a sign-in form.
    const reveal = field.classList.contains('masked');
    field.classList.toggle('masked', !reveal);
    toggle.setAttribute('aria-pressed', String(reveal));
    say(toggle, reveal ? 'field.aadhaar.hide' : 'field.aadhaar.show');
  });
  // Group the Aadhaar number as printed on the card (1234 5678 9012) while typing.
  field.addEventListener('input', () => {
    const digits = field.value.replace(/\D/g, '').slice(0, 12);
    const grouped = digits.replace(/(\d{4})(?=\d)/g, '$1 ');
    if (grouped !== field.value) field.value = grouped;
  });
}

function wire() {
  $('start-form').addEventListener('submit', onStart);
  $('otp-form').addEventListener('submit', onOtp);
  $('resend').addEventListener('click', onResend);
  $('capture').addEventListener('click', onCapture);
  $('submit-fp').addEventListener('click', onSubmitFingerprint);
  $('rediscover').addEventListener('click', findScanner);
  $('restart').addEventListener('click', onRestart);
  $('locate').addEventListener('click', () => {
    toggleManualLocation(false);
    locate();
  });
  $('manual-location-toggle').addEventListener('click', () => {
    toggleManualLocation(true);
    $('latlong').focus();
  });
  wireAadhaar();
  $('agent-ekyc').addEventListener('click', () => {
    // Eko asked for a new eKYC: the eKYC's screens for the rest of this visit, from the details form.
    state.mode = 'ekyc';
    onRestart();
  });
  $('bankCode').addEventListener('input', (e) => {
    const input = e.target;
    const upper = input.value.toUpperCase();
    if (upper !== input.value) {
      const at = input.selectionStart;
      input.value = upper;
      input.setSelectionRange(at, at);
    }
  });
  for (const field of START_FIELDS) $(field).addEventListener('input', () => recheckField(field));
  $('otp').addEventListener('input', (e) => {
    const digits = e.target.value.replace(/\D/g, '').slice(0, 6);
    if (digits !== e.target.value) e.target.value = digits;
    // A fixed OTP clears the rule's error (a wrong or expired OTP stays said until the next answer).
    if (state.otpMessage === 'rule.otp' && !checkOtp(digits)) {
      state.otpMessage = null;
      if (state.status) updateOtp();
    }
  });
  $('cancel').addEventListener('click', () => {
    $('cancel-confirm').hidden = false;
    $('cancel-no').focus();
  });
  $('cancel-no').addEventListener('click', () => {
    $('cancel-confirm').hidden = true;
    $('cancel').focus();
  });
  $('cancel-yes').addEventListener('click', onCancelConfirmed);
  // Coming back to the tab: catch up at once rather than at the next poll.
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible' && state.userCode && !state.busy && !state.restarting) refresh();
  });
}

/** Signed in with `token` (kept in this closure only): pick the session up where it stands, or show the form. */
async function signIn(token) {
  state.claims = peekClaims(token);
  state.mode = null;
  state.api = createApi(token);
  const claimed = /^\d{8}$/.test(state.claims.user_code ?? '') ? state.claims.user_code : null;
  state.userCode = claimed ?? state.userCode ?? sessionStorage.getItem(STORAGE_KEY);
  if (!state.userCode) return showStart();
  await refresh();
}

/** No token: the page was opened without one, or reloaded (the token is never kept, so a reload signs out). */
function signedOut() {
  const reloaded = performance.getEntriesByType('navigation')[0]?.type === 'reload';
  say('notoken-message', reloaded || sessionStorage.getItem(STORAGE_KEY) ? 'notoken.reloaded' : 'notoken.open');
  show('notoken');
}

async function main() {
  state.configReady = pageConfig();
  setLanguage(initialLanguage());
  fillLanguages();
  fillBanks();
  setCaptureButton('fp.capture', true);
  say('resend', 'resend.button');
  applyLanguage();
  wire();
  // The agent app may hand a fresh token to the page it already shows (same page, new #token=…): take it too.
  window.addEventListener('hashchange', () => {
    const token = takeTokenFromLocation(window);
    if (token) signIn(token);
  });
  const token = takeTokenFromLocation(window);
  if (!token) return signedOut();
  await signIn(token);
}

main();
