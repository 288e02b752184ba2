// `ekyc` command line. Each command lazily imports the module that owns it, so `ekyc status` does not load
// the worker, and a missing or bad variable is reported before anything connects.
import { Command, Option } from 'commander';
import { printJson, reportFailure } from './output.js';

type Action = (opts: Record<string, string>) => Promise<unknown>;

function run(action: Action) {
  return async (opts: Record<string, string>) => {
    try {
      const result = await action(opts);
      if (result !== undefined) printJson(result);
    } catch (err) {
      process.exitCode = reportFailure(err);
    }
  };
}

export function buildProgram(): Command {
  const program = new Command('ekyc')
    .description('Eko AePS Fingpay agent eKYC on Temporal')
    .showHelpAfterError()
    .exitOverride((err) => {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version') process.exit(0);
      process.stdout.write(`${JSON.stringify({ error: { code: 'USAGE', message: err.message } })}\n`);
      process.exit(2);
    });
  program.configureOutput({ writeOut: (s) => process.stderr.write(s), writeErr: (s) => process.stderr.write(s) });

  program
    .command('worker')
    .description('run a worker until SIGINT/SIGTERM')
    .action(run(async () => (await import('../worker/main.js')).runWorkerCommand()));

  const userCode = new Option('--user-code <code>', 'Eko user code of the agent (8 digits)').makeOptionMandatory();
  program
    .command('start')
    .description('start or resume the eKYC session of an agent')
    .addOption(userCode)
    .requiredOption('--customer-id <mobile>', "the agent's registered mobile")
    .requiredOption('--aadhaar-file <file>', 'file holding the Aadhaar number; - reads stdin')
    .requiredOption('--latlong <lat,long>', 'location in decimal degrees')
    .requiredOption('--bank-code <code>', 'Eko bank code, e.g. HDFC')
    .option('--policy <json>', 'policy overrides as JSON, e.g. {"otpTimeout":"5m"}')
    .option('--wait-first-step', 'return once the first OTP is sent or refused (prints its outcome)')
    .action(run(async (o) => (await import('./commands.js')).startCommand(o)));
  program
    .command('otp')
    .description('submit the OTP (submitOtp update)')
    .addOption(userCode)
    .requiredOption('--otp <otp>', 'the 6-digit OTP; - reads it from stdin (one line), keeping it off the command line')
    .action(run(async (o) => (await import('./commands.js')).otpCommand(o)));
  program
    .command('resend-otp')
    .description('ask for a new OTP (requestOtpResend update)')
    .addOption(userCode)
    .action(run(async (o) => (await import('./commands.js')).resendOtpCommand(o)));
  program
    .command('biometric')
    .description('submit the RD service PidData (submitBiometric update)')
    .addOption(userCode)
    .requiredOption('--pid-file <file>', 'file holding the PidData XML; - reads stdin')
    .action(run(async (o) => (await import('./commands.js')).biometricCommand(o)));
  program
    .command('status')
    .description("print the session's status")
    .addOption(userCode)
    .action(run(async (o) => (await import('./commands.js')).statusCommand(o)));
  program
    .command('cancel')
    .description('cancel the session')
    .addOption(userCode)
    .option('--reason <reason>', 'why', 'cancelled by operator')
    .action(run(async (o) => (await import('./commands.js')).cancelCommand(o)));
  program
    .command('replay')
    .description(
      'replay the histories a visibility query matches against the workflow code on disk; exits 4 if any fails',
    )
    .requiredOption(
      '--query <query>',
      'visibility query, e.g. \'WorkflowType="fingpayEkyc" AND ExecutionStatus="Running"\'',
    )
    .option('--bundle <file>', 'a pre-built workflow bundle to replay against instead of the code on disk')
    .option('--limit <n>', 'replay at most this many executions')
    .action(run(async (o) => (await import('./replay.js')).replayCommand(o)));
  program
    .command('agent')
    .description("print the agent's lifecycle status (state, eligibility, today's Daily KYC)")
    .addOption(userCode)
    .action(run(async (o) => (await import('./commands.js')).agentCommand(o)));
  program
    .command('daily-auth')
    .description("the day's Daily KYC (submitDailyAuth update); exits 3 when not accepted")
    .addOption(userCode)
    .requiredOption('--aadhaar-file <file>', 'file holding the Aadhaar number; - reads stdin')
    .requiredOption('--pid-file <file>', 'file holding the PidData XML; - reads stdin')
    .option('--latlong <lat,long>', "location (default: the eKYC's)")
    .option('--customer-id <mobile>', "the agent's registered mobile (default: the eKYC's)")
    .option('--bank-code <code>', "Eko bank code (default: the eKYC's)")
    .action(run(async (o) => (await import('./commands.js')).dailyAuthCommand(o)));
  program
    .command('invalidate-daily-auth')
    .description('make the agent authenticate again today (invalidateDailyAuth signal)')
    .addOption(userCode)
    .requiredOption('--reason <reason>', 'FP069 or OPERATOR_CHANGED')
    .action(run(async (o) => (await import('./commands.js')).invalidateDailyAuthCommand(o)));
  const webhooks = program.command('webhooks').description('partner events (webhooks) that could not be delivered');
  webhooks
    .command('failed')
    .description('list the events that exhausted their retries (or met a 410)')
    .option('--user-code <code>', 'only this agent')
    .action(run(async (o) => (await import('./commands.js')).webhooksFailedCommand(o)));
  webhooks
    .command('redeliver')
    .description('deliver failed events again (same webhook-id, sequence and body)')
    .option('--user-code <code>', 'only this agent (default: every agent with failed events)')
    .option('--event-id <id...>', "only these events of the agent (default: all the agent's failed events)")
    .action(run(async (o) => (await import('./commands.js')).webhooksRedeliverCommand(o)));
  program
    .command('api')
    .description('run the HTTP API and the agent web page')
    .action(run(async () => (await import('../api/main.js')).runApiCommand()));
  program
    .command('codec-server')
    .description('run the codec server for the Temporal UI')
    .action(run(async () => (await import('../codec/main.js')).runCodecServerCommand()));
  program
    .command('sim')
    .description('run the Eko simulator and the RD-service simulator on loopback')
    .action(run(async () => (await import('../sim/main.js')).runSimCommand()));
  program
    .command('dev')
    .description('the whole local stack: Temporal dev server and UI, worker, API and page, codec server, simulators')
    .action(run(async () => (await import('../dev/stack.js')).runDevCommand()));
  program
    .command('cluster')
    .description(
      'a production-shaped deployment here: PostgreSQL, the Temporal services as separate processes, two workers, API, codec server',
    )
    .action(run(async () => (await import('../dev/cluster.js')).runClusterCommand()));
  return program;
}

export async function main(argv: string[]): Promise<void> {
  await buildProgram().parseAsync(argv);
}
