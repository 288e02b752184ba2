// The Temporal SDK's logger interface on top of the project's pino logger, so the Runtime, workflow and activity
// logs come out as the same redacted JSON lines as everything else.
import type { LogLevel, LogMetadata, Logger as TemporalLogger } from '@temporalio/common';
import type { Logger } from '../observability/logger.js';

const LEVEL: Record<LogLevel, 'trace' | 'debug' | 'info' | 'warn' | 'error'> = {
  TRACE: 'trace',
  DEBUG: 'debug',
  INFO: 'info',
  WARN: 'warn',
  ERROR: 'error',
};

export class PinoTemporalLogger implements TemporalLogger {
  constructor(private readonly pino: Logger) {}

  log(level: LogLevel, message: string, meta: LogMetadata = {}): void {
    const method = LEVEL[level] ?? 'info';
    // The SDK logs every workflow activation and activity at TRACE/DEBUG: below the level, return before copying.
    if (!this.pino.isLevelEnabled(method)) return;
    // pino serialises errors under `err` only; the SDK puts them under `error`.
    const { error, ...rest } = meta as LogMetadata & { error?: unknown };
    this.pino[method](error === undefined ? rest : { ...rest, err: error }, message);
  }
  trace(message: string, meta?: LogMetadata) {
    this.log('TRACE', message, meta);
  }
  debug(message: string, meta?: LogMetadata) {
    this.log('DEBUG', message, meta);
  }
  info(message: string, meta?: LogMetadata) {
    this.log('INFO', message, meta);
  }
  warn(message: string, meta?: LogMetadata) {
    this.log('WARN', message, meta);
  }
  error(message: string, meta?: LogMetadata) {
    this.log('ERROR', message, meta);
  }
}
