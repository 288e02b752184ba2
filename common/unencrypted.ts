// What the worker hands its workflows in place of a payload that reached it unencrypted (codec/fail-closed.ts).
// Pure, so the workflow sandbox can import it: a session input or message carrying this is never used.

/** The single key of the stand-in object; no client of ours ever sends it. */
export const UNENCRYPTED_MARKER_KEY = '__ekycUnencryptedPayload__';

export type UnencryptedMarker = { [UNENCRYPTED_MARKER_KEY]: true };

export function isUnencryptedMarker(value: unknown): value is UnencryptedMarker {
  return (
    typeof value === 'object' && value !== null && (value as Record<string, unknown>)[UNENCRYPTED_MARKER_KEY] === true
  );
}

/** The reason listed in `status().ignoredSignals` and the label of the `ekyc_unencrypted_payloads` metric. */
export const UNENCRYPTED_REASON = 'unencrypted';
