// Failover on the production-shaped cluster (bench/chaos-cluster.ts; `npm run chaos:cluster` is the long one): the
// real Temporal 1.32.2 server as four processes (frontend, history, matching, worker) on PostgreSQL 15, two
// `ekyc worker` processes, 200 scripted agents keeping 200 eKYC sessions in flight while, in turn, history is
// SIGKILLed and restarted, matching likewise, PostgreSQL is restarted and one worker is SIGKILLed and restarted.
// Every session must end COMPLETED with exactly one successful biometric in the simulator's ledger, none stuck, no
// WorkflowTaskFailed; after each fault the cluster must serve again and sessions must progress. It needs the server
// binaries (TEMPORAL_SERVER_PATH / PATH / the build cache; .ci/run builds them) and fails, never skips, without them.
import { describe, expect, it } from 'vitest';
import { ALL_FAULTS, runClusterChaos, type ClusterChaosResult } from '../../bench/chaos-cluster.js';
import { findTemporalBinaries } from '../../dev/cluster.js';

describe('cluster failover (short)', () => {
  let result: ClusterChaosResult;

  it('completes every one of 200 in-flight sessions through history, matching, PostgreSQL and worker crashes', async () => {
    expect(findTemporalBinaries(), 'Temporal server binaries: run deploy/temporal/build-server.sh').not.toBeNull();
    result = await runClusterChaos({
      inFlight: 200,
      minSessions: 200,
      faults: ALL_FAULTS,
      rounds: 1,
      warmupMs: 25_000,
      gapMs: 5_000,
      thinkMs: [15_000, 40_000],
      pgRestartMode: 'fast',
      faultRate: 0.1,
      scriptedFaultShare: 0.05,
      seed: 17,
      guardBiometric: true,
      log: (line) => process.stderr.write(`[cluster] ${line}\n`),
    });
    process.stderr.write(
      `[cluster] ${JSON.stringify({ ...result, problems: undefined, diagnoses: result.diagnoses.slice(0, 5) })}\n`,
    );
    expect(result.problems).toEqual([]);
    expect(result.faults.map((f) => f.fault)).toEqual(ALL_FAULTS);
    for (const fault of result.faults) {
      expect(fault.inFlight).toBeGreaterThanOrEqual(180);
      expect(fault.progressMs).not.toBeNull();
    }
    expect(result.peakInFlight).toBeGreaterThanOrEqual(200);
    expect(result.completed).toBe(result.sessions);
    expect(result.sessions).toBeGreaterThanOrEqual(200);
    expect(result.stuck).toBe(0);
    expect(result.workflowTasksFailed).toBe(0);
    expect(result.successfulBiometrics).toEqual({ exactlyOne: result.sessions, none: 0, moreThanOne: 0 });
  }, 1_200_000);
});
