// How the client library reads the SDK's errors: transport trouble (retry later, the API's 503) against the rest.
import { ServiceError } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import { unavailableReason } from '../../client/temporal-errors.js';

/** A gRPC error as @grpc/grpc-js hands it to the SDK, wrapped the way the SDK wraps a failed update call. */
function failedUpdate(code: number, details: string): ServiceError {
  const grpc = Object.assign(new Error(`${code} ${details}`), { code, details, metadata: {} });
  return new ServiceError('Workflow Update failed', { cause: grpc });
}

describe('unavailableReason', () => {
  it("reads a shard changing hands (ABORTED, Temporal's ShardOwnershipLost) as a server that is recovering", () => {
    expect(unavailableReason(failedUpdate(10, 'shard ownership lost'))).toBe('the server is recovering');
  });

  it('reads UNAVAILABLE, RESOURCE_EXHAUSTED and DEADLINE_EXCEEDED as transport trouble', () => {
    expect(unavailableReason(failedUpdate(14, 'workflow update was aborted'))).toBe('the server cannot be reached');
    expect(unavailableReason(failedUpdate(8, 'namespace rate limit exceeded'))).toBe('the server is overloaded');
    expect(unavailableReason(failedUpdate(4, 'deadline exceeded'))).toBe('the call timed out');
  });

  it("reads Temporal's WorkflowNotReady (an update refused while the workflow task is retried) as recovering", () => {
    const refused = 'Unable to perform workflow execution update due to Workflow Task in failed state.';
    expect(unavailableReason(failedUpdate(9, refused))).toBe("the session's workflow task is being retried");
    expect(unavailableReason(failedUpdate(9, 'Unable to query workflow due to Workflow Task in failed state.'))).toBe(
      "the session's workflow task is being retried",
    );
    // Any other failed precondition is the caller's.
    expect(unavailableReason(failedUpdate(9, 'Workflow execution is already completed'))).toBeNull();
    expect(unavailableReason(failedUpdate(3, refused))).toBeNull();
  });

  it('leaves every other code to the caller (a bad request is not retried)', () => {
    for (const code of [2, 3, 5, 6, 7, 9, 12, 13, 16]) {
      expect(unavailableReason(failedUpdate(code, 'some detail'))).toBeNull();
    }
  });
});
