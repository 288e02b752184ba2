// The agent's eKYC page: start → OTP → fingerprint → result, driven by the session's status on the server so that
// opening the page again lands where the session stands. Only the user code is kept (sessionStorage); the Aadhaar
// number, mobile, OTP and PidData live in form fields or one variable for as long as they are needed, and are never
// stored. The bearer token is taken out of the URL at once and lives in memory only (api.js).
import { ApiError, createApi, peekClaims, takeTokenFromLocation } from './api.js';
import { checkOtp, digitsOnly, formatLatLong, validateStart, ruleKey } from './form.js';
import { QUALITY, capture, deviceInfo, discover, qualityBand } from './rd.js';

const STORAGE_KEY = 'ekyc.userCode';
const FINAL = ['COMPLETED', 'FAILED', 'EXPIRED', 'CANCELLED'];
const WAITING = {
  SENDING_OTP: ['Sending the OTP…', 'Asking Eko to send an OTP to your registered mobile.'],
  VERIFYING_OTP: ['Checking the OTP…', 'Eko is verifying the OTP.'],
  SUBMITTING_BIOMETRIC: [
    'Checking your fingerprint…',
    'Eko is completing your eKYC with the bank. This can take a minute.',
  ],
};
const STEP_OF_SCREEN = { start: 'start', otp: 'otp', fingerprint: 'fingerprint', result: 'result' };
const STEP_OF_STAGE = {
  SENDING_OTP: 'start',
  VERIFYING_OTP: 'otp',
  SUBMITTING_BIOMETRIC: 'fingerprint',
};

// What an agent should read for each rule the server and the page share.
const FRIENDLY = {
  userCode: 'Enter your 8-digit agent user code.',
  customerId: 'Enter a 10-digit mobile number that starts with 6, 7, 8 or 9.',
  aadhaarFormat: 'Enter all 12 digits of the Aadhaar number. It never starts with 0 or 1.',
  aadhaarChecksum: 'This is not a valid Aadhaar number. Please check it for a typing mistake.',
  latlong: 'Enter latitude and longitude in decimal degrees, like 28.613900,77.209000.',
  bankCode: 'Enter the bank code: 2 to 12 letters or digits, like HDFC.',
  otp: 'Enter the 6-digit OTP from the SMS.',
};
const LABELS = {
  userCode: 'Agent user code',
  customerId: 'Mobile number',
  aadhaar: 'Aadhaar number',
  latlong: 'Location',
  bankCode: 'Bank code',
};

const $ = (id) => document.getElementById(id);

const state = {
  api: null,
  claims: {},
  userCode: null,
  status: null,
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

// ---------- small view helpers ----------

function setText(id, text) {
  $(id).textContent = text ?? '';
}

function showMessage(id, text) {
  const el = $(id);
  el.textContent = text ?? '';
  el.hidden = !text;
}

function announce(text) {
  setText('announce', '');
  // A fresh text node makes screen readers read the same message again.
  requestAnimationFrame(() => setText('announce', text));
}

function plural(n, one, many) {
  return `${n} ${n === 1 ? one : many}`;
}

/** Server texts ("the OTP expired and no resends are left") as a sentence: capital first, full stop last. */
function sentence(text) {
  const t = String(text ?? '').trim();
  if (!t) return '';
  return t[0].toUpperCase() + t.slice(1) + (/[.!?]$/.test(t) ? '' : '.');
}

function friendly(rule, field) {
  return FRIENDLY[rule] ?? `${LABELS[field] ?? field} ${rule}.`;
}

function setBusy(button, busy, busyLabel) {
  // Nothing else may start meanwhile, cancelling included.
  $('cancel').disabled = busy;
  if (busy) $('cancel-confirm').hidden = true;
  if (busy) {
    button.dataset.label = button.textContent;
    button.textContent = busyLabel;
    button.disabled = true;
    button.setAttribute('aria-busy', 'true');
  } else {
    if (button.dataset.label) button.textContent = button.dataset.label;
    button.disabled = false;
    button.removeAttribute('aria-busy');
  }
}

function show(screen) {
  const changed = state.screen !== screen;
  state.screen = screen;
  for (const section of document.querySelectorAll('section[data-screen]'))
    section.hidden = section.dataset.screen !== screen;
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
    document.body.dataset.view = screen;
    const heading = document.querySelector(`[data-screen="${screen}"] h2`);
    heading?.focus({ preventScroll: false });
    window.scrollTo(0, 0);
  }
  return changed;
}

function banner(text) {
  showMessage('banner', text);
}

// ---------- session status and polling ----------

function schedulePoll() {
  clearTimeout(state.pollTimer);
  const stage = state.status?.stage;
  if (!state.userCode || FINAL.includes(stage) || state.restarting || state.screen === 'notoken') return;
  const delay = !stage || WAITING[stage] ? 1000 : 5000;
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
      banner(`Cannot reach the eKYC service (${describe(err)}). Retrying…`);
    }
  } finally {
    if (seq === state.refreshSeq) schedulePoll();
  }
}

function handleAuthError(err) {
  if (!(err instanceof ApiError) || (err.status !== 401 && err.status !== 403)) return false;
  clearTimeout(state.pollTimer);
  setText(
    'notoken-message',
    err.status === 401
      ? 'Your sign-in has expired or is not valid. Go back to your agent app and open eKYC again.'
      : 'This sign-in belongs to a different agent. Go back to your agent app and open eKYC from your own account.',
  );
  show('notoken');
  return true;
}

function describe(err) {
  if (err instanceof ApiError) {
    if (err.status === 0) return err.problem?.title ?? 'network error';
    if (err.problem?.code === 'EKO_UNAVAILABLE') return 'Eko is not answering right now (nothing was used up)';
    if (err.status === 503) return 'the service is busy';
    return err.message.replace(/[.\s]+$/, ''); // it sits inside a sentence
  }
  return 'unexpected error';
}

function render() {
  const stage = state.status?.stage;
  if (state.restarting) return;
  if (!stage) return showStart();
  if (WAITING[stage]) {
    setText('wait-title', WAITING[stage][0]);
    setText('wait-text', WAITING[stage][1]);
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
  const fromToken = /^\d{8}$/.test(state.claims.user_code ?? '') ? state.claims.user_code : null;
  const userCode = $('userCode');
  userCode.readOnly = Boolean(fromToken);
  if (fromToken) {
    userCode.value = fromToken;
  } else if (!userCode.value && prefill) {
    userCode.value = prefill;
  }
  if (show('start')) {
    showMessage('start-error', null);
    if (!state.latlong && $('manual-location').hidden) locate();
  }
}

function locate() {
  if (!('geolocation' in navigator)) return useManualLocation('This browser cannot share your location.');
  setText('location-status', 'Finding your location…');
  $('locate').disabled = true;
  navigator.geolocation.getCurrentPosition(
    (pos) => {
      $('locate').disabled = false;
      state.latlong = formatLatLong(pos.coords.latitude, pos.coords.longitude);
      $('location-status').classList.add('ok');
      setText('location-status', `Location captured (within ${Math.round(pos.coords.accuracy)} m).`);
      $('locate').textContent = 'Update my location';
      showMessage('latlong-error', null);
    },
    (err) => {
      $('locate').disabled = false;
      const why =
        err.code === err.PERMISSION_DENIED ? 'Location permission was refused.' : 'Your location could not be found.';
      useManualLocation(`${why} Type it instead, or try again.`);
    },
    { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 },
  );
}

function useManualLocation(message) {
  state.latlong = null;
  $('location-status').classList.remove('ok');
  setText('location-status', message);
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

function showFieldErrors(errors) {
  const fields = ['userCode', 'customerId', 'aadhaar', 'bankCode', 'latlong'];
  for (const field of fields) {
    const error = errors.find((e) => e.field === field);
    const input = $(field);
    const message =
      field === 'latlong' && error && $('manual-location').hidden
        ? 'We need your location. Press "Use my location", or type it instead.'
        : error && friendly(error.rule, field);
    showMessage(`${field}-error`, message);
    if (error) input.setAttribute('aria-invalid', 'true');
    else input.removeAttribute('aria-invalid');
  }
  const first = fields.find((f) => errors.some((e) => e.field === f));
  if (first) {
    const target = first === 'latlong' && $('manual-location').hidden ? $('locate') : $(first);
    target.focus();
  }
}

async function onStart(event) {
  event.preventDefault();
  if (state.busy) return;
  showMessage('start-error', null);
  const input = readStartForm();
  const errors = validateStart(input);
  showFieldErrors(errors);
  if (errors.length) {
    announce(`${plural(errors.length, 'field needs', 'fields need')} attention.`);
    return;
  }
  const button = $('start-submit');
  state.busy = true;
  setBusy(button, true, 'Sending OTP…');
  try {
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
    if (err instanceof ApiError && err.status === 400 && err.errors.length) {
      showFieldErrors(err.errors.map((e) => ({ field: String(e.field).split('.').pop(), rule: ruleKey(e.rule) })));
      showMessage('start-error', 'Please correct the highlighted fields.');
    } else if (err instanceof ApiError && err.status === 409) {
      state.userCode = input.userCode;
      sessionStorage.setItem(STORAGE_KEY, input.userCode);
      state.restarting = false;
      await refresh();
    } else {
      showMessage('start-error', `Could not start eKYC: ${describe(err)}. Please try again.`);
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
  const left = outcome.attemptsLeft;
  if (code === 'OTP_EXPIRED') return 'This OTP has expired. Ask for a new OTP below.';
  if (code === 'NO_OTP_ATTEMPTS_LEFT') return 'No attempts are left for this OTP. Ask for a new OTP below.';
  const base =
    code === 'EkoOtpRejected' ? 'That OTP is not correct.' : sentence(outcome.reason) || 'The OTP was not accepted.';
  // The attempts left are shown under the field already; only their end needs saying here.
  if (left === 0) return `${base} No attempts are left for this OTP: ask for a new OTP below.`;
  return `${base} Check the SMS and try again.`;
}

function updateOtp() {
  const s = state.status;
  setText(
    'otp-lead',
    s.mobileHint
      ? `We sent a 6-digit OTP to your registered mobile ${s.mobileHint}.`
      : 'We sent a 6-digit OTP to your registered mobile.',
  );
  const noAttempts = s.otpAttemptsLeft === 0;
  setText(
    'otp-attempts',
    typeof s.otpAttemptsLeft === 'number'
      ? `${plural(s.otpAttemptsLeft, 'attempt', 'attempts')} left for this OTP.`
      : '',
  );
  let message = state.otpMessage;
  if (s.otpExpired) message = 'This OTP has expired. Ask for a new OTP below.';
  else if (noAttempts && !message) message = 'No attempts are left for this OTP. Ask for a new OTP below.';
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
    button.textContent = 'Resend OTP';
    setText('resend-info', 'No more OTPs can be sent for this session.');
    return;
  }
  const left = typeof s.resendsLeft === 'number' ? ` ${plural(s.resendsLeft, 'resend', 'resends')} left.` : '';
  if (wait > 0) {
    button.disabled = true;
    const mm = Math.floor(wait / 60);
    const ss = String(wait % 60).padStart(2, '0');
    button.textContent = `Resend OTP in ${mm}:${ss}`;
    setText('resend-info', `Didn't get it? You can ask for a new OTP when the timer ends.${left}`);
  } else {
    button.disabled = state.busy;
    button.textContent = 'Resend OTP';
    setText('resend-info', `Didn't get it? Ask for a new OTP.${left}`);
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
    state.otpMessage = friendly(rule, 'otp');
    updateOtp();
    $('otp').focus();
    return;
  }
  const button = $('otp-submit');
  state.busy = true;
  setBusy(button, true, 'Verifying…');
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
    state.otpMessage = `Could not check the OTP: ${describe(err)}. Please try again.`;
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
  setBusy(button, true, 'Sending…');
  try {
    const outcome = await state.api.resendOtp(state.userCode);
    if (outcome.accepted === false) {
      state.otpMessage = sentence(outcome.reason) || 'A new OTP could not be sent.';
    } else {
      state.otpMessage = null;
      $('otp').value = '';
      state.otpNotice = `A new OTP has been sent${state.status?.mobileHint ? ` to ${state.status.mobileHint}` : ''}.`;
      announce(state.otpNotice);
    }
  } catch (err) {
    if (handleAuthError(err)) return;
    if (err instanceof ApiError && err.status === 429 && err.retryAfterSeconds) {
      state.resendNotBefore = Date.now() + err.retryAfterSeconds * 1000;
      state.otpMessage = `Please wait ${plural(err.retryAfterSeconds, 'second', 'seconds')} before asking for a new OTP.`;
    } else {
      state.otpMessage = `Could not send a new OTP: ${describe(err)}.`;
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
  state.pid = null;
  $('quality').hidden = true;
  $('submit-fp').hidden = true;
  showMessage('fp-error', null);
  if (!state.rd) findScanner();
  else setCaptureReady();
}

function setDevice(kind, status, detail) {
  $('device').dataset.state = kind;
  setText('device-status', status);
  setText('device-detail', detail);
}

async function findScanner() {
  if (state.discovering) return;
  state.discovering = true;
  $('rediscover').hidden = true;
  $('capture').disabled = true;
  setDevice('searching', 'Looking for the fingerprint scanner…', 'Checking the RD service on this computer.');
  try {
    const service = await discover();
    if (!service) {
      state.rd = null;
      setDevice(
        'missing',
        'No fingerprint scanner found.',
        'Plug in the scanner and start its RD service, then search again.',
      );
    } else if (service.status !== 'READY') {
      state.rd = null;
      setDevice(
        'missing',
        'The scanner is not ready.',
        `The RD service answered (${service.status || 'no status'}). Check the scanner's cable, then search again.`,
      );
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
  const name = d?.model ? `Scanner ready: ${d.model}` : 'Scanner ready';
  const detail = d
    ? [d.provider, d.rdsId && `RD service ${d.rdsId} ${d.rdsVer}`.trim(), d.serial && `serial ${d.serial}`]
        .filter(Boolean)
        .join(' · ')
    : state.rd.info;
  setDevice('ready', name, detail);
  $('capture').disabled = state.busy;
}

function updateFingerprint() {
  const left = state.status.biometricAttemptsLeft;
  setText('fp-attempts', typeof left === 'number' ? `${plural(left, 'submission', 'submissions')} left.` : '');
}

function showQuality(result) {
  const band = qualityBand(result.qScore);
  $('quality').hidden = false;
  $('quality').dataset.band = band;
  setText('quality-score', `${result.qScore} / 100`);
  $('quality-fill').style.width = `${Math.max(4, Math.min(100, result.qScore))}%`;
  const text = {
    good: 'Good quality. Submit it to finish your eKYC.',
    low: `Low quality (under ${QUALITY.retryBelow}). Clean the finger and the scanner and capture again.`,
    blocked: `Too poor to use (under ${QUALITY.blockBelow}). Clean the finger and the scanner, press flat and firmly, and capture again.`,
  }[band];
  setText('quality-text', text);
  $('submit-fp').hidden = band === 'blocked';
  $('submit-fp').classList.toggle('secondary', band !== 'good');
  $('submit-fp').classList.toggle('primary', band === 'good');
  $('capture').classList.toggle('secondary', band === 'good');
  $('capture').classList.toggle('primary', band !== 'good');
  $('capture').textContent = 'Capture again';
  announce(`Capture quality ${result.qScore} out of 100. ${text}`);
  (band === 'good' ? $('submit-fp') : $('capture')).focus();
}

async function onCapture() {
  if (state.busy || !state.rd) return;
  const button = $('capture');
  state.busy = true;
  state.pid = null;
  $('submit-fp').hidden = true;
  $('quality').hidden = true;
  showMessage('fp-error', null);
  setBusy(button, true, 'Place your finger on the scanner…');
  try {
    const result = await capture(state.rd);
    if (result.errCode !== 0) {
      // 720 is the RD spec's "Device not ready": usually a loose cable, not the finger.
      const advice =
        result.errCode === 720 ? 'Check that the scanner is plugged in, then capture again.' : 'Please capture again.';
      showMessage(
        'fp-error',
        `The scanner reported: ${result.errInfo || 'capture failed'} (code ${result.errCode}). ${advice}`,
      );
    } else {
      state.pid = result.pidData;
      showQuality(result);
    }
  } catch {
    state.rd = null;
    showMessage('fp-error', 'Lost contact with the scanner. Check it is plugged in.');
    findScanner();
  } finally {
    state.busy = false;
    $('cancel').disabled = false;
    button.removeAttribute('aria-busy');
    button.disabled = !state.rd;
    if (!state.pid) button.textContent = button.dataset.label || 'Capture fingerprint';
  }
}

async function onSubmitFingerprint() {
  if (state.busy || !state.pid) return;
  const pidData = state.pid;
  // One PidData, one submission: a rejected capture is not sent twice.
  state.pid = null;
  const button = $('submit-fp');
  state.busy = true;
  $('capture').disabled = true;
  setBusy(button, true, 'Checking your fingerprint…');
  showMessage('fp-error', null);
  try {
    const outcome = await state.api.submitBiometric(state.userCode, pidData);
    if (!outcome.accepted) {
      // The submissions left are shown under the message already.
      const reason = sentence(outcome.reason) || 'The fingerprint was not accepted.';
      showMessage('fp-error', `${reason} Please capture again.`);
    }
  } catch (err) {
    if (handleAuthError(err)) return;
    showMessage('fp-error', `Could not submit the fingerprint: ${describe(err)}. Please capture again.`);
  } finally {
    state.busy = false;
    setBusy(button, false);
    button.hidden = true;
    $('quality').hidden = true;
    $('capture').disabled = !state.rd;
    $('capture').textContent = 'Capture again';
    $('capture').classList.add('primary');
    $('capture').classList.remove('secondary');
  }
  await refresh();
}

// ---------- result, restart, cancel ----------

function showResult() {
  const s = state.status;
  const when = (iso) =>
    iso ? new Date(iso).toLocaleString('en-IN', { dateStyle: 'medium', timeStyle: 'short' }) : 'today';
  const content = {
    COMPLETED: [
      'ok',
      'eKYC completed',
      `Agent ${s.userCode} completed eKYC on ${when(s.completedAt)}. You can close this page.`,
    ],
    FAILED: ['bad', 'eKYC did not go through', sentence(s.lastError?.message) || 'Eko did not accept the eKYC.'],
    EXPIRED: ['bad', 'The eKYC session expired', 'It was not finished in time. You can start again.'],
    CANCELLED: ['bad', 'eKYC cancelled', 'This eKYC was cancelled. You can start again.'],
  }[s.stage];
  $('result-icon').dataset.kind = content[0];
  $('result-icon').textContent = content[0] === 'ok' ? '✓' : '!';
  setText('result-title', content[1]);
  setText('result-text', content[2]);
  $('restart').hidden = s.stage === 'COMPLETED';
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
  setBusy(button, true, 'Cancelling…');
  try {
    await state.api.cancel(state.userCode);
  } catch (err) {
    if (handleAuthError(err)) return;
    banner(`Could not cancel: ${describe(err)}.`);
  } finally {
    state.busy = false;
    setBusy(button, false);
    $('cancel-confirm').hidden = true;
  }
  await refresh();
}

// ---------- wiring ----------

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
  $('aadhaar-toggle').addEventListener('click', () => {
    // Masked by CSS, never type=password: password managers would take the start form for a sign-in form.
    const reveal = $('aadhaar').classList.contains('masked');
    $('aadhaar').classList.toggle('masked', !reveal);
    $('aadhaar-toggle').setAttribute('aria-pressed', String(reveal));
    $('aadhaar-toggle').textContent = reveal ? 'Hide' : 'Show';
  });
  // Group the Aadhaar number as printed on the card (1234 5678 9012) while typing.
  $('aadhaar').addEventListener('input', (e) => {
    const input = e.target;
    const digits = input.value.replace(/\D/g, '').slice(0, 12);
    const grouped = digits.replace(/(\d{4})(?=\d)/g, '$1 ');
    if (grouped !== input.value) input.value = grouped;
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
  $('otp').addEventListener('input', (e) => {
    const digits = e.target.value.replace(/\D/g, '').slice(0, 6);
    if (digits !== e.target.value) e.target.value = digits;
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
  state.api = createApi(token);
  const claimed = /^\d{8}$/.test(state.claims.user_code ?? '') ? state.claims.user_code : null;
  state.userCode = claimed ?? state.userCode ?? sessionStorage.getItem(STORAGE_KEY);
  if (!state.userCode) return showStart();
  await refresh();
}

/** No token: the page was opened without one, or reloaded (the token is never kept, so a reload signs out). */
function signedOut() {
  const reloaded = performance.getEntriesByType('navigation')[0]?.type === 'reload';
  if (reloaded || sessionStorage.getItem(STORAGE_KEY)) {
    setText(
      'notoken-message',
      'For your security, this page forgets your sign-in when it is reloaded. Go back to your agent app and open ' +
        'eKYC again: your eKYC continues where you left it.',
    );
  }
  show('notoken');
}

async function main() {
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
