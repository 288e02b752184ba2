import { describe, expect, it } from 'vitest';
import { ConfigError, loadWorkerWorkflowThreads } from '../../config/index.js';

describe('EKYC_WORKER_WORKFLOW_THREADS', () => {
  it("defaults to 1 workflow thread, the SDK's own default", () => {
    expect(loadWorkerWorkflowThreads({})).toBe(1);
  });
  it('takes an integer from 1 to 16', () => {
    expect(loadWorkerWorkflowThreads({ EKYC_WORKER_WORKFLOW_THREADS: '1' })).toBe(1);
    expect(loadWorkerWorkflowThreads({ EKYC_WORKER_WORKFLOW_THREADS: '16' })).toBe(16);
  });
  it('names the variable and the rule for a bad value', () => {
    expect(() => loadWorkerWorkflowThreads({ EKYC_WORKER_WORKFLOW_THREADS: 'many' })).toThrow(ConfigError);
    for (const bad of ['0', '17', '1.5']) {
      expect(() => loadWorkerWorkflowThreads({ EKYC_WORKER_WORKFLOW_THREADS: bad })).toThrow(
        /^EKYC_WORKER_WORKFLOW_THREADS: must be an integer between 1 and 16$/,
      );
    }
  });
});
