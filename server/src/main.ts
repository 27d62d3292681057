import { resolve } from 'node:path';
import { createLevelStore } from '@quire/storage-level';
import type { CliConfig } from './cli-config.ts';
import { createLogger } from './logger.ts';
import { createSyncServer, type SyncServer } from './sync-server.ts';

/**
 * The composition root: the only module that knows which storage backend
 * runs. Opens LevelDB, starts the server and wires graceful shutdown.
 */
export async function startServer(config: CliConfig): Promise<SyncServer> {
  const logger = createLogger(config.logLevel);
  const dataDir = resolve(config.dataDir);
  const store = await createLevelStore({
    path: dataDir,
    onBackgroundError: (error: unknown) => logger.error({ err: error }, 'background storage work failed'),
  });
  logger.info({ dataDir }, 'storage opened');
  let server: SyncServer;
  try {
    const { dataDir: _dataDir, logLevel: _logLevel, ...serverOptions } = config;
    server = await createSyncServer({ ...serverOptions, store, logger });
  } catch (error) {
    await store.close();
    throw error;
  }

  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    server.close().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.fatal({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  return server;
}
