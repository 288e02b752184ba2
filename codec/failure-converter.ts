// Loaded by path (the worker bundles it into the workflow sandbox): failure messages and stack traces
// are moved into an encoded payload, so the payload codec encrypts them too. The client library `require`s this
// file by path too, so it must stay free of TypeScript-only syntax (it is loaded as .ts under the tests).
import { DefaultFailureConverter } from '@temporalio/common';

export const failureConverter = new DefaultFailureConverter({ encodeCommonAttributes: true });
