export {
  startServerProcess,
  startListeningProcess,
  killServerProcesses,
  findFreePort,
  SERVER_CLI,
} from './server-process.ts';
export type { ServerProcess, ServerProcessOptions, ChildServer, NodeCommand, LogLine } from './server-process.ts';
export { createTempDir, removeTempDirs } from './temp-dir.ts';
export { createSeededRandom } from './seeded-random.ts';
export { startTcpProxy } from './tcp-proxy.ts';
export type { TcpProxy } from './tcp-proxy.ts';
export {
  postgresUrl,
  redisUrl,
  servicesRequired,
  serviceAvailability,
  needService,
  needPostgres,
  needRedis,
  needRedisServer,
  DEFAULT_POSTGRES_URL,
  DEFAULT_REDIS_URL,
} from './services.ts';
export type { ServiceStatus, ServiceAvailability } from './services.ts';
export { createTestDatabase } from './test-database.ts';
export type { TestDatabase } from './test-database.ts';
export { startRedisServer } from './redis-server-process.ts';
export type { RedisServerProcess } from './redis-server-process.ts';
