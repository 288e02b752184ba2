import { createServer } from 'node:net';
import { ConfigError } from '../config/index.js';

/** Where freePort() looks: below Linux's ephemeral range (32768–60999), and below 32768 for Temporal's smallints. */
export const LOW_PORTS = { min: 20_000, max: 32_000 } as const;
const handedOut = new Set<number>();

/**
 * A free TCP port on loopback that this process has not handed out before (nor is in `taken`); with `count`, the
 * first of that many free ports in a row. Not one the OS picks (listen on 0): such a port comes from the ephemeral
 * range, where any process's next outgoing connection may take it between now and the bind (it happened in CI, to
 * `ekyc cluster` starting up); below that range only a listener can take it.
 */
export async function freePort(host = '127.0.0.1', taken: Set<number> = handedOut, count = 1): Promise<number> {
  for (;;) {
    const first = LOW_PORTS.min + Math.floor(Math.random() * (LOW_PORTS.max - LOW_PORTS.min - count));
    const run = Array.from({ length: count }, (_, i) => first + i);
    if (run.some((p) => taken.has(p) || handedOut.has(p))) continue;
    try {
      for (const p of run) await assertPortFree('port', host, p);
    } catch {
      continue; // held by another process: try another
    }
    for (const p of run) {
      taken.add(p);
      handedOut.add(p);
    }
    return first;
  }
}

/** The one line a port that another process holds stops `ekyc dev` with, naming the variable that sets it. */
export function portInUse(variable: string, host: string, port: number): ConfigError {
  return new ConfigError(
    variable,
    `${host}:${port} is in use by another process: stop it, or set ${variable} to a free port`,
  );
}

export function isAddressInUse(err: unknown): boolean {
  return (err as NodeJS.ErrnoException)?.code === 'EADDRINUSE';
}

/**
 * Fails with `portInUse` when something already listens on host:port. For servers started by another program (the
 * Temporal CLI), which would otherwise fail with its own words, or, worse, leave us talking to whatever holds it.
 */
export function assertPortFree(variable: string, host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', (err) => reject(isAddressInUse(err) ? portInUse(variable, host, port) : err));
    srv.listen(port, host, () => srv.close(() => resolve()));
  });
}
