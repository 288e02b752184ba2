// Common bank codes for the start form's searchable list (a <datalist>: any other code may still be typed, and the
// bankCode rule of common/checks.ts judges it). Eko's bank codes for AePS are the banks' IFSC prefixes; the names
// are the banks' own (proper nouns, as printed on passbooks), so they are not translated.
export const BANKS = Object.freeze([
  ['SBIN', 'State Bank of India'],
  ['PUNB', 'Punjab National Bank'],
  ['BARB', 'Bank of Baroda'],
  ['CNRB', 'Canara Bank'],
  ['UBIN', 'Union Bank of India'],
  ['BKID', 'Bank of India'],
  ['CBIN', 'Central Bank of India'],
  ['IOBA', 'Indian Overseas Bank'],
  ['IDIB', 'Indian Bank'],
  ['UCBA', 'UCO Bank'],
  ['MAHB', 'Bank of Maharashtra'],
  ['PSIB', 'Punjab & Sind Bank'],
  ['HDFC', 'HDFC Bank'],
  ['ICIC', 'ICICI Bank'],
  ['UTIB', 'Axis Bank'],
  ['KKBK', 'Kotak Mahindra Bank'],
  ['YESB', 'Yes Bank'],
  ['INDB', 'IndusInd Bank'],
  ['IDFB', 'IDFC FIRST Bank'],
  ['FDRL', 'Federal Bank'],
  ['AIRP', 'Airtel Payments Bank'],
  ['IPOS', 'India Post Payments Bank'],
  ['FINO', 'Fino Payments Bank'],
  ['PYTM', 'Paytm Payments Bank'],
]);
