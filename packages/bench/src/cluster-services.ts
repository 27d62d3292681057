import { createTestDatabase, postgresUrl, startRedisServer } from '@quire/test-utils';

/** The shared services of one cluster run: a database and a redis-server of its own. */
export interface ClusterServices {
  readonly databaseUrl: string;
  readonly databaseName: string;
  readonly redisUrl: string;
  /** Its Redis, whose CPU the scenarios report beside the servers'. */
  readonly redisPid: number;
  /** Stops the redis-server by its PID and drops the database; call after the nodes stopped. */
  stop(): Promise<void>;
}

/**
 * Creates a database on the PostgreSQL of `DATABASE_URL` (default the local
 * server; that URL is only the admin connection) and starts a redis-server
 * on a free port, so runs never share state, and the machine's Redis is
 * neither read nor flushed.
 */
export async function startClusterServices(): Promise<ClusterServices> {
  const database = await createTestDatabase(postgresUrl());
  let redis: Awaited<ReturnType<typeof startRedisServer>>;
  try {
    redis = await startRedisServer();
  } catch (error) {
    await database.drop();
    throw error;
  }
  return {
    databaseUrl: database.url,
    databaseName: database.name,
    redisUrl: redis.url,
    redisPid: redis.pid,
    async stop() {
      try {
        await redis.stop();
      } finally {
        await database.drop();
      }
    },
  };
}
