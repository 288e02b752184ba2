// The session commands of the `ekyc` CLI: each reads its configuration from the environment once, makes one
// client-library call and returns one JSON-able object (client/cli.ts prints it). Secrets need not come from argv:
// the Aadhaar number and the PidData are read from a file or stdin, and the OTP from stdin with `--otp -`.
import { readFile, stat } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import type { EkycInput, EkycPolicy, UpdateOutcome } from '../common/domain.js';
import { validateBiometricArg, validateEkycInput, validateOtpArg, ValidationError } from '../common/validation.js';
import {
  loadCodecConfig,
  loadKeyStoreConfig,
  loadTemporalCallTimeoutMs,
  loadTemporalConfig,
  loadTracingConfig,
  type Env,
} from '../config/index.js';
import { startTracing } from '../observability/tracing.js';
import { checkedDailyAuthArg, checkedInvalidateArg } from '../common/checks.js';
import type { DailyAuthArg, DailyAuthOutcome, InvalidationReason } from '../common/agent.js';
import { EkycClient, validateUserCode } from './index.js';
import { withDevStack } from './dev-stack.js';
import { printHuman } from './output.js';

/** Exit code of a command whose step ran but was not accepted (wrong OTP, cooldown, rejected capture). */
export const EXIT_NOT_ACCEPTED = 3;

type Options = Record<string, string>;

async function withClient<T>(use: (client: EkycClient) => Promise<T>, given: Env = process.env): Promise<T> {
  // Under `ekyc dev`, another shell needs no variables: the stack's Temporal and dev key come from its data folder.
  const env = withDevStack(given);
  const temporal = loadTemporalConfig(env);
  const codec = loadCodecConfig(env);
  const callTimeoutMs = loadTemporalCallTimeoutMs(env);
  // With tracing on, the command's Temporal calls are traced and carry their context to the workflow.
  const tracing = await startTracing(loadTracingConfig(env, 'ekyc-cli'));
  try {
    const keyStore = loadKeyStoreConfig(env);
    const client = await EkycClient.connect({ temporal, codec, callTimeoutMs, tracing, keyStore });
    try {
      return await use(client);
    } finally {
      await client.close();
    }
  } finally {
    await tracing?.shutdown();
  }
}

// Well above the largest input (a 200,000-character PidData), so a wrong file or an endless pipe is refused early.
const SECRET_FILE_MAX_BYTES = 512 * 1024;
const tooLarge = (field: string) =>
  new ValidationError([{ field, rule: `must be at most ${SECRET_FILE_MAX_BYTES / 1024} KiB` }]);

async function readSecretFile(file: string, field: string): Promise<string> {
  try {
    if (file === '-') {
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of process.stdin) {
        size += (chunk as Buffer).length;
        if (size > SECRET_FILE_MAX_BYTES) throw tooLarge(field);
        chunks.push(chunk as Buffer);
      }
      return Buffer.concat(chunks).toString('utf8').trim();
    }
    if ((await stat(file)).size > SECRET_FILE_MAX_BYTES) throw tooLarge(field);
    return (await readFile(file, 'utf8')).trim();
  } catch (err) {
    if (err instanceof ValidationError) throw err;
    // The path is not secret, the content is; the error names only the path and the reason.
    const code = (err as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new ValidationError([{ field, rule: `could not be read (${code})` }]);
  }
}

/** The first line of stdin, trimmed: `--otp -` keeps the OTP out of argv (ps, shell history, audit logs). */
async function readStdinLine(field: string): Promise<string> {
  const lines = createInterface({ input: process.stdin, crlfDelay: Infinity, terminal: false });
  try {
    for await (const line of lines) return line.trim();
    return '';
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new ValidationError([{ field, rule: `could not be read from stdin (${code})` }]);
  } finally {
    lines.close();
    process.stdin.destroy();
  }
}

function parsePolicy(text: string | undefined): Partial<EkycPolicy> | undefined {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as Partial<EkycPolicy>;
  } catch {
    throw new ValidationError([{ field: 'policy', rule: 'must be a JSON object' }]);
  }
}

function outcome(result: UpdateOutcome): UpdateOutcome {
  if (!result.accepted) {
    printHuman(`ekyc: not accepted: ${result.reason ?? result.code ?? 'no reason given'}`);
    process.exitCode = EXIT_NOT_ACCEPTED;
  }
  return result;
}

export async function startCommand(o: Options) {
  const input: EkycInput = {
    userCode: o.userCode,
    customerId: o.customerId,
    aadhaar: await readSecretFile(o.aadhaarFile, 'aadhaarFile'),
    latlong: o.latlong,
    bankCode: o.bankCode,
  };
  const policy = parsePolicy(o.policy);
  if (policy) input.policy = policy;
  validateEkycInput(input); // before connecting: a typo is reported as such even when Temporal is down
  return withClient((client) => client.startEkyc(input, o.waitFirstStep ? { waitForFirstStep: true } : {}));
}

export async function otpCommand(o: Options) {
  validateUserCode(o.userCode);
  const otp = o.otp === '-' ? await readStdinLine('otp') : o.otp;
  validateOtpArg({ otp });
  return withClient(async (client) => outcome(await client.submitOtp(o.userCode, otp)));
}

export async function resendOtpCommand(o: Options) {
  validateUserCode(o.userCode);
  return withClient(async (client) => outcome(await client.requestOtpResend(o.userCode)));
}

export async function biometricCommand(o: Options) {
  validateUserCode(o.userCode);
  const pidData = await readSecretFile(o.pidFile, 'pidFile');
  validateBiometricArg({ pidData });
  return withClient(async (client) => outcome(await client.submitBiometric(o.userCode, pidData)));
}

export async function statusCommand(o: Options) {
  validateUserCode(o.userCode);
  return withClient((client) => client.status(o.userCode));
}

export async function cancelCommand(o: Options) {
  validateUserCode(o.userCode);
  return withClient((client) => client.cancel(o.userCode, o.reason));
}

export async function agentCommand(o: Options) {
  validateUserCode(o.userCode);
  return withClient((client) => client.agentStatus(o.userCode));
}

export async function dailyAuthCommand(o: Options) {
  validateUserCode(o.userCode);
  const arg: DailyAuthArg = {
    aadhaar: await readSecretFile(o.aadhaarFile, 'aadhaarFile'),
    pidData: await readSecretFile(o.pidFile, 'pidFile'),
    ...(o.latlong !== undefined ? { latlong: o.latlong } : {}),
    ...(o.customerId !== undefined ? { customerId: o.customerId } : {}),
    ...(o.bankCode !== undefined ? { bankCode: o.bankCode } : {}),
  };
  checkedDailyAuthArg(arg); // before connecting
  return withClient(async (client) => {
    const result: DailyAuthOutcome = await client.submitDailyAuth(o.userCode, arg);
    if (!result.accepted) {
      printHuman(`ekyc: not accepted: ${result.reason ?? result.code ?? 'no reason given'}`);
      process.exitCode = EXIT_NOT_ACCEPTED;
    }
    return result;
  });
}

/** `ekyc webhooks failed [--user-code C]`: the partner events that exhausted their retries. */
export async function webhooksFailedCommand(o: Options) {
  if (o.userCode !== undefined) validateUserCode(o.userCode);
  const { failedWebhooks } = await import('./webhooks.js');
  return withClient((client) => failedWebhooks(client.client, o.userCode));
}

/** `ekyc webhooks redeliver [--user-code C [--event-id msg_…]…]`: queues failed events again. */
export async function webhooksRedeliverCommand(o: Record<string, string | string[] | undefined>) {
  const userCode = o.userCode as string | undefined;
  const ids = o.eventId as string[] | undefined;
  if (userCode !== undefined) validateUserCode(userCode);
  const { redeliverWebhooks } = await import('./webhooks.js');
  return withClient((client) => redeliverWebhooks(client.client, userCode, ids));
}

export async function invalidateDailyAuthCommand(o: Options) {
  validateUserCode(o.userCode);
  const { reason } = checkedInvalidateArg({ reason: o.reason });
  return withClient((client) => client.invalidateDailyAuth(o.userCode, reason as InvalidationReason));
}
