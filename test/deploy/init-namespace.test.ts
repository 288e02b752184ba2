// deploy/temporal/init-namespace.sh against the real Temporal server of the test run, on namespaces of its own:
// a namespace that does not exist yet, a second run (idempotent), one attribute missing, one of the wrong type.
// It must succeed only when the server lists every search attribute with its type, and say why otherwise.
import { msToTs } from '@temporalio/common/lib/time.js';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { Connection } from '@temporalio/client';
import proto from '@temporalio/proto';
import { findTemporalCli, SEARCH_ATTRIBUTES } from '../../dev/temporal-server.js';
import { REQUIRED_SEARCH_ATTRIBUTES } from '../../worker/search-attributes.js';

const { IndexedValueType } = proto.temporal.api.enums.v1;
const run = promisify(execFile);
const SCRIPT = fileURLToPath(new URL('../../deploy/temporal/init-namespace.sh', import.meta.url));

let connection: Connection;
beforeAll(async () => {
  connection = await Connection.connect({ address: inject('temporalAddress') });
});
afterAll(async () => {
  await connection?.close();
});

const newNamespace = () => `ekyc-init-${randomUUID().slice(0, 8)}`;

function realCli(): string {
  const cli = findTemporalCli();
  if (!cli) throw new Error('the Temporal CLI is not on PATH (nor TEMPORAL_CLI_PATH)');
  return cli.path;
}

/**
 * A `temporal` that answers the first `search-attribute create` with success without doing anything, as the
 * PostgreSQL-backed server was seen to do right after creating the namespace; everything else is the real CLI.
 */
function racingCli(): string {
  const dir = mkdtempSync(join(tmpdir(), 'ekyc-racing-cli-'));
  writeFileSync(
    join(dir, 'temporal'),
    [
      '#!/bin/sh',
      `if [ "$1 $2 $3" = "operator search-attribute create" ] && [ ! -e "${dir}/raced" ]; then`,
      `  touch "${dir}/raced"; echo "Search attributes have been added"; exit 0`,
      'fi',
      `exec "${realCli()}" "$@"`,
      '',
    ].join('\n'),
    { mode: 0o755 },
  );
  return dir;
}

async function init(
  namespace: string,
  cliDir = dirname(realCli()),
): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = {
    PATH: `${cliDir}:${process.env.PATH}`,
    TEMPORAL_ADDRESS: inject('temporalAddress'),
    TEMPORAL_NAMESPACE: namespace,
    INIT_MAX_TRIES: '6',
    INIT_MAX_DELAY_SECONDS: '2',
  };
  try {
    const { stdout, stderr } = await run('sh', [SCRIPT], { env, timeout: 90_000 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

async function listed(namespace: string): Promise<Record<string, string>> {
  const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace });
  return Object.fromEntries(
    Object.entries(customAttributes ?? {}).map(([name, type]) => [name, IndexedValueType[type as number]]),
  );
}

async function createNamespace(namespace: string): Promise<void> {
  await connection.workflowService.registerNamespace({
    namespace,
    workflowExecutionRetentionPeriod: msToTs('1 day'),
  });
  for (const deadline = Date.now() + 30_000; ;) {
    try {
      await connection.operatorService.listSearchAttributes({ namespace });
      return;
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

describe('deploy/temporal/init-namespace.sh', () => {
  it('lists the same search attributes as the worker checks and the dev server registers', () => {
    const script = readFileSync(SCRIPT, 'utf8');
    const declared = /^attributes="([^"]*)"/m.exec(script)![1].split(' ');
    const required = REQUIRED_SEARCH_ATTRIBUTES.map(
      (a) => `${a.name}:${a.type.charAt(0)}${a.type.slice(1).toLowerCase()}`,
    );
    expect(declared).toEqual(required);
    expect(Object.entries(SEARCH_ATTRIBUTES).map(([n, t]) => `${n}:${t}`)).toEqual(required);
  });

  it('creates a namespace that does not exist yet with every search attribute, and is idempotent', async () => {
    const namespace = newNamespace();
    const first = await init(namespace);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout).toContain(`namespace ${namespace} created`);
    expect(first.stdout).toContain(`namespace ${namespace} ready`);
    expect(await listed(namespace)).toMatchObject({
      EkycStage: 'INDEXED_VALUE_TYPE_KEYWORD',
      EkoUserCode: 'INDEXED_VALUE_TYPE_KEYWORD',
    });

    const second = await init(namespace);
    expect(second.code).toBe(0);
    expect(second.stdout).not.toContain('created');
    expect(second.stdout).not.toContain('added');
    expect(second.stdout).toContain(`namespace ${namespace} ready`);
  }, 120_000);

  it('does not report ready when the server acknowledged an attribute it did not add; it adds it again', async () => {
    const namespace = newNamespace();
    const { code, stdout } = await init(namespace, racingCli());
    expect(code).toBe(0);
    // The first create was swallowed: the check found it missing and added it on the next round.
    expect(stdout.match(/search attribute EkycStage \(Keyword\) added/g)).toHaveLength(2);
    expect(await listed(namespace)).toMatchObject({
      EkycStage: 'INDEXED_VALUE_TYPE_KEYWORD',
      EkoUserCode: 'INDEXED_VALUE_TYPE_KEYWORD',
    });
  }, 120_000);

  it('adds only the attribute that is missing', async () => {
    const namespace = newNamespace();
    await createNamespace(namespace);
    await connection.operatorService.addSearchAttributes({
      namespace,
      searchAttributes: { EkycStage: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD },
    });
    const { code, stdout } = await init(namespace);
    expect(code).toBe(0);
    expect(stdout).toContain('search attribute EkoUserCode (Keyword) added');
    expect(stdout).not.toContain('EkycStage (Keyword) added');
    expect(await listed(namespace)).toMatchObject({ EkoUserCode: 'INDEXED_VALUE_TYPE_KEYWORD' });
  }, 120_000);

  it('fails with the server error when an attribute exists with another type', async () => {
    const namespace = newNamespace();
    await createNamespace(namespace);
    await connection.operatorService.addSearchAttributes({
      namespace,
      searchAttributes: { EkoUserCode: IndexedValueType.INDEXED_VALUE_TYPE_TEXT },
    });
    const { code, stdout, stderr } = await init(namespace);
    expect(code).toBe(1);
    expect(stdout).not.toContain('ready');
    expect(stderr).toMatch(/error: search attribute EkoUserCode exists in \S+ with another type: .*different type/);
  }, 120_000);
});
