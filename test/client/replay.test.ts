// `ekyc replay`'s input: every refusal names its field, before or as the server answers (the replay itself, on live
// sessions of two worker versions, is test/worker/versioning.test.ts).
import { describe, expect, inject, it } from 'vitest';
import { parseReplayOptions, replayCommand } from '../../client/replay.js';
import { ValidationError } from '../../common/validation.js';
import { TEST_CODEC_KEYS } from '../workflows/harness.js';

const env = () => ({
  TEMPORAL_ADDRESS: inject('temporalAddress'),
  TEMPORAL_NAMESPACE: inject('temporalNamespace'),
  EKYC_CODEC_KEYS: TEST_CODEC_KEYS,
  EKYC_LOG_LEVEL: 'silent',
});

async function refusal(run: () => unknown): Promise<{ field: string; rule: string }[]> {
  try {
    await run();
  } catch (err) {
    if (err instanceof ValidationError) return err.errors;
    throw err;
  }
  throw new Error('not refused');
}

describe('ekyc replay options', () => {
  it('takes a query, and optionally a bundle file and a limit', () => {
    expect(parseReplayOptions({ query: ' ExecutionStatus="Running" ' })).toEqual({
      query: 'ExecutionStatus="Running"',
    });
    expect(parseReplayOptions({ query: 'q', bundle: 'b.js', limit: '20' })).toEqual({
      query: 'q',
      bundle: 'b.js',
      limit: 20,
    });
  });

  it('refuses an empty or overlong query, a limit that is not a positive integer and an empty bundle path', async () => {
    expect(await refusal(() => parseReplayOptions({ query: '  ' }))).toEqual([
      { field: 'query', rule: 'must be a visibility query of 1-4000 characters' },
    ]);
    expect(await refusal(() => parseReplayOptions({ query: 'x'.repeat(4001) }))).toEqual([
      { field: 'query', rule: 'must be a visibility query of 1-4000 characters' },
    ]);
    for (const limit of ['0', '-1', '1.5', 'ten', '99999999']) {
      expect(await refusal(() => parseReplayOptions({ query: 'q', limit }))).toEqual([
        { field: 'limit', rule: 'must be an integer from 1 to 9999999' },
      ]);
    }
    expect(await refusal(() => parseReplayOptions({ query: 'q', bundle: ' ' }))).toEqual([
      { field: 'bundle', rule: 'must be a file path' },
    ]);
  });

  it('names the bundle file it cannot read', async () => {
    expect(await refusal(() => replayCommand({ query: 'q', bundle: '/nonexistent/bundle.js' }, env()))).toEqual([
      { field: 'bundle', rule: 'could not be read (ENOENT)' },
    ]);
  });

  it("names the query when the server refuses it, with the server's reason", async () => {
    const errors = await refusal(() => replayCommand({ query: 'WorkflowType ===' }, env()));
    expect(errors).toHaveLength(1);
    expect(errors[0].field).toBe('query');
    expect(errors[0].rule).toMatch(/^was refused by the server: .*malformed/);
  }, 60_000);
});
