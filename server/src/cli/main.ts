import { resolve } from 'node:path';
import { isStorageError, type DocumentStore } from '@quire/storage';
import { createLevelStore, repairLevelDirectory } from '@quire/storage-level';
import { createPostgresStore, migrate } from '@quire/storage-postgres';
import type { CliConfig } from './cli-config.ts';
import { redactUrl } from './connection-url.ts';
import { createLogger, type Logger } from '../logger.ts';
import { createServerMetrics, type ServerMetrics } from '../metrics/server-metrics.ts';
import { createPostgresMetrics } from '../metrics/postgres-metrics.ts';
import type { Migrate } from './migrate-command.ts';
import { reportingConnectivity } from './report-connectivity.ts';
import { STORAGE_MODE_MESSAGES, storageModeOf } from './storage-mode.ts';
import type { ClusterOptions } from '../server-options.ts';
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

// One command, one connection at a time: a small pool.
const COMMAND_POOL_SIZE = 2;

/**
 * What the storage commands open: a data directory, or a PostgreSQL
 * database as it is (never migrated by a command, so a mistyped URL gets no
 * schema; `quire-server migrate` creates it).
 */
export const commandStorage: StorageAccess = {
  ...dataDirectoryStorage,
  openDatabase: (url) => createPostgresStore({ connectionString: url, poolSize: COMMAND_POOL_SIZE, migrate: false }),
};

/** `quire-server migrate`: the schema migrations the store applies at start-up, on their own. */
export const migrateDatabase: Migrate = (url) => migrate(url);

/**
 * The composition root: the only module that knows which storage backend
 * runs. Opens LevelDB, or PostgreSQL with the cluster link when a database
 * URL is set, starts the server and wires graceful shutdown.
 */
export async function startServer(config: CliConfig): Promise<SyncServer> {
  const logger = nodeLogger(config);
  // Handled from the start: a signal during start-up (the warm-up, opening
  // storage) waits for the server to exist and then closes it as usual,
  // instead of killing the process with storage open.
  let server: SyncServer | undefined;
  let stopSignal: NodeJS.Signals | undefined;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopSignal !== undefined) return;
    stopSignal = signal;
    if (server !== undefined) shutDown(server, signal, logger);
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  // Keys are read before storage is opened, so a bad key file never holds the data directory.
  const jwtOptions = jwtOptionsFromSettings(config);
  const authorize = jwtOptions === undefined ? undefined : await createJwtAuthorizer(jwtOptions);
  if (jwtOptions !== undefined) logger.info({ algorithm: 'secret' in jwtOptions ? 'HS256' : jwtOptions.algorithm }, 'JWT authentication on');
  // Created here so the store's hooks and the server record into the same registry.
  const metrics = createServerMetrics();
  const store = config.databaseUrl === '' ? await openDataDirectory(config, metrics, logger) : await openDatabase(config, metrics, logger);
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
      ...(config.databaseUrl === '' ? {} : { cluster: clusterOptionsOf(config) }),
    });
    if (staticDir !== null) logger.info({ staticDir }, 'serving the web app');
  } catch (error) {
    await store.close();
    throw error;
  }

  if (stopSignal !== undefined) shutDown(server, stopSignal, logger);
  return server;
}

/** The node's logger: in cluster mode every line names the node, so the logs of many nodes can be told apart. */
function nodeLogger(config: CliConfig): Logger {
  const logger = createLogger(config.logLevel);
  return config.databaseUrl === '' ? logger : logger.child({ nodeId: config.nodeId });
}

async function openDataDirectory(config: CliConfig, metrics: ServerMetrics, logger: Logger): Promise<DocumentStore> {
  const dataDir = resolve(config.dataDir);
  let store: DocumentStore;
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
    logger.fatal({ dataDir, code, err: error }, `cannot open storage: ${messageOf(error)}${hint}`);
    throw error;
  }
  logger.info({ dataDir, mode: 'leveldb' }, 'storage opened');
  logger.info({ mode: 'leveldb' }, STORAGE_MODE_MESSAGES.leveldb);
  return store;
}

/**
 * The PostgreSQL store: it applies pending migrations under an advisory
 * lock before resolving, so nodes starting together migrate once. A
 * database that cannot be reached stops the start-up here, before anything
 * listens.
 */
async function openDatabase(config: CliConfig, metrics: ServerMetrics, logger: Logger): Promise<DocumentStore> {
  const mode = storageModeOf(config);
  const database = redactUrl(config.databaseUrl);
  const postgres = createPostgresMetrics(metrics.registry);
  let store: DocumentStore;
  try {
    store = await createPostgresStore({
      connectionString: config.databaseUrl,
      poolSize: config.databasePoolSize,
      migrate: true,
      onBackgroundError: (error: unknown) => logger.error({ err: error }, 'background storage work failed'),
      onCompacted: (info) => metrics.compacted(info),
      onBatchCommitted: (seconds, entryCount) => {
        postgres.committed(seconds);
        metrics.storageBatchWritten(entryCount);
      },
      onCompactionSkipped: (docName, reason) => logger.debug({ docName, reason }, 'compaction skipped: another node holds or compacted the document'),
      onConnectionError: (error) => {
        postgres.setConnected(false);
        logger.warn({ err: error }, 'a PostgreSQL connection failed');
      },
    });
  } catch (error) {
    const code = isStorageError(error) ? error.code : undefined;
    // The driver's reason (refused, authentication, unknown database) is the cause: say it on the line itself.
    const cause = error instanceof Error && error.cause instanceof Error ? ` (${error.cause.message})` : '';
    logger.fatal({ database, code, err: error }, `cannot open PostgreSQL storage: ${messageOf(error)}${cause}`);
    throw error;
  }
  postgres.setConnected(true);
  logger.info({ database, mode }, 'storage opened');
  logger.info({ mode, redis: config.redisUrl === '' ? undefined : redactUrl(config.redisUrl) }, STORAGE_MODE_MESSAGES[mode]);
  return reportingConnectivity(store, (connected) => postgres.setConnected(connected));
}

/** The cluster link's settings, as createSyncServer takes them. */
function clusterOptionsOf(config: CliConfig): ClusterOptions {
  return {
    nodeId: config.nodeId,
    pollIntervalMs: config.clusterPollIntervalMs,
    streamRetentionMs: config.streamRetentionMs,
    heartbeatTtlMs: config.nodeHeartbeatTtlMs,
    ...(config.redisUrl === '' ? {} : { redisUrl: config.redisUrl }),
  };
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
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
