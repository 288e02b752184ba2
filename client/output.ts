// CLI output: one JSON object on stdout per command; human text on stderr.
import { ValidationError } from '../common/validation.js';
import { ConfigError } from '../config/index.js';
import { scrubText } from '../observability/logger.js';

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

export function printHuman(text: string): void {
  process.stderr.write(`${text}\n`);
}

/** Print a failure as `{ error: { code, message, errors? } }` and give the exit code. */
export function reportFailure(err: unknown): number {
  const e = err as Error & { code?: string; errors?: unknown };
  let code = e?.code ?? e?.name ?? 'Error';
  let exit = 1;
  if (err instanceof ConfigError) {
    code = 'CONFIG';
    exit = 2;
  } else if (err instanceof ValidationError) {
    code = 'VALIDATION';
    exit = 2;
  }
  // The same masking as the logs: an unexpected error text must not carry an Aadhaar, mobile, PID block or token.
  const message = scrubText(e?.message ?? String(err));
  printHuman(`ekyc: ${message}`);
  printJson({ error: { code, message, ...(e?.errors ? { errors: e.errors } : {}) } });
  return exit;
}
