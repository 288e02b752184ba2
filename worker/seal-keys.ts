// The worker's side of crypto-shredding: the key store it opens sealed values with, and the sweeper that destroys
// the keys nobody used before their expiry, each purge logged and counted (ekyc_seal_keys_destroyed{reason}).
import { Runtime } from '@temporalio/worker';
import { recordKeysDestroyed } from '../activities/index.js';
import type { KeyStoreConfig } from '../config/index.js';
import { openKeyStore, Sealer, startSweeper, SWEEP_INTERVAL_MS, type Sweeper } from '../keystore/index.js';
import type { Logger } from '../observability/logger.js';

export interface WorkerKeys {
  sealer: Sealer;
  sweeper: Sweeper;
  close(): Promise<void>;
}

export async function openWorkerKeys(
  config: Pick<KeyStoreConfig, 'url' | 'dataDir'>,
  logger: Logger,
  sweepIntervalMs = SWEEP_INTERVAL_MS,
): Promise<WorkerKeys> {
  const store = await openKeyStore(config);
  const sweeper = startSweeper(
    store,
    {
      destroyed(reason, count) {
        logger.info({ keysDestroyed: count, reason, store: store.backend }, 'seal keys destroyed');
        recordKeysDestroyed(Runtime.instance().metricMeter, reason, count);
      },
      failed(err) {
        logger.warn({ errMessage: err.message, store: store.backend }, 'seal key sweep failed; retried next time');
      },
    },
    sweepIntervalMs,
  );
  return {
    sealer: new Sealer(store),
    sweeper,
    async close() {
      await sweeper.stop();
      await store.close();
    },
  };
}
