// The worker refuses to start on a namespace that lacks a search attribute its workflows upsert (instead of failing
// every session's workflow task), with one line naming what is missing and the command that adds it.
import { msToTs } from '@temporalio/common/lib/time.js';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { Connection } from '@temporalio/client';
import proto from '@temporalio/proto';
import type { EkoSimulator } from '../../sim/eko-sim.js';
import { missingSearchAttributes, REQUIRED_SEARCH_ATTRIBUTES } from '../../worker/search-attributes.js';
import { startSim } from '../sim/eko-fixtures.js';
import { crash, spawnWorker, workerEnv } from './child-worker.js';

const { IndexedValueType } = proto.temporal.api.enums.v1;

let sim: EkoSimulator;
let connection: Connection;
beforeAll(async () => {
  sim = await startSim();
  connection = await Connection.connect({ address: inject('temporalAddress') });
});
afterAll(async () => {
  await connection?.close();
  await sim?.stop();
});

/** A fresh namespace with none of our search attributes, once the server answers for it. */
async function bareNamespace(): Promise<string> {
  const namespace = `ekyc-bare-${randomUUID().slice(0, 8)}`;
  await connection.workflowService.registerNamespace({
    namespace,
    workflowExecutionRetentionPeriod: msToTs('1 day'),
  });
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      await connection.operatorService.listSearchAttributes({ namespace });
      return namespace;
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

async function runWorker(namespace: string) {
  const worker = spawnWorker(workerEnv(sim, `ekyc-sa-${randomUUID()}`, { TEMPORAL_NAMESPACE: namespace }));
  const exited = await Promise.race([worker.exited, new Promise<null>((r) => setTimeout(() => r(null), 60_000))]);
  if (!exited) await crash(worker);
  return { exited, stdout: worker.stdout(), stderr: worker.stderr() };
}

describe('the worker start-up check of search attributes', () => {
  it('refuses a namespace without them, naming each with its type and the command to add it', async () => {
    const namespace = await bareNamespace();
    const { exited, stdout, stderr } = await runWorker(namespace);
    expect(exited).toEqual({ code: 1, signal: null });
    const { error } = JSON.parse(stdout);
    expect(error.code).toBe('NAMESPACE_SETUP');
    expect(error.message).toContain(
      `namespace "${namespace}" lacks the search attributes EkycStage (Keyword), EkoUserCode (Keyword), AgentState (Keyword), DailyAuthDate (Keyword), WebhookFailures (Int)`,
    );
    expect(error.message).toContain(
      `temporal operator search-attribute create --namespace ${namespace} --name EkycStage --type Keyword`,
    );
    expect(
      stderr
        .trim()
        .split('\n')
        .filter((l) => l.startsWith('ekyc: ')),
    ).toHaveLength(1);
  }, 90_000);

  it('names only the one still missing once the others are added', async () => {
    const namespace = await bareNamespace();
    const keyword = IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD;
    await connection.operatorService.addSearchAttributes({
      namespace,
      searchAttributes: {
        EkycStage: keyword,
        AgentState: keyword,
        DailyAuthDate: keyword,
        WebhookFailures: IndexedValueType.INDEXED_VALUE_TYPE_INT,
      },
    });
    const { exited, stdout } = await runWorker(namespace);
    expect(exited?.code).toBe(1);
    const { error } = JSON.parse(stdout);
    expect(error.message).toContain('lacks the search attributes EkoUserCode (Keyword):');
    expect(error.message).not.toContain('EkycStage (Keyword)');
    expect(error.message).not.toContain('AgentState (Keyword)');
  }, 90_000);

  it('takes an attribute of the wrong type as missing', () => {
    const keyword = IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD;
    const all = {
      EkycStage: keyword,
      EkoUserCode: keyword,
      AgentState: keyword,
      DailyAuthDate: keyword,
      WebhookFailures: IndexedValueType.INDEXED_VALUE_TYPE_INT,
    };
    expect(missingSearchAttributes(all)).toEqual([]);
    expect(
      missingSearchAttributes({ ...all, DailyAuthDate: IndexedValueType.INDEXED_VALUE_TYPE_TEXT }).map((a) => a.name),
    ).toEqual(['DailyAuthDate']);
    expect(REQUIRED_SEARCH_ATTRIBUTES.map((a) => a.name)).toEqual([
      'EkycStage',
      'EkoUserCode',
      'AgentState',
      'DailyAuthDate',
      'WebhookFailures',
    ]);
  });
});
