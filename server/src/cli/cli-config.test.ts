import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SYNC_SERVER_DEFAULTS } from '../server-options.ts';
import { CliConfigError, printableConfig, readCliConfig, readSetting, settingFlags, type CliConfig } from './cli-config.ts';
import { redactUrl } from './connection-url.ts';

function read(argv: string[], env: NodeJS.ProcessEnv = {}): CliConfig {
  const config = readCliConfig(argv, env);
  if (config === 'help') throw new Error('unexpected help');
  return config;
}

describe('the CLI configuration', () => {
  it('nests the server options, with the library defaults when nothing is set', () => {
    const { server } = read([]);
    for (const [key, value] of Object.entries(server)) {
      expect(SYNC_SERVER_DEFAULTS, key).toHaveProperty(key);
      expect(value, key).toEqual(SYNC_SERVER_DEFAULTS[key as keyof typeof SYNC_SERVER_DEFAULTS]);
    }
  });

  it('keeps its own settings beside them', () => {
    const config = read(['--data-dir', '/srv/quire', '--log-level', 'warn'], { QUIRE_JWT_ISSUER: 'issuer' });
    expect(config).toMatchObject({ dataDir: '/srv/quire', logLevel: 'warn', jwtIssuer: 'issuer', staticDir: 'auto' });
    expect(config.server).not.toHaveProperty('dataDir');
  });

  it('parses values to the server option types, the flag before the variable', () => {
    const { server } = read(['--port', '4000', '--allowed-origins', 'https://a.example, https://b.example'], {
      PORT: '5000',
      QUIRE_MAX_CLOCK_GAPS: '3',
      QUIRE_ROOM_IDLE_MS: '',
    });
    expect(server.port).toBe(4000);
    expect(server.allowedOrigins).toEqual(['https://a.example', 'https://b.example']);
    expect(server.maxClockGaps).toBe(3);
    expect(server.roomIdleMs).toBe(SYNC_SERVER_DEFAULTS.roomIdleMs);
  });

  it('reads one setting the same way for other commands', () => {
    expect(settingFlags(['dataDir'])).toEqual({ 'data-dir': { type: 'string' } });
    expect(readSetting('dataDir', {}, {})).toBe('./data');
    expect(readSetting('dataDir', {}, { QUIRE_DATA_DIR: '/env' })).toBe('/env');
    expect(readSetting('dataDir', { 'data-dir': '/flag' }, { QUIRE_DATA_DIR: '/env' })).toBe('/flag');
  });
});

describe('the PostgreSQL and Redis settings', () => {
  const directory = mkdtempSync(join(tmpdir(), 'quire-cli-config-'));
  afterAll(() => rmSync(directory, { recursive: true, force: true }));
  const file = (settings: Record<string, unknown>): string => {
    const path = join(directory, `settings-${Math.random().toString(36).slice(2)}.json`);
    writeFileSync(path, JSON.stringify(settings));
    return path;
  };

  it('default to a single LevelDB node, with the cluster defaults in place', () => {
    expect(read([])).toMatchObject({
      databaseUrl: '',
      redisUrl: '',
      clusterPollIntervalMs: 1000,
      streamRetentionMs: 300_000,
      nodeHeartbeatTtlMs: 10_000,
      databasePoolSize: 10,
    });
  });

  it('take the flag over the variable, the variable over the file, the file over the default', () => {
    const path = file({ databaseUrl: 'postgres://file/quire', clusterPollIntervalMs: 300, databasePoolSize: '4', nodeId: 'from-file' });
    const env = { DATABASE_URL: 'postgres://env/quire', QUIRE_CLUSTER_POLL_INTERVAL_MS: '200' };
    expect(read(['--config', path])).toMatchObject({ databaseUrl: 'postgres://file/quire', clusterPollIntervalMs: 300, databasePoolSize: 4, nodeId: 'from-file' });
    expect(read(['--config', path], env)).toMatchObject({ databaseUrl: 'postgres://env/quire', clusterPollIntervalMs: 200, databasePoolSize: 4 });
    const flags = ['--config', path, '--database-url', 'postgresql://flag/quire', '--cluster-poll-interval-ms', '100', '--node-id', 'web-1'];
    expect(read(flags, env)).toMatchObject({ databaseUrl: 'postgresql://flag/quire', clusterPollIntervalMs: 100, nodeId: 'web-1' });
    expect(read(['--redis-url', 'redis://cache:6379'], { DATABASE_URL: 'postgres://db/quire' }).redisUrl).toBe('redis://cache:6379');
    expect(read([], { QUIRE_STREAM_RETENTION_MS: '60000', QUIRE_NODE_HEARTBEAT_TTL_MS: '5000' })).toMatchObject({
      streamRetentionMs: 60_000,
      nodeHeartbeatTtlMs: 5000,
    });
  });

  it('refuse Redis without PostgreSQL, from any source', () => {
    const message = /--redis-url needs --database-url/;
    expect(() => read(['--redis-url', 'redis://127.0.0.1:6379'])).toThrow(message);
    expect(() => read([], { REDIS_URL: 'redis://127.0.0.1:6379' })).toThrow(CliConfigError);
    expect(() => read(['--config', file({ redisUrl: 'redis://127.0.0.1:6379' })])).toThrow(message);
  });

  it('refuse what is not a URL of the right kind, and zero intervals', () => {
    expect(() => read(['--database-url', 'host=db dbname=quire'])).toThrow(/invalid --database-url: not a URL/);
    expect(() => read(['--database-url', 'mysql://db/quire'])).toThrow(/invalid --database-url: mysql: URL/);
    expect(() => read(['--database-url', 'postgres://db/quire', '--redis-url', 'http://cache'])).toThrow(/invalid --redis-url/);
    expect(() => read(['--cluster-poll-interval-ms', '0'])).toThrow(/invalid --cluster-poll-interval-ms: 0 \(must be at least 1\)/);
    expect(() => read(['--database-pool-size', 'many'])).toThrow(/invalid --database-pool-size/);
    expect(() => read(['--node-id', ''])).toThrow(/invalid --node-id/);
  });

  it('give this process one generated node id, naming its host and pid', () => {
    const { nodeId } = read([]);
    expect(nodeId.startsWith(`${hostname()}-${process.pid}-`)).toBe(true);
    expect(read([], { QUIRE_NODE_ID: '' }).nodeId).toBe(nodeId);
    expect(read(['--node-id', 'auto']).nodeId).toBe(nodeId);
  });

  it('print the connection strings without their passwords', () => {
    const printed = printableConfig(
      read([
        '--database-url',
        'postgres://quire:s3cret@db.internal:5432/quire?sslmode=require',
        '--redis-url',
        'rediss://default:hunter2@cache.internal:6380/0',
      ]),
    );
    expect(printed).toMatchObject({
      databaseUrl: 'postgres://quire:[redacted]@db.internal:5432/quire?sslmode=require',
      redisUrl: 'rediss://default:[redacted]@cache.internal:6380/0',
    });
    expect(JSON.stringify(printed)).not.toMatch(/s3cret|hunter2/);
    expect(redactUrl('postgres://db/quire?user=q&password=s3cret')).toBe('postgres://db/quire?user=q&password=[redacted]');
    expect(redactUrl('postgres://quire@db/quire')).toBe('postgres://quire@db/quire');
    expect(redactUrl('redis://:only-a-password@cache')).toBe('redis://:[redacted]@cache');
    expect(printableConfig(read([])).databaseUrl).toBe('');
  });
});
