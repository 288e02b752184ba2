// Fuzzing the client library's input validation: every generated invalid start input comes back as a typed
// ValidationError naming the broken field, before anything reaches Temporal — no RPC, no workflow.
import fc from 'fast-check';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, Connection } from '@temporalio/client';
import { EkycClient, ValidationError } from '../../client/index.js';
import { temporalConfig, testCodecConfig } from '../client/harness.js';
import { FUZZ_RUNS, fuzzParams, invalidInput, namedFields, type InvalidInput } from './support.js';

let ekyc: EkycClient;
let observer: { client: Client; close: () => Promise<void> };
const taskQueue = `fuzz-client-${randomUUID()}`;
const temporalCalls: string[] = [];

const workflowsOnQueue = async () => (await observer.client.workflow.count(`TaskQueue = '${taskQueue}'`)).count;

beforeAll(async () => {
  ekyc = await EkycClient.connect({
    temporal: temporalConfig(taskQueue),
    codec: testCodecConfig(),
    callTimeoutMs: 30_000,
  });
  // Any use of Temporal by the client library is recorded: an invalid input must cause none.
  const workflow = ekyc.client.workflow;
  for (const method of ['start', 'getHandle', 'signalWithStart', 'execute'] as const) {
    const original = workflow[method].bind(workflow) as (...args: unknown[]) => unknown;
    (workflow as unknown as Record<string, unknown>)[method] = (...args: unknown[]) => {
      temporalCalls.push(method);
      return original(...args);
    };
  }
  const connection = await Connection.connect(temporalConfig(taskQueue).connection);
  observer = {
    client: new Client({ connection, namespace: temporalConfig(taskQueue).namespace }),
    close: () => connection.close(),
  };
});
afterAll(async () => {
  await ekyc?.close();
  await observer?.close();
});

describe('EkycClient.startEkyc with generated invalid input', () => {
  it(`throws a ValidationError naming the broken field, and touches Temporal not at all (${FUZZ_RUNS} inputs)`, async () => {
    const before = await workflowsOnQueue();
    await fc.assert(
      fc.asyncProperty(invalidInput, async ({ value, expectFields }: InvalidInput) => {
        let error: unknown;
        try {
          await ekyc.startEkyc(value as never);
        } catch (err) {
          error = err;
        }
        if (!(error instanceof ValidationError)) throw new Error(`not a ValidationError: ${(error as Error)?.name}`);
        const named = namedFields(error.errors);
        const missing = expectFields.filter((f) => !named.has(f));
        if (missing.length) throw new Error(`errors do not name ${missing.join(', ')}`);
      }),
      fuzzParams(),
    );
    expect(temporalCalls).toEqual([]);
    expect(await workflowsOnQueue()).toBe(before);
  });
});
