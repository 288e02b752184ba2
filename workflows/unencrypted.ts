// What every workflow does with a payload that reached the worker unencrypted (codec/fail-closed.ts): count it by
// message and log the message name, never a value. The rule text is what the refusals name.
import { log, metricMeter } from '@temporalio/workflow';

export const UNENCRYPTED_RULE = 'must be encrypted with the payload codec (use the ekyc client, API or CLI)';

// Emitted by the worker's Runtime (Prometheus on EKYC_METRICS_PORT); the SDK skips it while replaying.
const unencryptedPayloads = () =>
  metricMeter.createCounter(
    'ekyc_unencrypted_payloads',
    'payloads',
    'session inputs and messages refused as unencrypted',
  );

export function noteUnencrypted(message: string): void {
  unencryptedPayloads().add(1, { message });
  log.warn('refused a payload that reached the worker unencrypted', { message });
}
