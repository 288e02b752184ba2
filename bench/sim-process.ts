// The Eko simulator in a process of its own for `npm run bench`, as Eko is a server of its own: its request
// handling (signature check, RSA decryption of the Aadhaar, JSON) then competes for the cores, as a remote Eko
// would not, but no longer for the driver's event loop, whose clocks time the round trips. The parent
// (bench/workers.ts spawnSim) talks to it over IPC: `ready` (base URL, public key), `otpSent` (user code and the
// synthetic agent's OTP, so the driver needs no lookup), `served` (how long the simulator held each Eko call,
// minus its configured latency), `addAgents` (agents whose eKYC completed before the run: the morning rush's).
// `npm run chaos:cluster` starts it with random faults (BENCH_SIM_FAULT_RATE, BENCH_SIM_SEED) and without
// auto-registration (BENCH_SIM_AUTO_REGISTER=0), and drives it through the simulator's own loopback test API
// (/__sim: agents, scripted faults, OTPs, ledger; bench/sessions.ts simOverHttp).
import { AsyncLocalStorage } from 'node:async_hooks';
import dc from 'node:diagnostics_channel';
import type { IncomingMessage } from 'node:http';
import { EkoSimulator, SIM_PATH_PREFIX } from '../sim/eko-sim.js';
import type { Logger } from '../observability/logger.js';
import { CREDENTIALS } from '../test/sim/eko-fixtures.js';
import type { FromSim, ToSim } from './workers.js';

const send = (message: FromSim) => process.send?.(message);
const latencyMs = Number(process.env.BENCH_SIM_LATENCY_MS ?? 0);
const faultRate = Number(process.env.BENCH_SIM_FAULT_RATE ?? 0);
const seed = Number(process.env.BENCH_SIM_SEED ?? 1);
const autoRegister = process.env.BENCH_SIM_AUTO_REGISTER !== '0';

// Service time of every Eko call, read from Node's own HTTP server instrumentation.
const arrived = new WeakMap<IncomingMessage, bigint>();
let served: number[] = [];
/** The Eko call being handled, so the OTP it sends is announced once its answer is written. */
const handling = new AsyncLocalStorage<IncomingMessage>();
type OtpSent = Extract<FromSim, { type: 'otpSent' }>;
const otpOfAnswer = new WeakMap<IncomingMessage, OtpSent>();
dc.subscribe('http.server.request.start', (message) => {
  const { request } = message as { request: IncomingMessage };
  if (!request.url?.startsWith(SIM_PATH_PREFIX)) return;
  arrived.set(request, process.hrtime.bigint());
  // Published just before the server emits 'request': the handler's whole chain runs with this store.
  handling.enterWith(request);
});
dc.subscribe('http.server.response.finish', (message) => {
  const { request } = message as { request: IncomingMessage };
  const start = arrived.get(request);
  if (start !== undefined) served.push(Number(process.hrtime.bigint() - start) / 1e6 - latencyMs);
  const otp = otpOfAnswer.get(request);
  if (otp) send({ ...otp, afterAnswer: true });
});

async function main() {
  let sim: EkoSimulator | undefined = undefined;
  // Successful Send OTPs are announced with the agent's OTP (synthetic agents; nothing is logged), once the answer
  // has been written: as an agent reads the SMS after Eko has answered, and as the baseline's activity tells its
  // driver just before it returns. Announced while the answer was still being sent, the driver's submitOtp raced
  // the answer to the workflow more often than the baseline's (docs/PERFORMANCE.md, "Two more changes").
  const logger = {
    info: (entry: { step?: string; code?: string; userCode?: string | null }) => {
      if (entry.step !== 'sendOtp' || entry.code !== '0' || !entry.userCode || !sim) return;
      const otp: OtpSent = { type: 'otpSent', userCode: entry.userCode, otp: sim.currentOtp(entry.userCode) ?? '' };
      const request = handling.getStore();
      if (request) otpOfAnswer.set(request, otp);
      else send(otp);
    },
    warn: () => undefined,
    error: () => undefined,
  } as unknown as Logger;
  sim = await EkoSimulator.start({
    ...CREDENTIALS,
    modulusLength: 1024,
    latencyMs,
    autoRegister,
    faultRate,
    seed,
    logger,
  });
  process.on('message', (message: ToSim) => {
    if (message.type === 'served') {
      send({ type: 'served', ms: served });
      served = [];
    } else if (message.type === 'addAgents') {
      for (const { ekycCompletedAt, ...agent } of message.agents) {
        sim!.addAgent(agent);
        sim!.updateAgent(agent.userCode, { ekycCompletedAt });
      }
      send({ type: 'agentsAdded', count: message.agents.length });
    } else if (message.type === 'stop') {
      void sim!.stop().then(() => process.disconnect?.());
    }
  });
  process.on('disconnect', () => void sim!.stop());
  send({ type: 'ready', baseUrl: sim.baseUrl, publicKeySpkiBase64: sim.publicKeySpkiBase64, contract: sim.contract });
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
