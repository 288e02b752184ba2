// The key store of crypto-shredding (README "Aadhaar and PID: crypto-shredding"): opened from configuration at the
// edge, PostgreSQL when EKYC_KEY_STORE_URL is set, else the embedded file store; and the sweeper that destroys the
// keys nobody used in time. Nothing else knows which store runs.
import type { KeyStoreConfig } from '../config/index.js';
import { FileKeyStore } from './file.js';
import { PostgresKeyStore } from './postgres.js';
import type { DestroyReason } from '../common/sealed.js';
import type { KeyStore } from './store.js';

export type { KeyRecord, KeyStore } from './store.js';
export { KeyDestroyedError, Sealer } from './sealer.js';

export async function openKeyStore(config: Pick<KeyStoreConfig, 'url' | 'dataDir'>): Promise<KeyStore> {
  return config.url ? PostgresKeyStore.open(config.url) : FileKeyStore.open(config.dataDir);
}

/** How often the worker purges expired keys: an unused PID is gone at most this long after EKYC_PID_TTL. */
export const SWEEP_INTERVAL_MS = 30_000;

export interface Sweeper {
  /** One purge now (also what the timer runs); resolves to how many keys it destroyed. */
  sweep(): Promise<number>;
  stop(): Promise<void>;
}

/**
 * Purges expired keys every `intervalMs` (and once at start). Each purge that destroyed keys is reported; a failed
 * one is reported too and tried again at the next tick.
 */
export function startSweeper(
  store: KeyStore,
  report: { destroyed(reason: DestroyReason, count: number): void; failed(err: Error): void },
  intervalMs = SWEEP_INTERVAL_MS,
): Sweeper {
  let running: Promise<number> | null = null;
  const sweep = () =>
    (running ??= store
      .purgeExpired()
      .then((count) => {
        if (count > 0) report.destroyed('expired', count);
        return count;
      })
      .catch((err: Error) => {
        report.failed(err);
        return 0;
      })
      .finally(() => (running = null)));
  void sweep();
  const timer = setInterval(() => void sweep(), intervalMs);
  timer.unref();
  return {
    sweep,
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
