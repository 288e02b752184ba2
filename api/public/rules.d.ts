// Types of rules.js, for the tests that hold it to common/validation.ts. The page itself loads the .js file.
export declare const RULES: Readonly<{
  userCode: string;
  customerId: string;
  aadhaarFormat: string;
  aadhaarChecksum: string;
  latlong: string;
  bankCode: string;
  otp: string;
}>;
export declare const MAX_LENGTH: Readonly<{
  userCode: number;
  customerId: number;
  aadhaar: number;
  latlong: number;
  bankCode: number;
  otp: number;
}>;
export type StartField = 'userCode' | 'customerId' | 'aadhaar' | 'latlong' | 'bankCode';
export declare const FIELD_CHECKS: Readonly<Record<StartField, (value: unknown) => string | null>>;
export declare function verhoeffValid(digits: unknown): boolean;
export declare function digitsOnly(text: unknown): string;
export declare function validateStart(input: unknown): { field: StartField; rule: string }[];
export declare function checkOtp(otp: unknown): string | null;
export declare function formatLatLong(latitude: number, longitude: number): string;
