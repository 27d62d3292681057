import { resolve } from 'node:path';
import { isStorageError } from '@quire/storage';
import { createLevelStore, repairLevelDirectory } from '@quire/storage-level';
import type { CliConfig } from './cli-config.ts';
import { createLogger, type Logger } from '../logger.ts';
import { createServerMetrics } from '../metrics/server-metrics.ts';
import { createJwtAuthorizer } from '../auth/jwt-authorizer.ts';
import { jwtOptionsFromSettings } from '../auth/jwt-settings.ts';
import { resolveStaticDir } from './static-dir-setting.ts';
import type { StorageAccess } from './storage-command.ts';
import { createSyncServer, type SyncServer } from '../sync-server.ts';
import { warmUp } from './warm-up.ts';

/** The data directory's storage, as the storage commands (check, repair, export, import) use it: no server, no hooks. */
export const dataDirectoryStorage: StorageAccess = {
  open: (dataDir) => createLevelStore({ path: dataDir }),
  repairDirectory: (dataDir) => repairLevelDirectory(dataDir),
};

/**
 * The composition root: the only module that knows which storage backend
 * runs. Opens LevelDB, starts the server and wires graceful shutdown.
 */
export async function startServer(config: CliConfig): Promise<SyncServer> {
  const logger = createLogger(config.logLevel);
  // Handled from the start: a signal during start-up (the warm-up, opening
  // storage) waits for the server to exist and then closes it as usual,
  // instead of killing the process with LevelDB open.
  let server: SyncServer | undefined;
  let stopSignal: NodeJS.Signals | undefined;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopSignal !== undefined) return;
    stopSignal = signal;
    if (server !== undefined) shutDown(server, signal, logger);
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  const dataDir = resolve(config.dataDir);
  // Keys are read before storage is opened, so a bad key file never holds the data directory.
  const jwtOptions = jwtOptionsFromSettings(config);
  const authorize = jwtOptions === undefined ? undefined : await createJwtAuthorizer(jwtOptions);
  if (jwtOptions !== undefined) logger.info({ algorithm: 'secret' in jwtOptions ? 'HS256' : jwtOptions.algorithm }, 'JWT authentication on');
  // Created here so the store's hooks and the server record into the same registry.
  const metrics = createServerMetrics();
  let store;
  try {
    store = await createLevelStore({
      path: dataDir,
      onBackgroundError: (error: unknown) => logger.error({ err: error }, 'background storage work failed'),
      onBatchWritten: (updateCount) => metrics.storageBatchWritten(updateCount),
      onCompacted: (info) => metrics.compacted(info),
    });
  } catch (error) {
    // A second server on the same directory lands here (ERR_STORAGE_LOCKED):
    // say so plainly and let the CLI exit non-zero.
    const code = isStorageError(error) ? error.code : undefined;
    const hint = code === 'ERR_STORAGE_CORRUPT' ? ` (quire-server repair-storage --data-dir ${dataDir} repairs it)` : '';
    logger.fatal({ dataDir, code, err: error }, `cannot open storage: ${error instanceof Error ? error.message : String(error)}${hint}`);
    throw error;
  }
  logger.info({ dataDir }, 'storage opened');
  // Before listening, so the first client does not run the room's code cold.
  const warmUpStart = performance.now();
  await warmUp();
  logger.debug({ ms: Math.round(performance.now() - warmUpStart) }, 'warmed up');
  try {
    const staticDir = resolveStaticDir(config.staticDir);
    server = await createSyncServer({
      ...config.server,
      store,
      logger,
      metrics,
      staticDir,
      ...(authorize === undefined ? {} : { authorize }),
    });
    if (staticDir !== null) logger.info({ staticDir }, 'serving the web app');
  } catch (error) {
    await store.close();
    throw error;
  }

  if (stopSignal !== undefined) shutDown(server, stopSignal, logger);
  return server;
}

function shutDown(server: SyncServer, signal: NodeJS.Signals, logger: Logger): void {
  logger.info({ signal }, 'shutting down');
  server.close().then(
    () => process.exit(0),
    (error: unknown) => {
      logger.fatal({ err: error }, 'shutdown failed');
      process.exit(1);
    },
  );
}
