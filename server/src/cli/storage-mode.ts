import type { CliConfig } from './cli-config.ts';

/**
 * How a node stores and shares documents, from its settings: one node on a
 * LevelDB directory; PostgreSQL, alone (one node, or several that exchange
 * changes by polling the database); or PostgreSQL with Redis, which carries
 * changes and awareness between nodes at once.
 */
export type StorageMode = 'leveldb' | 'postgres' | 'postgres+redis';

export function storageModeOf(config: Pick<CliConfig, 'databaseUrl' | 'redisUrl'>): StorageMode {
  if (config.databaseUrl === '') return 'leveldb';
  return config.redisUrl === '' ? 'postgres' : 'postgres+redis';
}

/** The start-up log line of each mode. */
export const STORAGE_MODE_MESSAGES: Readonly<Record<StorageMode, string>> = {
  leveldb: 'single node on LevelDB',
  postgres: 'cluster mode on PostgreSQL only: changes of other nodes arrive by polling the database',
  'postgres+redis': 'cluster mode on PostgreSQL + Redis',
};
