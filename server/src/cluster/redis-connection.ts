import { Redis } from 'ioredis';
import type { Logger } from '../logger.ts';

/**
 * A Redis connection for the cluster: it fails fast instead of queueing
 * while Redis is away (storage is the truth; the link polls it meanwhile),
 * reconnects for ever with a capped backoff, and never lets an error reach
 * the process as an unhandled 'error' event.
 */
export function createRedisConnection(url: string, name: string, logger: Logger): Redis {
  const redis = new Redis(url, {
    connectionName: name,
    lazyConnect: true,
    // RESP2: XREAD answers a list of streams, the shape stream-reader.ts reads.
    protocol: 2,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    // A blocked read is not sent again on a new connection: the reader starts a new one.
    autoResendUnfulfilledCommands: false,
    retryStrategy: (times) => Math.min(100 * times, 2_000),
    connectTimeout: 5_000,
    keepAlive: 10_000,
  });
  let lastError: string | undefined;
  redis.on('error', (error: Error) => {
    // One line per kind of failure, not one per reconnect attempt.
    if (error.message === lastError) return;
    lastError = error.message;
    logger.warn({ err: error, connection: name }, 'redis connection error');
  });
  redis.on('ready', () => {
    lastError = undefined;
  });
  return redis;
}
