// Helpers for the tracing tests: an OTLP/HTTP receiver on loopback (what a collector would be), the spans it got
// in a flat shape, and the eKYC stack of one process (worker, API, Temporal client) built with or without tracing,
// as `ekyc dev` builds it.
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { inject } from 'vitest';
import { NativeConnection, type Worker } from '@temporalio/worker';
import { createActivities } from '../../activities/index.js';
import { buildApi } from '../../api/app.js';
import { EkycClient } from '../../client/index.js';
import type { EkycStatus, Stage } from '../../common/domain.js';
import type { Tracing } from '../../observability/tracing.js';
import type { EkoSimulator } from '../../sim/eko-sim.js';
import { createEkycWorker } from '../../worker/worker.js';
import { temporalConfig, testCodecConfig } from '../client/harness.js';
import { ekoConfigFor } from '../sim/eko-fixtures.js';
import type { TestIssuer } from '../support/jwt.js';
import { testDataConverter } from '../workflows/harness.js';
import { stopWorker } from '../support/stop-worker.js';

export interface ReceivedSpan {
  name: string;
  traceId: string;
  spanId: string;
  parentSpanId: string;
  kind: number;
  attributes: Record<string, unknown>;
  events: { name: string; attributes: Record<string, unknown> }[];
  status: { code?: number; message?: string };
  resource: Record<string, unknown>;
}

type OtlpValue = {
  stringValue?: string;
  intValue?: string | number;
  doubleValue?: number;
  boolValue?: boolean;
  arrayValue?: { values?: OtlpValue[] };
  kvlistValue?: { values?: OtlpKeyValue[] };
};
type OtlpKeyValue = { key: string; value?: OtlpValue };

function value(v: OtlpValue | undefined): unknown {
  if (!v) return undefined;
  if (v.stringValue !== undefined) return v.stringValue;
  if (v.intValue !== undefined) return Number(v.intValue);
  if (v.doubleValue !== undefined) return v.doubleValue;
  if (v.boolValue !== undefined) return v.boolValue;
  if (v.arrayValue) return (v.arrayValue.values ?? []).map(value);
  if (v.kvlistValue) return attributes(v.kvlistValue.values);
  return undefined;
}

const attributes = (list: OtlpKeyValue[] | undefined) =>
  Object.fromEntries((list ?? []).map((kv) => [kv.key, value(kv.value)]));

/** A stand-in OpenTelemetry collector: OTLP/HTTP JSON on 127.0.0.1, keeping every request body and span. */
export class OtlpReceiver {
  readonly spans: ReceivedSpan[] = [];
  readonly bodies: string[] = [];
  requests = 0;

  private server: Server | undefined;
  url = '';

  static async start(): Promise<OtlpReceiver> {
    const receiver = new OtlpReceiver();
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        receiver.receive(req.url ?? '', req.headers['content-type'] ?? '', Buffer.concat(chunks).toString('utf8'));
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    receiver.server = server;
    receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return receiver;
  }

  private receive(path: string, contentType: string, body: string): void {
    this.requests++;
    this.bodies.push(body);
    if (path !== '/v1/traces' || !contentType.startsWith('application/json')) return;
    const request = JSON.parse(body) as {
      resourceSpans?: {
        resource?: { attributes?: OtlpKeyValue[] };
        scopeSpans?: {
          spans?: {
            name: string;
            traceId: string;
            spanId: string;
            parentSpanId?: string;
            kind: number;
            attributes?: OtlpKeyValue[];
            events?: { name: string; attributes?: OtlpKeyValue[] }[];
            status?: { code?: number; message?: string };
          }[];
        }[];
      }[];
    };
    for (const rs of request.resourceSpans ?? []) {
      const resource = attributes(rs.resource?.attributes);
      for (const ss of rs.scopeSpans ?? []) {
        for (const s of ss.spans ?? []) {
          this.spans.push({
            name: s.name,
            traceId: s.traceId,
            spanId: s.spanId,
            parentSpanId: s.parentSpanId ?? '',
            kind: s.kind,
            attributes: attributes(s.attributes),
            events: (s.events ?? []).map((e) => ({ name: e.name, attributes: attributes(e.attributes) })),
            status: s.status ?? {},
            resource,
          });
        }
      }
    }
  }

  trace(traceId: string): ReceivedSpan[] {
    return this.spans.filter((s) => s.traceId === traceId);
  }

  close(): Promise<void> {
    return new Promise((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

/** The span named `name` in `spans`; fails naming what is there instead. */
export function spanNamed(spans: ReceivedSpan[], name: string): ReceivedSpan {
  const found = spans.filter((s) => s.name === name);
  if (found.length !== 1) {
    throw new Error(`expected one span "${name}", found ${found.length} among: ${spans.map((s) => s.name).join(', ')}`);
  }
  return found[0];
}

/** Flushes the SDK until `done` holds for what the receiver has, or fails after `timeoutMs`. */
export async function waitForSpans(
  tracing: Tracing,
  receiver: OtlpReceiver,
  done: () => boolean,
  what: string,
  timeoutMs = 60_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    await tracing.forceFlush();
    if (done()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Every string a span carries outward: its name, attribute keys and values, events, status, resource. */
export function spanTexts(span: ReceivedSpan): string[] {
  const texts: string[] = [span.name, span.status.message ?? ''];
  const walk = (v: unknown): void => {
    if (typeof v === 'string') texts.push(v);
    else if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        texts.push(k);
        walk(x);
      }
    }
  };
  walk(span.attributes);
  walk(span.resource);
  for (const e of span.events) {
    texts.push(e.name);
    walk(e.attributes);
  }
  return texts;
}

export interface Stack {
  api: FastifyInstance;
  /** An untraced client for polling, so that waiting adds no spans. */
  plain: EkycClient;
  taskQueue: string;
  worker: Worker;
  waitForStage(userCode: string, stage: Stage): Promise<EkycStatus>;
  close(): Promise<void>;
}

/** Worker, Temporal client and API of one process, traced when `tracing` is given (workflow code bundled to match). */
export async function startStack(options: {
  sim: EkoSimulator;
  issuer: TestIssuer;
  workflowCode: string;
  tracing: Tracing | null;
}): Promise<Stack> {
  const taskQueue = `ekyc-tracing-${randomUUID()}`;
  const connection = await NativeConnection.connect({ address: inject('temporalAddress') });
  const worker = await createEkycWorker({
    connection,
    namespace: inject('temporalNamespace'),
    taskQueue,
    activities: createActivities({ eko: ekoConfigFor(options.sim, { timeoutMs: 5_000 }) }),
    dataConverter: testDataConverter(),
    workflowBundle: { code: options.workflowCode },
    shutdownGraceTime: '2s',
    tracing: options.tracing,
  });
  const running = worker.run();
  const temporal = temporalConfig(taskQueue);
  const codec = testCodecConfig();
  const ekyc = await EkycClient.connect({ temporal, codec, callTimeoutMs: 30_000, tracing: options.tracing });
  const plain = await EkycClient.connect({ temporal, codec, callTimeoutMs: 30_000 });
  const api = buildApi({
    client: ekyc,
    auth: options.issuer.config,
    logger: pino({ level: 'silent' }),
    publicDir: null,
    ...(options.tracing ? { tracer: options.tracing.tracer } : {}),
  });
  await api.ready();
  return {
    api,
    plain,
    taskQueue,
    worker,
    async waitForStage(userCode, stage) {
      const deadline = Date.now() + 45_000;
      let last: EkycStatus | undefined;
      while (Date.now() < deadline) {
        last = await plain.status(userCode).catch(() => undefined);
        if (last?.stage === stage) return last;
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error(`timed out waiting for stage ${stage}; last ${last?.stage ?? 'unknown'}`);
    },
    async close() {
      await api.close();
      await ekyc.close();
      await plain.close();
      await stopWorker(worker, running, connection);
    },
  };
}
