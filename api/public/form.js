// The start and OTP forms: what the agent typed, as the server wants it, judged by the server's own rules. The rules
// are common/checks.ts, compiled and served by the API at /common/checks.js (api/page-modules.ts): one set of rules
// for the page, the API and the workflow. A broken rule comes back as the stable key of common/checks.ts RULES
// (`userCode`, `aadhaarChecksum`, …), which the message catalogues (i18n/) turn into words.
import { RULES, checkDailyAuthArg, checkEkycInput, checkOtpArg } from './common/checks.js';

export const START_FIELDS = Object.freeze(['userCode', 'customerId', 'aadhaar', 'bankCode', 'latlong']);

const RULE_KEY = new Map(Object.entries(RULES).map(([key, text]) => [text, key]));

/** The RULES key of a rule text (the server's 400 `errors[].rule` carries the text), or 'invalid'. */
export function ruleKey(rule) {
  return RULE_KEY.get(rule) ?? 'invalid';
}

/** What the agent typed into a number field, without spaces or dashes. */
export function digitsOnly(text) {
  return String(text ?? '').replace(/[\s-]/g, '');
}

/** Every broken rule of the start form as `[{ field, rule }]`, `rule` a RULES key; one per field. */
export function validateStart(input) {
  return checkEkycInput(input)
    .filter((e) => START_FIELDS.includes(e.field))
    .map((e) => ({ field: e.field, rule: ruleKey(e.rule) }));
}

/** The RULES key the OTP breaks, or null. */
export function checkOtp(otp) {
  const error = checkOtpArg({ otp })[0];
  return error ? ruleKey(error.rule) : null;
}

/** The RULES key the Aadhaar number of a Daily KYC breaks (judged with the capture it goes with), or null. */
export function checkDailyAadhaar(aadhaar, pidData) {
  const error = checkDailyAuthArg({ aadhaar, pidData }).find((e) => e.field === 'aadhaar');
  return error ? ruleKey(error.rule) : null;
}

/** `"<lat>,<long>"` from a geolocation fix, to six decimals (about 0.1 m). */
export function formatLatLong(latitude, longitude) {
  return `${latitude.toFixed(6)},${longitude.toFixed(6)}`;
}
