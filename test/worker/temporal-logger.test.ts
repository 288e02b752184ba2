import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../observability/logger.js';
import { PinoTemporalLogger } from '../../worker/temporal-logger.js';

function capture(level: string) {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk, _enc, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  const logger = new PinoTemporalLogger(createLogger('t', { EKYC_LOG_LEVEL: level }, { destination }));
  return { logger, lines };
}

describe('PinoTemporalLogger (the SDK logger on pino)', () => {
  it('writes the levels pino has on, with the SDK error under err, and nothing below the level', () => {
    const { logger, lines } = capture('info');
    logger.trace('activation', { runId: 'r1' });
    logger.debug('Activity started', { activityType: 'sendOtp' });
    logger.info('Worker state changed', { state: 'RUNNING' });
    logger.log('WARN', 'poll failed', { error: new Error('unavailable') });
    expect(lines.map((l) => l.msg)).toEqual(['Worker state changed', 'poll failed']);
    expect(lines[0]).toMatchObject({ state: 'RUNNING', level: 30 });
    expect(lines[1]).toMatchObject({ level: 40, err: { message: 'unavailable' } });
    expect(lines[1]).not.toHaveProperty('error');
  });

  it('writes trace and debug when the level asks for them', () => {
    const { logger, lines } = capture('trace');
    logger.trace('activation', { runId: 'r1' });
    logger.debug('Activity started');
    expect(lines.map((l) => [l.msg, l.level])).toEqual([
      ['activation', 10],
      ['Activity started', 20],
    ]);
  });
});
