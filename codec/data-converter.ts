// The one data converter used by the worker, the client library, the CLI, the HTTP API and the local stack.
import { fileURLToPath } from 'node:url';
import type { DataConverter } from '@temporalio/common';
import type { CodecConfig } from '../config/index.js';
import { AesGcmPayloadCodec } from './payload-codec.js';

// Same extension as this module: .ts under the tests, .js once built.
const ext = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
export const FAILURE_CONVERTER_PATH = fileURLToPath(new URL(`./failure-converter${ext}`, import.meta.url));

export function createDataConverter(config: CodecConfig): DataConverter {
  return {
    payloadCodecs: [new AesGcmPayloadCodec(config)],
    failureConverterPath: FAILURE_CONVERTER_PATH,
  };
}
