// The workflow bundle's entry point: every workflow type this worker registers.
export { fingpayEkyc } from './ekyc.js';
export { fingpayOtpQuota } from './otp-quota.js';
export { fingpayAgent } from './agent.js';
export { fingpayWebhooks } from './webhooks.js';
