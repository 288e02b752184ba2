// GET /openapi.json: an OpenAPI 3.1 document, generated from the route schemas, that passes the OpenAPI 3.1 schema
// (the lint), documents every route with its security and problem responses, and the webhook events as delivered; and
// a typed client generated from it by openapi-typescript drives one session against the real stack.
import { spawn } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { Validator } from '@seriousme/openapi-schema-validator';
import { buildApi } from '../../api/app.js';
import { PROBLEM_CONTENT_TYPE } from '../../api/problems.js';
import { WEBHOOK_EVENT_TYPES, webhookBody, type WebhookEvent } from '../../events/model.js';
import { createTestIssuer, type TestIssuer } from '../support/jwt.js';
import { startClientHarness, type ClientHarness } from '../client/harness.js';
import { responseViolations } from './openapi-validate.js';
import { standInClient } from './support.js';
import { pidData } from '../sim/eko-fixtures.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

let issuer: TestIssuer;
let app: FastifyInstance;
const routes: { method: string; url: string; hidden: boolean }[] = [];
let doc: Record<string, unknown> & {
  paths: Record<string, Record<string, { security?: unknown; responses: Record<string, { content?: object }> }>>;
};

beforeAll(async () => {
  issuer = await createTestIssuer();
  app = buildApi({ client: standInClient(), auth: issuer.config, logger: pino({ level: 'silent' }) });
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) {
      routes.push({ method, url: route.url, hidden: (route.schema as { hide?: boolean } | undefined)?.hide === true });
    }
  });
  await app.ready();
  const res = await app.inject({ method: 'GET', url: '/openapi.json' });
  expect(res.statusCode).toBe(200);
  expect(res.headers['content-type']).toMatch(/^application\/json/);
  doc = res.json();
});
afterAll(async () => {
  await app?.close();
});

const openapiPath = (url: string) => url.replace(/:([A-Za-z]+)/g, '{$1}');

describe('GET /openapi.json', () => {
  it('is served without a token and passes the OpenAPI 3.1 schema', async () => {
    expect(doc.openapi).toBe('3.1.0');
    const validator = new Validator();
    const result = await validator.validate(structuredClone(doc));
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.1');
  });

  it('documents every route the API serves (but the page’s static files)', () => {
    const served = routes.filter((r) => !r.hidden && r.method !== 'HEAD' && !r.url.includes('*'));
    expect(served.length).toBeGreaterThan(10);
    for (const r of served) {
      expect(doc.paths[openapiPath(r.url)]?.[r.method.toLowerCase()], `${r.method} ${r.url}`).toBeDefined();
    }
  });

  it('names the bearer JWT scheme and the scopes each /v1 operation needs', () => {
    expect((doc.components as { securitySchemes: unknown }).securitySchemes).toEqual({
      bearer: expect.objectContaining({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' }),
    });
    for (const [path, operations] of Object.entries(doc.paths)) {
      for (const [method, operation] of Object.entries(operations)) {
        if (!path.startsWith('/v1/')) {
          expect(operation.security, `${method} ${path}`).toBeUndefined();
          continue;
        }
        const expected = path.endsWith('/invalidate')
          ? [{ bearer: ['ekyc:admin'] }]
          : [{ bearer: ['ekyc:agent'] }, { bearer: ['ekyc:admin'] }];
        expect(operation.security, `${method} ${path}`).toEqual(expected);
        for (const status of ['400', '401', '403', '429', '500', '503']) {
          expect(operation.responses[status]?.content, `${method} ${path} ${status}`).toHaveProperty([
            PROBLEM_CONTENT_TYPE,
          ]);
        }
      }
    }
  });

  it('describes each problem body the API sends, and refuses one it does not', () => {
    const sent = [
      {
        method: 'POST',
        route: '/v1/ekyc/:userCode/otp',
        status: 422,
        contentType: PROBLEM_CONTENT_TYPE,
        body: JSON.stringify({
          type: 'urn:fingpay-ekyc:problem:ekootprejected',
          title: 'OTP not accepted',
          status: 422,
          code: 'EkoOtpRejected',
          accepted: false,
          stage: 'AWAITING_OTP',
          attemptsLeft: 2,
        }),
      },
    ];
    expect(responseViolations(doc, sent)).toEqual([]);
    const wrong = [{ ...sent[0], body: JSON.stringify({ title: 'no code', status: 422 }) }];
    expect(responseViolations(doc, wrong)).toEqual([expect.stringMatching(/must have required property/)]);
    expect(responseViolations(doc, [{ ...sent[0], status: 418 }])).toEqual([expect.stringMatching(/not documented/)]);
  });

  it('lists every webhook event, and a delivered body validates against its schema', () => {
    const webhooks = doc.webhooks as Record<string, { post: { requestBody: { content: Record<string, unknown> } } }>;
    expect(Object.keys(webhooks).sort()).toEqual([...WEBHOOK_EVENT_TYPES].sort());
    const event: WebhookEvent = {
      id: 'msg_1',
      type: 'agent.daily_auth.blocked',
      timestamp: new Date().toISOString(),
      data: {
        userCode: '20110001',
        workflowId: 'fingpay-agent-20110001',
        state: 'BLOCKED',
        date: '2026-11-30',
        code: 'EkoBiometricRejected',
        attemptsLeft: 0,
        validUntil: null,
        retryAfter: '2026-11-30T18:30:00.000Z',
        sequence: 7,
      },
    };
    // The webhook's request body checked as if it were a response of a one-operation document.
    const asDoc = {
      ...doc,
      paths: { '/hook': { post: { responses: { 200: webhooks[event.type].post.requestBody } } } },
    };
    const delivered = { method: 'POST', route: '/hook', status: 200, contentType: 'application/json' };
    expect(responseViolations(asDoc, [{ ...delivered, body: webhookBody(event) }])).toEqual([]);
    const wrongType = webhookBody({ ...event, type: 'agent.daily_auth.failed' });
    expect(responseViolations(asDoc, [{ ...delivered, body: wrongType }])).not.toEqual([]);
  });
});

describe('a typed client generated from the document', () => {
  let h: ClientHarness;
  let live: FastifyInstance;

  beforeAll(async () => {
    h = await startClientHarness();
    live = buildApi({ client: h.ekyc, auth: issuer.config, logger: pino({ level: 'silent' }), publicDir: null });
    await live.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(async () => {
    await live?.close();
    await h?.close();
  });

  it('type-checks against the generated types and drives one session to COMPLETED', async () => {
    const dir = `${ROOT}artifacts/openapi-client/`;
    await mkdir(dir, { recursive: true });
    await writeFile(`${dir}openapi.json`, JSON.stringify(doc));
    await run(['node_modules/.bin/openapi-typescript', `${dir}openapi.json`, '-o', `${dir}api.ts`]);
    await writeFile(`${dir}drive.ts`, DRIVER);
    // The driver only compiles if its paths, bodies and answers match the generated types.
    await run([
      'node_modules/.bin/tsc',
      '--ignoreConfig', // TypeScript 6 refuses files on the command line next to a tsconfig.json otherwise
      '--noEmit',
      '--types',
      'node', // TypeScript 6 loads no @types by default
      '--strict',
      '--skipLibCheck',
      '--module',
      'nodenext',
      '--moduleResolution',
      'nodenext',
      '--target',
      'es2022',
      `${dir}drive.ts`,
    ]);
    const agent = h.newAgent();
    const address = live.server.address() as { port: number };
    const out = await run([process.execPath, '--import', 'tsx', `${dir}drive.ts`], {
      API: `http://127.0.0.1:${address.port}`,
      SIM: h.sim.baseUrl.replace(/\/ekoapi.*$|\/+$/, ''),
      TOKEN: await issuer.agentToken(agent.userCode),
      INPUT: JSON.stringify(h.input(agent)),
      PID: pidData(),
    });
    expect(JSON.parse(out)).toEqual({ started: 201, otp: 200, biometric: 200, stage: 'COMPLETED' });
  }, 180_000);
});

function run(argv: string[], env: Record<string, string> = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0], argv.slice(1), {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b));
    child.stderr.on('data', (b: Buffer) => (stderr += b));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve(stdout) : reject(new Error(`${argv.join(' ')} exited ${code}: ${stdout}${stderr}`)),
    );
  });
}

/** What a backend team writes with the generated types and openapi-fetch. */
const DRIVER = `import createClient from 'openapi-fetch';
import type { paths } from './api.js';

const api = createClient<paths>({ baseUrl: process.env.API!, headers: { authorization: \`Bearer \${process.env.TOKEN}\` } });
const input = JSON.parse(process.env.INPUT!) as paths['/v1/ekyc']['post']['requestBody']['content']['application/json'];
const params = { path: { userCode: input.userCode } };

const started = await api.POST('/v1/ekyc', { body: input });
let stage = started.data?.stage;
for (let i = 0; i < 200 && stage !== 'AWAITING_OTP'; i++) {
  await new Promise((r) => setTimeout(r, 100));
  stage = (await api.GET('/v1/ekyc/{userCode}', { params })).data?.stage;
}
const { otp } = (await (await fetch(\`\${process.env.SIM}/__sim/otp/\${input.userCode}\`)).json()) as { otp: string };
const verified = await api.POST('/v1/ekyc/{userCode}/otp', { params, body: { otp } });
const pidData = process.env.PID!;
const biometric = await api.POST('/v1/ekyc/{userCode}/biometric', { params, body: { pidData } });
const done: 'COMPLETED' | undefined = biometric.data?.stage === 'COMPLETED' ? biometric.data.stage : undefined;
console.log(JSON.stringify({ started: started.response.status, otp: verified.response.status, biometric: biometric.response.status, stage: done }));
`;
