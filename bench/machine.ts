// What a benchmark ran on, recorded with every result: figures mean nothing without the machine and its load.
import { execFileSync } from 'node:child_process';
import { availableParallelism, cpus, loadavg, totalmem } from 'node:os';
import { findTemporalCli } from '../dev/temporal-server.js';
import { round } from './stats.js';

export interface MachineInfo {
  date: string;
  cpus: number;
  cpuModel: string;
  memoryGiB: number;
  node: string;
  temporalCli: string;
  /** 1-minute load average when the run started; other people's jobs share this box. */
  loadAverageAtStart: number;
}

export function machineInfo(): MachineInfo {
  let temporalCli = 'unknown';
  try {
    const cli = findTemporalCli();
    if (cli) temporalCli = execFileSync(cli.path, ['--version'], { encoding: 'utf8' }).trim();
  } catch {
    // keep "unknown"
  }
  return {
    date: new Date().toISOString(),
    cpus: availableParallelism(),
    cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
    memoryGiB: round(totalmem() / 1024 ** 3),
    node: process.version,
    temporalCli,
    loadAverageAtStart: round(loadavg()[0], 2),
  };
}
