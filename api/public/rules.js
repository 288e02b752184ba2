// Input rules of the start form, for the browser. The server's rules are common/validation.ts (zod), which the
// page cannot load without a bundler; this mirror keeps the same patterns and the same messages, and
// test/page/rules.test.ts holds it to the server's schemas on the same generated inputs. As on the server, each
// check tests the length bound first, so no pattern sees a longer string (common/checks.ts MAX_LENGTH).

export const RULES = Object.freeze({
  userCode: 'must be 8 digits',
  customerId: 'must be a 10-digit Indian mobile number starting with 6-9',
  aadhaarFormat: 'must be 12 digits, not starting with 0 or 1',
  aadhaarChecksum: 'must end in a valid Verhoeff check digit',
  latlong: 'must be "<lat>,<long>" in decimal degrees, latitude -90..90 and longitude -180..180',
  bankCode: 'must be 2-12 letters or digits (Eko bank code, e.g. HDFC)',
  otp: 'must be exactly 6 digits',
});

/** The longest value each field accepts (common/checks.ts MAX_LENGTH). */
export const MAX_LENGTH = Object.freeze({
  userCode: 8,
  customerId: 10,
  aadhaar: 12,
  latlong: 64,
  bankCode: 12,
  otp: 6,
});

// Verhoeff (UIDAI's Aadhaar check digit): dihedral group D5 multiplication, permutation and inverse tables.
const D = [
  [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
  [1, 2, 3, 4, 0, 6, 7, 8, 9, 5],
  [2, 3, 4, 0, 1, 7, 8, 9, 5, 6],
  [3, 4, 0, 1, 2, 8, 9, 5, 6, 7],
  [4, 0, 1, 2, 3, 9, 5, 6, 7, 8],
  [5, 9, 8, 7, 6, 0, 4, 3, 2, 1],
  [6, 5, 9, 8, 7, 1, 0, 4, 3, 2],
  [7, 6, 5, 9, 8, 2, 1, 0, 4, 3],
  [8, 7, 6, 5, 9, 3, 2, 1, 0, 4],
  [9, 8, 7, 6, 5, 4, 3, 2, 1, 0],
];
const P = [
  [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
  [1, 5, 7, 6, 2, 8, 3, 0, 9, 4],
  [5, 8, 0, 3, 7, 9, 6, 1, 4, 2],
  [8, 9, 1, 6, 0, 4, 3, 5, 2, 7],
  [9, 4, 5, 3, 1, 2, 6, 8, 7, 0],
  [4, 2, 8, 6, 5, 7, 3, 9, 0, 1],
  [2, 7, 9, 3, 8, 0, 6, 4, 1, 5],
  [7, 0, 4, 6, 9, 1, 3, 2, 5, 8],
];

/** True when `digits` (all 0-9) ends in a valid Verhoeff check digit. */
export function verhoeffValid(digits) {
  if (typeof digits !== 'string' || !/^\d+$/.test(digits)) return false;
  let c = 0;
  for (let i = 0; i < digits.length; i++) c = D[c][P[i % 8][digits.charCodeAt(digits.length - 1 - i) - 48]];
  return c === 0;
}

/** What the agent typed, as the server wants it: Aadhaar and mobile without spaces or dashes. */
export function digitsOnly(text) {
  return String(text ?? '').replace(/[\s-]/g, '');
}

const str = (v) => typeof v === 'string';
/** A string no longer than the field's bound, and then matching `pattern`. */
const fits = (field, v, pattern) => str(v) && v.length <= MAX_LENGTH[field] && pattern.test(v);

/** The rule `value` breaks, or null. One rule per field: the first that fails, as the server lists them. */
export const FIELD_CHECKS = Object.freeze({
  userCode: (v) => (fits('userCode', v, /^\d{8}$/) ? null : RULES.userCode),
  customerId: (v) => (fits('customerId', v, /^[6-9]\d{9}$/) ? null : RULES.customerId),
  aadhaar: (v) => {
    if (!fits('aadhaar', v, /^[2-9]\d{11}$/)) return RULES.aadhaarFormat;
    return verhoeffValid(v) ? null : RULES.aadhaarChecksum;
  },
  latlong: (v) => {
    if (!fits('latlong', v, /^-?\d{1,3}(\.\d+)?,\s?-?\d{1,3}(\.\d+)?$/)) return RULES.latlong;
    const [lat, long] = v.split(',').map(Number);
    return Math.abs(lat) <= 90 && Math.abs(long) <= 180 ? null : RULES.latlong;
  },
  bankCode: (v) => (fits('bankCode', v, /^[A-Za-z0-9]{2,12}$/) ? null : RULES.bankCode),
});

/** Every broken rule of the start form as `[{ field, rule }]`, the shape of the API's problem `errors`. */
export function validateStart(input) {
  const errors = [];
  for (const [field, check] of Object.entries(FIELD_CHECKS)) {
    const rule = check(input?.[field]);
    if (rule) errors.push({ field, rule });
  }
  return errors;
}

/** The OTP rule the OTP broke, or null. */
export function checkOtp(otp) {
  return fits('otp', otp, /^\d{6}$/) ? null : RULES.otp;
}

/** `"<lat>,<long>"` from a geolocation fix, to six decimals (about 0.1 m). */
export function formatLatLong(latitude, longitude) {
  return `${latitude.toFixed(6)},${longitude.toFixed(6)}`;
}
