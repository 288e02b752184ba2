// The worker as one version of a Worker Deployment: which version it is (deployment name and build id, the build id
// derived from the release when not configured) and the routing changes a worker may make by itself. Which version
// gets new sessions is otherwise the operator's decision (docs/OPS.md "Shipping workflow changes").
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { WorkerDeploymentVersion } from '@temporalio/common';
import type { NativeConnection } from '@temporalio/worker';
import { buildIdSchema, BUILD_ID_RULE, ConfigError, type WorkerVersioningConfig } from '../config/index.js';

// Same layout trick as worker/worker.ts: .ts under the sources (repo root one up), .js under dist/ (two up).
const built = !import.meta.url.endsWith('.ts');
const ROOT = fileURLToPath(new URL(built ? '../../' : '../', import.meta.url));
/** Written by `npm run build` beside the workflow bundle: the package version and the commit it was built from. */
export const BUILD_INFO_PATH = fileURLToPath(new URL('../build-info.json', import.meta.url));
const PREBUILT_BUNDLE_PATH = fileURLToPath(new URL('../workflow-bundle.js', import.meta.url));

export interface BuildInfo {
  version: string;
  commit: string | null;
}

export function packageVersion(): string {
  return (JSON.parse(readFileSync(`${ROOT}package.json`, 'utf8')) as { version: string }).version;
}

/** The checkout's commit (12 hex), or null without a .git or a git binary. */
export function gitCommit(root = ROOT): string | null {
  if (!existsSync(join(root, '.git'))) return null;
  try {
    const out = execFileSync('git', ['rev-parse', '--short=12', 'HEAD'], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'ignore'],
      timeout: 5_000,
    });
    const commit = out.toString().trim();
    return /^[0-9a-f]{7,40}$/.test(commit) ? commit : null;
  } catch {
    return null;
  }
}

/** Where the default build id comes from; the module's own layout unless a test says otherwise. */
export interface BuildIdSources {
  /** dist/build-info.json, read only when running built code. */
  buildInfoPath: string | null;
  /** The checkout whose `git rev-parse HEAD` counts, when it has a .git. */
  root: string;
  /** The pre-built workflow bundle, hashed when no commit is known. */
  bundlePath: string | null;
}

const OWN_SOURCES: BuildIdSources = {
  buildInfoPath: built ? BUILD_INFO_PATH : null,
  root: ROOT,
  bundlePath: built ? PREBUILT_BUNDLE_PATH : null,
};

/**
 * The build id when EKYC_WORKER_BUILD_ID is not set: `<package version>+<commit>`, the commit being the one the
 * image was built from (dist/build-info.json) or the checkout's. Without a known commit, the pre-built workflow
 * bundle's SHA-256 stands in for it (`+wf-<hash>`), so that two different workflow codes never share a build id.
 */
export function defaultBuildId(sources: BuildIdSources = OWN_SOURCES): {
  buildId: string;
  from: 'build-info' | 'git' | 'bundle';
} {
  const info =
    sources.buildInfoPath && existsSync(sources.buildInfoPath)
      ? (JSON.parse(readFileSync(sources.buildInfoPath, 'utf8')) as BuildInfo)
      : null;
  const version = info?.version ?? packageVersion();
  if (info?.commit) return { buildId: `${version}+${info.commit}`, from: 'build-info' };
  const commit = gitCommit(sources.root);
  if (commit) return { buildId: `${version}+${commit}`, from: 'git' };
  if (sources.bundlePath && existsSync(sources.bundlePath)) {
    const hash = createHash('sha256').update(readFileSync(sources.bundlePath)).digest('hex').slice(0, 12);
    return { buildId: `${version}+wf-${hash}`, from: 'bundle' };
  }
  throw new ConfigError(
    'EKYC_WORKER_BUILD_ID',
    'is required here: no git commit is known (no dist/build-info.json commit, no .git) and no pre-built bundle',
  );
}

/** The version this worker runs as, or null when versioning is off. */
export function resolveDeploymentVersion(config: WorkerVersioningConfig): WorkerDeploymentVersion | null {
  if (!config.enabled) return null;
  const buildId = config.buildId ?? defaultBuildId().buildId;
  // A derived one follows the same rule as a configured one (a package version with odd characters, say).
  if (!buildIdSchema.safeParse(buildId).success) throw new ConfigError('EKYC_WORKER_BUILD_ID', BUILD_ID_RULE);
  return { deploymentName: config.deploymentName, buildId };
}

export interface RoutingState {
  current: WorkerDeploymentVersion | null;
  ramping: WorkerDeploymentVersion | null;
  rampingPercentage: number;
  /** Whether any version (or unversioned) was ever made current: false only for a deployment nobody has routed. */
  everRouted: boolean;
  conflictToken: Uint8Array | null;
}

const versionOf = (v: { deploymentName?: string | null; buildId?: string | null } | null | undefined) =>
  v?.deploymentName && v.buildId ? { deploymentName: v.deploymentName, buildId: v.buildId } : null;

/** The deployment's routing, or null when the server knows no such deployment (no worker of it has polled yet). */
export async function describeRouting(
  connection: NativeConnection,
  namespace: string,
  deploymentName: string,
): Promise<RoutingState | null> {
  try {
    const res = await connection.workflowService.describeWorkerDeployment({ namespace, deploymentName });
    const routing = res.workerDeploymentInfo?.routingConfig;
    return {
      current: versionOf(routing?.currentDeploymentVersion),
      ramping: versionOf(routing?.rampingDeploymentVersion),
      rampingPercentage: routing?.rampingVersionPercentage ?? 0,
      everRouted: Boolean(routing?.currentVersionChangedTime),
      conflictToken: res.conflictToken?.length ? res.conflictToken : null,
    };
  } catch (err) {
    if ((err as { code?: number }).code === 5) return null; // NOT_FOUND
    throw err;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
// FAILED_PRECONDITION, NOT_FOUND: the version is not registered yet (its first poll is on its way); ABORTED: a
// concurrent routing change (another replica doing the same), so describe again.
const RETRYABLE = new Set([9, 5, 10]);

/**
 * Makes `version` current. With `onlyIfNeverRouted`, only for a deployment that never had a current version (the
 * very first release, where nothing runs yet that could be hurt), and leaves it alone otherwise. Call it while the
 * worker is polling: the server refuses a version that has no pollers. Resolves with what it did.
 */
export async function makeCurrent(
  connection: NativeConnection,
  namespace: string,
  version: WorkerDeploymentVersion,
  options: { onlyIfNeverRouted: boolean; identity: string; timeoutMs?: number; signal?: AbortSignal },
): Promise<'made-current' | 'already-current' | 'left-alone' | 'stopped'> {
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  for (;;) {
    if (options.signal?.aborted) return 'stopped';
    let last: unknown;
    try {
      const routing = await describeRouting(connection, namespace, version.deploymentName);
      if (routing?.current?.buildId === version.buildId) return 'already-current';
      if (options.onlyIfNeverRouted && routing?.everRouted) return 'left-alone';
      if (routing) {
        await connection.workflowService.setWorkerDeploymentCurrentVersion({
          namespace,
          deploymentName: version.deploymentName,
          buildId: version.buildId,
          identity: options.identity,
          ...(routing.conflictToken ? { conflictToken: routing.conflictToken } : {}),
        });
        return 'made-current';
      }
    } catch (err) {
      if (!RETRYABLE.has((err as { code?: number }).code ?? -1)) throw err;
      last = err;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `could not make ${version.deploymentName}:${version.buildId} current: ${(last as Error)?.message ?? 'the server does not list the deployment yet'}`,
      );
    }
    await sleep(500);
  }
}
