import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { childEnv } from './server-process.ts';
import { needPostgres, needRedisServer } from './services.ts';
import { startRedisServer } from './redis-server-process.ts';
import { createTestDatabase } from './test-database.ts';

const postgres = await needPostgres();
const redisServer = await needRedisServer();

describe.skipIf(!postgres.ok)('createTestDatabase', () => {
  it('creates a database of its own and drops it, even with a connection left open', async () => {
    const database = await createTestDatabase();
    expect(database.name).toMatch(/^quire_test_\d+_[0-9a-f]{8}$/);
    const client = new pg.Client({ connectionString: database.url });
    client.on('error', () => undefined);
    await client.connect();
    const { rows } = await client.query<{ name: string }>('SELECT current_database() AS name');
    expect(rows[0]?.name).toBe(database.name);

    await database.drop();
    await database.drop();
    const check = new pg.Client({ connectionString: database.url });
    await expect(check.connect()).rejects.toThrow(/does not exist/);
    await client.end().catch(() => undefined);
  });
});

describe.skipIf(!redisServer.ok)('startRedisServer', () => {
  const started: { stop(): Promise<void> }[] = [];
  afterAll(async () => {
    await Promise.all(started.map((server) => server.stop()));
  });

  it('runs a server of its own that can be flushed, restarted empty and stopped', async () => {
    const redis = await startRedisServer();
    started.push(redis);
    expect(redis.port).not.toBe(6379);
    expect(redis.url).toBe(`redis://127.0.0.1:${redis.port}`);
    await redis.flushAll();
    const firstPid = redis.pid;
    await redis.restart();
    expect(redis.pid).not.toBe(firstPid);
    await redis.flushAll();
    await redis.stop();
    expect(() => process.kill(firstPid, 0)).toThrow();
    await expect(redis.flushAll()).rejects.toThrow();
    // A stopped server comes back on the same port (a test's Redis outage).
    await redis.restart();
    await redis.flushAll();
    await redis.stop();
  });
});

describe('childEnv', () => {
  it('keeps the run’s service URLs and node id from a child server unless passed', () => {
    const saved = { ...process.env };
    try {
      process.env['DATABASE_URL'] = 'postgres://elsewhere/db';
      process.env['REDIS_URL'] = 'redis://elsewhere';
      process.env['QUIRE_NODE_ID'] = 'node-a';
      const env = childEnv(undefined);
      expect(env['DATABASE_URL']).toBeUndefined();
      expect(env['REDIS_URL']).toBeUndefined();
      expect(env['QUIRE_NODE_ID']).toBeUndefined();
      expect(env['PATH']).toBe(process.env['PATH']);
      expect(childEnv({ REDIS_URL: 'redis://mine' })['REDIS_URL']).toBe('redis://mine');
    } finally {
      process.env = saved;
    }
  });
});
