// `ekyc dev` (`npm start`): the whole local stack in one process tree — the Temporal dev server with its UI
// (SQLite under the data folder, search attributes registered, UI codec endpoint set), the codec server, the
// Eko and RD-service simulators (unless EKO_BASE_URL points at a real Eko), the worker, and the API with the
// agent page. Ctrl-C stops everything; a second start resumes the same sessions.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { resolve, join } from 'node:path';
import { generateKeyPairSync, createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { SignJWT } from 'jose';
import { NativeConnection, type Worker } from '@temporalio/worker';
import { createActivities } from '../activities/index.js';
import { createJwtVerifier } from '../auth/jwt.js';
import { createDataConverter } from '../codec/data-converter.js';
import { loadOrCreateDevCodecConfig, restrictToOwner } from '../codec/dev-key.js';
import { AesGcmPayloadCodec } from '../codec/payload-codec.js';
import { buildCodecServer } from '../codec/server.js';
import { startApi } from '../api/main.js';
import { printJson } from '../client/output.js';
import {
  ConfigError,
  EKO_SIM_DEV_CREDENTIALS,
  intIn,
  orDefault,
  loadApiConfig,
  loadCodecServerConfig,
  loadEkoConfig,
  loadOtpSendCaps,
  loadDailyAuthPolicy,
  loadKeyStoreConfig,
  loadWebhookConfig,
  loadTemporalConfig,
  loadTracingConfig,
  loadWorkerMetricsPort,
  loadWorkerVersioning,
  readVariable,
  type Env,
} from '../config/index.js';
import { createLogger, type Logger } from '../observability/logger.js';
import { startTracing } from '../observability/tracing.js';
import { startSimulators } from '../sim/main.js';
import { installRuntime } from '../worker/runtime.js';
import { makeCurrent, resolveDeploymentVersion } from '../worker/deployment.js';
import { createEkycWorker } from '../worker/worker.js';
import { openWorkerKeys } from '../worker/seal-keys.js';
import { assertPortFree, freePort, isAddressInUse, portInUse } from './ports.js';
import { startDevServer } from './temporal-server.js';
import { startUiProxy } from './ui-proxy.js';
import { forgetDevStack, recordDevStack } from '../client/dev-stack.js';
import { z } from 'zod';

export const DEV_JWT_ISSUER = 'ekyc-dev';
export const DEV_JWT_AUDIENCE = 'fingpay-ekyc';

export interface DevStackUrls {
  agentPage: string;
  api: string;
  temporalUi: string | null;
  temporal: string;
  codecServer: string;
  workerMetrics: string | null;
  ekoSimulator: string | null;
  rdService: string | null;
}

export interface DevStack {
  urls: DevStackUrls;
  /**
   * The operator's dev token (ekyc:admin ekyc:ops, 12 h) for the CLI and the codec server's /session, signed by the
   * stack's own dev key. Printed on stdout only; never in a URL.
   */
  devToken: string;
  dataDir: string;
  /** The Worker Deployment Version the stack's worker runs as and made current; null with versioning off. */
  deployment: { deploymentName: string; buildId: string } | null;
  stop(): Promise<void>;
}

/** The stack's own signing key for dev tokens, kept under the data folder so tokens survive a restart. */
export function loadOrCreateDevJwtKey(dataDir: string): { privateKey: KeyObject; publicPem: string } {
  const path = join(dataDir, 'dev-jwt-key.pem');
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(readFileSync(path, 'utf8'));
  } catch {
    privateKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    writeFileSync(path, privateKey.export({ format: 'pem', type: 'pkcs8' }), { mode: 0o600 });
  }
  // It signs ekyc:ops tokens: 0600 even when an existing data folder held it with a wider mode.
  restrictToOwner(path);
  const publicPem = createPublicKey(privateKey).export({ format: 'pem', type: 'spki' }).toString();
  return { privateKey, publicPem };
}

export function mintDevToken(
  privateKey: KeyObject,
  scope: string,
  extra: Record<string, string> = {},
  { subject = 'dev-operator', lifetime = '12h' }: { subject?: string; lifetime?: string } = {},
): Promise<string> {
  return new SignJWT({ scope, ...extra })
    .setProtectedHeader({ alg: 'ES256' })
    .setIssuer(DEV_JWT_ISSUER)
    .setAudience(DEV_JWT_AUDIENCE)
    .setSubject(subject)
    .setIssuedAt()
    .setExpirationTime(lifetime)
    .sign(privateKey);
}

/**
 * The agent page's token: it travels in the page URL (which the browser may still write to its History before the
 * page takes it out), so it is short-lived and has no ekyc:ops (the codec server would decrypt every payload for
 * it). ekyc:admin, because the dev page onboards whichever user code is typed into it (the Eko simulator registers
 * any); a real agent app hands an ekyc:agent token for its own agent instead.
 */
export const DEV_PAGE_TOKEN = { scope: 'ekyc:admin', lifetime: '1h', subject: 'dev-agent-page' } as const;

function temporalPorts(env: Env): { port: number; uiPort: number } {
  const address = env.TEMPORAL_ADDRESS ?? '127.0.0.1:7233';
  const m = /^(?:127\.0\.0\.1|localhost):(\d{1,5})$/.exec(address);
  if (!m || Number(m[1]) < 1 || Number(m[1]) > 65_535) {
    throw new ConfigError('TEMPORAL_ADDRESS', 'ekyc dev runs its own Temporal on loopback: use 127.0.0.1:<port>');
  }
  const port = Number(m[1]);
  const uiPort = readVariable(env, 'EKYC_TEMPORAL_UI_PORT', intIn(0, 65_535, port + 1000));
  return { port, uiPort };
}

/** Runs `listen`; a port another process holds becomes the one line naming `variable`. */
async function listening<T>(variable: string, port: number, listen: () => Promise<T>): Promise<T> {
  try {
    return await listen();
  } catch (err) {
    if (isAddressInUse(err)) throw portInUse(variable, '127.0.0.1', port);
    throw err;
  }
}

export async function startDevStack(
  env: Env = process.env,
  logger: Logger = createLogger('ekyc-dev', env),
): Promise<DevStack> {
  const dataDir = resolve(readVariable(env, 'EKYC_DATA_DIR', orDefault(z.string(), '.data')));
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const { port: temporalPort, uiPort } = temporalPorts(env);
  const codecPort = readVariable(env, 'EKYC_CODEC_PORT', intIn(0, 65_535, 8888));
  const codecConfig = loadOrCreateDevCodecConfig(dataDir, env);
  const jwtKey = loadOrCreateDevJwtKey(dataDir);
  // First, before anything starts: a metrics port another process holds stops the stack with one line (no
  // Temporal to tear down), and the SDK's logs go through the redacting logger from the start. A Runtime that exists
  // already (the stack embedded in a test process) is kept, and then no metrics URL is claimed.
  const metricsPort = loadWorkerMetricsPort(env);
  const ownRuntime = installRuntime({
    logger: logger.child({ component: 'worker' }),
    metricsPort,
    metricsHost: '127.0.0.1',
  });
  const stops: { name: string; stop: () => Promise<unknown> }[] = [];
  const stopAll = async () => {
    for (const { name, stop } of stops.reverse()) {
      try {
        await stop();
      } catch (err) {
        logger.error({ component: name, errMessage: (err as Error).message }, 'stop failed');
      }
    }
    stops.length = 0;
  };

  try {
    // The UI operators open: the Temporal CLI's UI behind a proxy that turns on the codec's credentials (ui-proxy.ts).
    await assertPortFree('TEMPORAL_ADDRESS', '127.0.0.1', temporalPort);
    const cliUiPort = await freePort();
    const ui = await listening('EKYC_TEMPORAL_UI_PORT', uiPort, () =>
      startUiProxy({ host: '127.0.0.1', port: uiPort, upstream: { host: '127.0.0.1', port: cliUiPort } }),
    );
    stops.push({ name: 'temporal-ui', stop: () => ui.close() });

    // The stack verifies its own dev tokens; the UI origin (both spellings of loopback) may call the codec server.
    const devEnv: Env = {
      ...env,
      EKYC_JWT_JWKS_URL: undefined,
      EKYC_JWT_PUBLIC_KEY: jwtKey.publicPem,
      EKYC_JWT_ISSUER: DEV_JWT_ISSUER,
      EKYC_JWT_AUDIENCE: DEV_JWT_AUDIENCE,
      EKYC_CODEC_CORS_ORIGINS: env.EKYC_CODEC_CORS_ORIGINS ?? `${ui.url},http://localhost:${ui.port}`,
      EKYC_CODEC_PORT: String(codecPort),
      TEMPORAL_ADDRESS: `127.0.0.1:${temporalPort}`,
    };

    const codecServerConfig = loadCodecServerConfig(devEnv);
    const codecServer = await buildCodecServer({
      codec: new AesGcmPayloadCodec(codecConfig),
      auth: createJwtVerifier(codecServerConfig.jwt),
      corsOrigins: codecServerConfig.corsOrigins,
      logger: logger.child({ component: 'codec-server' }),
    });
    stops.push({ name: 'codec-server', stop: () => codecServer.close() });
    await listening('EKYC_CODEC_PORT', codecPort, () => codecServer.listen({ host: '127.0.0.1', port: codecPort }));
    const codecUrl = `http://127.0.0.1:${(codecServer.server.address() as AddressInfo).port}`;

    const temporal = await startDevServer({
      ip: '127.0.0.1',
      port: temporalPort,
      uiPort: cliUiPort,
      dbFilename: join(dataDir, 'temporal.sqlite'),
      codecEndpoint: codecUrl,
      env: env as NodeJS.ProcessEnv,
    });
    stops.push({ name: 'temporal', stop: () => temporal.stop() });

    let ekoSimulator: string | null = null;
    let rdService: string | null = null;
    if (!env.EKO_BASE_URL) {
      const sims = await listening('EKO_SIM_PORT', Number(devEnv.EKO_SIM_PORT ?? 8090), () =>
        startSimulators(devEnv, logger.child({ component: 'sim' }), { stateDir: dataDir }),
      );
      stops.push({ name: 'simulators', stop: () => sims.stop() });
      ekoSimulator = sims.info.eko.baseUrl;
      rdService = (sims.info as { rd?: { url: string } }).rd?.url ?? null;
      Object.assign(devEnv, {
        EKO_BASE_URL: sims.info.eko.baseUrl,
        EKO_AADHAAR_PUBLIC_KEY: sims.info.eko.publicKey,
        EKO_API_CONTRACT: sims.info.eko.contract,
        EKO_DEVELOPER_KEY: env.EKO_DEVELOPER_KEY ?? EKO_SIM_DEV_CREDENTIALS.developerKey,
        EKO_ACCESS_KEY: env.EKO_ACCESS_KEY ?? EKO_SIM_DEV_CREDENTIALS.accessKey,
        EKO_INITIATOR_ID: env.EKO_INITIATOR_ID ?? EKO_SIM_DEV_CREDENTIALS.initiatorId,
      });
    }

    const temporalConfig = loadTemporalConfig(devEnv);
    const deploymentVersion = resolveDeploymentVersion(loadWorkerVersioning(devEnv));
    // One OpenTelemetry SDK for the worker and the API of this process, when switched on; stopped last.
    const tracing = await startTracing(loadTracingConfig(devEnv, 'ekyc-dev'), { logger });
    if (tracing) stops.unshift({ name: 'tracing', stop: () => tracing.shutdown() });
    // The worker and the API of this stack share the embedded key store under the data folder (or EKYC_KEY_STORE_URL).
    const keyStore = { ...loadKeyStoreConfig(devEnv), dataDir };
    const keys = await openWorkerKeys(keyStore, logger.child({ component: 'keys' }));
    stops.push({ name: 'key-store', stop: () => keys.close() });
    const connection = await NativeConnection.connect(temporalConfig.connection);
    stops.push({ name: 'worker-connection', stop: () => connection.close() });
    const worker: Worker = await createEkycWorker({
      connection,
      namespace: temporalConfig.namespace,
      taskQueue: temporalConfig.taskQueue,
      activities: createActivities({
        eko: loadEkoConfig(devEnv, { dev: true }),
        logger: logger.child({ component: 'activities' }),
        otpSends: loadOtpSendCaps(devEnv),
        agentPolicy: loadDailyAuthPolicy(devEnv),
        sealer: keys.sealer,
        webhooks: loadWebhookConfig(devEnv),
      }),
      dataConverter: createDataConverter(codecConfig),
      identity: `ekyc-dev-${process.pid}`,
      tracing,
      deploymentVersion,
    });
    const running = worker.run();
    stops.push({
      name: 'worker',
      stop: async () => {
        if (worker.getState() === 'RUNNING') worker.shutdown();
        await running;
      },
    });
    // The stack's one worker is the code on disk: it takes new sessions at once. Sessions begun under another build
    // stay pinned to it (README "ekyc dev and versions").
    if (deploymentVersion) {
      await makeCurrent(connection, temporalConfig.namespace, deploymentVersion, {
        onlyIfNeverRouted: false,
        identity: `ekyc-dev-${process.pid}`,
      });
    }

    const apiPort = Number(devEnv.EKYC_API_PORT ?? 8080);
    const api = await listening('EKYC_API_PORT', apiPort, () =>
      startApi({
        api: loadApiConfig({ ...devEnv, EKYC_API_HOST: devEnv.EKYC_API_HOST ?? '127.0.0.1' }),
        temporal: temporalConfig,
        codec: codecConfig,
        keyStore,
        logger: logger.child({ component: 'api' }),
        tracing,
      }),
    );
    stops.push({ name: 'api', stop: () => api.close() });

    // The CLI of another shell finds this stack through the data folder (client/dev-stack.ts).
    recordDevStack(dataDir, { pid: process.pid, temporalAddress: temporal.address, namespace: temporal.namespace });
    stops.unshift({ name: 'stack-file', stop: async () => forgetDevStack(dataDir, process.pid) });
    const devToken = await mintDevToken(jwtKey.privateKey, 'ekyc:admin ekyc:ops');
    const pageToken = await mintDevToken(jwtKey.privateKey, DEV_PAGE_TOKEN.scope, {}, DEV_PAGE_TOKEN);
    return {
      dataDir,
      devToken,
      deployment: deploymentVersion,
      urls: {
        agentPage: `${api.url}/#token=${pageToken}`,
        api: api.url,
        temporalUi: ui.url,
        temporal: temporal.address,
        codecServer: codecUrl,
        // Only a Runtime this stack installed serves on EKYC_METRICS_PORT (an embedding process keeps its own).
        workerMetrics: metricsPort && ownRuntime ? `http://127.0.0.1:${metricsPort}/metrics` : null,
        ekoSimulator,
        rdService,
      },
      stop: stopAll,
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}

export async function runDevCommand(env: Env = process.env): Promise<void> {
  const logger = createLogger('ekyc-dev', env);
  const stack = await startDevStack(env, logger);
  printJson({ urls: stack.urls, devToken: stack.devToken, dataDir: stack.dataDir, deployment: stack.deployment });
  process.stderr.write(
    [
      '',
      'fingpay-ekyc local stack is up:',
      `  agent page     ${stack.urls.agentPage.replace(/#token=.*/, '#token=<page token>')}`,
      `  Temporal UI    ${stack.urls.temporalUi ?? '(headless)'}`,
      `  codec server   ${stack.urls.codecServer}`,
      `  API            ${stack.urls.api}`,
      stack.urls.ekoSimulator ? `  Eko simulator  ${stack.urls.ekoSimulator}` : '  Eko            EKO_BASE_URL',
      '  The agent page link (in the JSON on stdout) carries an ekyc:admin token valid for 1 h: start again for a',
      '  fresh one. The dev token (ekyc:admin ekyc:ops), for the CLI and the codec server, is in the JSON only.',
      '  Ctrl-C stops everything.',
      '',
    ].join('\n'),
  );
  await new Promise<void>((resolveStop) => {
    const stop = () => resolveStop();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    process.once('SIGHUP', stop);
  });
  process.stderr.write('ekyc dev: stopping…\n');
  await stack.stop();
  logger.flush();
}
