// The workflow code's own cost, without a server: replays a recorded history in this thread (the SDK's debug mode)
// many times and prints, per replay, the CPU it took and how many promises the workflow code created. Every promise
// created in workflow context costs the SDK's promise hook a stack trace mapped through the bundle's source map
// (docs/PERFORMANCE.md), so the count is a lever we own; a replay also proves that a change kept the commands the
// same (a nondeterminism error fails it). `--where` prints where in our source the promises are made.
//
//   node --import tsx bench/workflow-replay.ts [--rounds 300] [--where] [fixture-name | history.json ...]
//   node --import tsx bench/workflow-replay.ts --kind baseline --codec-keys <bench key> baseline.json
//
// Fixture names are files of test/fixtures/histories (the test key); a history exported from `npm run bench` is
// encrypted with its bench key (bench/workers.ts BENCH_CODEC_KEYS), and a baseline session replays on the baseline's
// bundle (`--kind baseline`).
import { readFileSync } from 'node:fs';
import { promiseHooks } from 'node:v8';
import { parseArgs } from 'node:util';
import { SourceMapConsumer } from 'source-map';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils.js';
import { DefaultLogger, Runtime, Worker, type ReplayWorkerOptions } from '@temporalio/worker';
import { createDataConverter } from '../codec/data-converter.js';
import { loadCodecConfig } from '../config/index.js';
import { buildBundle, removeBundle } from './workers.js';

// The key the committed fixtures are encrypted with (test/workflows/harness.ts): synthetic data only.
const TEST_CODEC_KEYS = 'test-only-fixtures:BxIqzC1vQ7jpCF2dRzXcxXSOv8cTe7afN64tmrhSERk=';
const HISTORIES = new URL('../test/fixtures/histories/', import.meta.url);
const DEFAULT_FIXTURES = ['webhooks-ekyc-completed', 'sealed-completed-after-rejection', 'webhooks-agent-daily-auth'];

const { values, positionals } = parseArgs({
  options: {
    rounds: { type: 'string', default: '300' },
    where: { type: 'boolean', default: false },
    kind: { type: 'string', default: 'ekyc' },
    'codec-keys': { type: 'string', default: TEST_CODEC_KEYS },
  },
  allowPositionals: true,
});
const rounds = Number(values.rounds);
if (!Number.isInteger(rounds) || rounds < 1 || rounds > 100_000) throw new Error('--rounds: must be 1-100000');
const kind = values.kind;
if (kind !== 'ekyc' && kind !== 'baseline') throw new Error('--kind: must be ekyc or baseline');

// The product's worker runs dist/ without source maps; tsx turns them on for this process.
process.setSourceMapsEnabled(false);
Runtime.install({ logger: new DefaultLogger('ERROR') });

const bundlePath = await buildBundle(kind);
const code = readFileSync(bundlePath, 'utf8');
await removeBundle(bundlePath);
const dataConverter = createDataConverter(loadCodecConfig({ EKYC_CODEC_KEYS: values['codec-keys'] }));
const inlineMap = /sourceMappingURL=data:application\/json;(?:charset=utf-8;)?base64,([A-Za-z0-9+/=]+)/.exec(code)?.[1];
const consumer =
  values.where && inlineMap
    ? await new SourceMapConsumer(Buffer.from(inlineMap, 'base64').toString('utf8'))
    : undefined;

let workflowPromises = 0;
const where = new Map<string, number>();
/** The innermost three frames of ours (workflows/, common/, bench/baseline/) that made a promise. */
function ourFrames(): string {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 40;
  const stack = new Error().stack ?? '';
  Error.stackTraceLimit = limit;
  const frames: string[] = [];
  for (const m of stack.matchAll(/at (?:(\S+) \()?\S*\.js:(\d+):(\d+)/g)) {
    const pos = consumer!.originalPositionFor({ line: Number(m[2]), column: Number(m[3]) });
    const ours = pos.source && /(workflows|common|baseline)\/[^/]+$/.exec(pos.source);
    if (ours) frames.push(`${m[1] ?? '?'}@${ours[0]}:${pos.line}`);
  }
  return frames.slice(0, 3).join(' < ') || '(the SDK only)';
}
promiseHooks.onInit((promise) => {
  // Promises of the workflow's V8 context have that context's Promise constructor.
  if ((promise as Promise<unknown>).constructor === Promise) return;
  workflowPromises++;
  if (consumer) {
    const key = ourFrames();
    where.set(key, (where.get(key) ?? 0) + 1);
  }
});

function load(arg: string) {
  const url = arg.endsWith('.json') ? new URL(arg, `file://${process.cwd()}/`) : new URL(`${arg}.json`, HISTORIES);
  return historyFromJSON(JSON.parse(readFileSync(url, 'utf8')));
}

for (const name of positionals.length ? positionals : DEFAULT_FIXTURES) {
  const history = load(name);
  const replay = async (count: number, prefix: string) => {
    const histories = Array.from({ length: count }, (_, i) => ({ workflowId: `${prefix}-${i}`, history }));
    // debugMode (not in ReplayWorkerOptions' type, honoured by the replay worker): the workflows run in this thread.
    const options = { workflowBundle: { code }, dataConverter, debugMode: true, replayName: `replay-${prefix}` };
    for await (const result of Worker.runReplayHistories(options as ReplayWorkerOptions, histories)) {
      if (result.error) throw result.error;
    }
  };
  await replay(Math.min(20, rounds), 'warm-up');
  workflowPromises = 0;
  where.clear();
  const cpu = process.cpuUsage();
  const started = performance.now();
  await replay(rounds, 'measured');
  const used = process.cpuUsage(cpu);
  console.log(
    JSON.stringify({
      history: name,
      kind,
      events: history.events?.length ?? 0,
      rounds,
      cpuMsPerReplay: +((used.user + used.system) / 1000 / rounds).toFixed(2),
      wallMsPerReplay: +((performance.now() - started) / rounds).toFixed(2),
      workflowPromisesPerReplay: +(workflowPromises / rounds).toFixed(1),
    }),
  );
  for (const [at, n] of [...where].sort((a, b) => b[1] - a[1]).slice(0, 40)) {
    console.log(`${(n / rounds).toFixed(1).padStart(7)}  ${at}`);
  }
}
