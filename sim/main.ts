// `ekyc sim`: the loopback simulators for local development. Prints one JSON object saying where they are and
// which Aadhaar public key to configure, then runs until SIGINT/SIGTERM.
import { loadDailyAuthPolicy, loadEkoSimConfig, loadRdSimMode, type Env } from '../config/index.js';
import { durationToMs } from '../common/checks.js';
import { createLogger, type Logger } from '../observability/logger.js';
import { printJson } from '../client/output.js';
import { EkoSimulator } from './eko-sim.js';
import { simStateStore } from './eko-state.js';
import { RdServiceSimulator, type RdMode } from './rd-sim.js';

export interface SimInfo {
  eko: { baseUrl: string; publicKey: string; contract: string };
  /** The RD-service simulator, on the first free port of 11100-11120, where the agent page looks for it. */
  rd?: { url: string; mode: RdMode };
}

export interface RunningSimulators {
  eko: EkoSimulator;
  info: SimInfo;
  stop(): Promise<void>;
}

/** Start every simulator on loopback. `ekyc dev` can call this too. */
export async function startSimulators(
  env: Env = process.env,
  logger?: Logger,
  { stateDir }: { stateDir?: string } = {},
): Promise<RunningSimulators> {
  const config = loadEkoSimConfig(env);
  const rdMode = loadRdSimMode(env);
  // The simulated Eko opens Daily KYC after the same window the lifecycle waits for (EKYC_DAILY_AUTH_ELIGIBLE_AFTER):
  // setting it to 0s lets a developer try Daily KYC right after the eKYC.
  const dailyEligibleAfterMs = durationToMs(loadDailyAuthPolicy(env).eligibleAfter);
  const eko = await EkoSimulator.start({
    host: '127.0.0.1',
    port: config.port,
    developerKey: config.developerKey,
    accessKey: config.accessKey,
    initiatorId: config.initiatorId,
    contract: config.contract,
    // The local stack onboards whoever starts an eKYC: any well-formed agent is registered on its first Send OTP.
    autoRegister: true,
    dailyEligibleAfterMs,
    logger: logger?.child({ sim: 'eko' }),
    // `ekyc dev`: its agents outlive a restart, as the sessions that name them do.
    ...(stateDir ? { state: simStateStore(stateDir) } : {}),
  });
  const stops: (() => Promise<void>)[] = [() => eko.stop()];
  const info: SimInfo = { eko: { baseUrl: eko.baseUrl, publicKey: eko.publicKeySpkiBase64, contract: eko.contract } };

  const rd = await RdServiceSimulator.start({ host: '127.0.0.1', mode: rdMode }).catch(async (err) => {
    await eko.stop();
    throw err;
  });
  stops.push(() => rd.stop());
  info.rd = { url: rd.url, mode: rd.currentMode };

  return {
    eko,
    info,
    stop: async () => {
      await Promise.allSettled(stops.reverse().map((stop) => stop()));
    },
  };
}

export async function runSimCommand(env: Env = process.env): Promise<void> {
  const logger = createLogger('ekyc-sim', env);
  const sims = await startSimulators(env, logger);
  printJson(sims.info);
  await new Promise<void>((resolve) => {
    const done = () => resolve();
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
  });
  await sims.stop();
  logger.flush();
}
