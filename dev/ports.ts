import { createServer } from 'node:net';
import { ConfigError } from '../config/index.js';

/** A free TCP port on loopback, as the OS hands it out. */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, host, () => {
      const addr = srv.address();
      srv.close(() => (addr && typeof addr === 'object' ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
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
