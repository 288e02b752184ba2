// The worker's last line against plain payloads: whatever reaches a workflow without the `binary/encrypted`
// encoding (a `temporal workflow start/signal --input '{…}'` without the codec) is replaced by a marker before
// any workflow code sees it, so a plain Aadhaar number, OTP or PidData is never used, nor copied into the
// workflow's own (encrypted) state. The workflow refuses or ignores the marker (workflows/ekyc.ts).
import type { Payload, PayloadCodec } from '@temporalio/common';
import { UNENCRYPTED_MARKER_KEY } from '../common/unencrypted.js';
import { isEncrypted, METADATA_ENCODING } from './payload-codec.js';

const enc = new TextEncoder();
const dec = new TextDecoder();
// `binary/null` is an absent argument (a signal sent without input): there is no value to protect.
const NULL_ENCODING = 'binary/null';

const MARKER: Payload = {
  metadata: { [METADATA_ENCODING]: enc.encode('json/plain') },
  data: enc.encode(JSON.stringify({ [UNENCRYPTED_MARKER_KEY]: true })),
};

function isNull(payload: Payload): boolean {
  const encoding = payload.metadata?.[METADATA_ENCODING];
  return !!encoding && dec.decode(encoding) === NULL_ENCODING;
}

/**
 * Decode-side only: must run before the AES codec decrypts (listed after it in `payloadCodecs`, since decoding
 * runs the codecs in reverse). Encoding passes through: the AES codec has already encrypted everything.
 */
export class FailClosedCodec implements PayloadCodec {
  async encode(payloads: Payload[]): Promise<Payload[]> {
    return payloads;
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => (isEncrypted(payload) || isNull(payload) ? payload : MARKER));
  }
}
