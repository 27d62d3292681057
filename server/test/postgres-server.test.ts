import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import * as Y from 'yjs';
import { QuireProvider } from '@quire/provider';
import {
  createTempDir,
  createTestDatabase,
  findFreePort,
  killServerProcesses,
  needPostgres,
  needRedisServer,
  removeTempDirs,
  SERVER_CLI,
  startRedisServer,
  startServerProcess,
  type TestDatabase,
} from '@quire/test-utils';

// quire-server with --database-url and no Redis, as a child process: the
// mode it says it runs, edits acknowledged as saved and there after a
// restart, its PostgreSQL series, and a start-up that cannot reach the
// database.

const run = promisify(execFile);

/** This process's environment without the settings that would pick a database, Redis or a node id for the child. */
function cliEnv(): NodeJS.ProcessEnv {
  const { DATABASE_URL: _database, REDIS_URL: _redis, QUIRE_NODE_ID: _nodeId, ...env } = process.env;
  return env;
}
const postgres = await needPostgres();
const redisServer = postgres.ok ? await needRedisServer() : postgres;

afterAll(async () => {
  await killServerProcesses();
  await removeTempDirs();
});

/** Opens the document with @quire/provider, runs `edit` once synced, and resolves once the server says it is saved. */
async function editAndSave(url: string, document: string, edit: (doc: Y.Doc) => void): Promise<void> {
  const doc = new Y.Doc();
  const provider = new QuireProvider({ url, document, doc, WebSocketPolyfill: WebSocket, onlineTarget: null, visibilityTarget: null });
  try {
    await new Promise<void>((resolve) => (provider.synced ? resolve() : provider.once('synced', () => resolve())));
    const saved = new Promise<void>((resolve) => {
      const onUnsaved = (count: number): void => {
        if (count > 0) return;
        provider.off('unsaved-changes', onUnsaved);
        resolve();
      };
      provider.on('unsaved-changes', onUnsaved);
    });
    edit(doc);
    await saved;
  } finally {
    provider.destroy();
    doc.destroy();
  }
}

/** The document's text as a fresh provider syncs it. */
async function readText(url: string, document: string): Promise<string> {
  const doc = new Y.Doc();
  const provider = new QuireProvider({ url, document, doc, WebSocketPolyfill: WebSocket, onlineTarget: null, visibilityTarget: null });
  try {
    await new Promise<void>((resolve) => (provider.synced ? resolve() : provider.once('synced', () => resolve())));
    return doc.getText('text').toString();
  } finally {
    provider.destroy();
    doc.destroy();
  }
}

function seriesValue(metrics: string, name: string): number | undefined {
  const line = metrics.split('\n').find((candidate) => candidate.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.slice(name.length + 1));
}

describe('the node id', () => {
  it('is generated per process unless given', async () => {
    const printed = await Promise.all([1, 2].map(() => run(process.execPath, [SERVER_CLI, '--print-config'], { env: cliEnv() })));
    const [first, second] = printed.map(({ stdout }) => (JSON.parse(stdout) as { nodeId: string }).nodeId);
    expect(first).toMatch(/^.+-\d+-[0-9a-f]{6}$/);
    expect(second).not.toBe(first);
    const given = await run(process.execPath, [SERVER_CLI, '--print-config', '--node-id', 'web-1'], { env: cliEnv() });
    expect((JSON.parse(given.stdout) as { nodeId: string }).nodeId).toBe('web-1');
  });
});

describe.skipIf(!postgres.ok)('quire-server --database-url, without Redis', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => {
    await killServerProcesses();
    await database?.drop();
  });

  it('stores what a provider edits, acknowledged as saved, and finds it after a restart', async () => {
    // A directory that is never made: the database holds everything.
    const dataDir = join(await createTempDir(), 'never-created');
    // The server trusts local connections: the password is there to be kept out of the logs.
    const withPassword = new URL(database.url);
    withPassword.password = 's3cret';
    const args = ['--database-url', withPassword.toString(), '--node-id', 'pg-node-1'];
    const server = await startServerProcess({ dataDir, args });
    const mode = server.logs.find((line) => line.msg.startsWith('cluster mode on PostgreSQL only'));
    expect(mode).toMatchObject({ mode: 'postgres', nodeId: 'pg-node-1' });
    expect(server.logs.find((line) => line.msg === 'quire sync server listening')).toMatchObject({ nodeId: 'pg-node-1' });
    expect(server.logs.find((line) => line.msg === 'storage opened')).toMatchObject({ database: database.url.replace('@', ':[redacted]@') });
    expect(JSON.stringify(server.logs)).not.toContain('s3cret');

    await editAndSave(server.url, 'notes/today', (doc) => doc.getText('text').insert(0, 'kept in PostgreSQL'));
    expect((await fetch(`${server.httpUrl}/readyz`)).status).toBe(200);
    const metrics = await (await fetch(`${server.httpUrl}/metrics`)).text();
    expect(seriesValue(metrics, 'quire_postgres_connected')).toBe(1);
    expect(seriesValue(metrics, 'quire_postgres_commit_seconds_count')).toBeGreaterThan(0);
    const listed = (await (await fetch(`${server.httpUrl}/api/documents`)).json()) as { documents: { name: string }[] };
    expect(JSON.stringify(listed)).toContain('notes/today');
    expect(await server.stop()).toBe(0);
    expect(existsSync(dataDir)).toBe(false);

    const restarted = await startServerProcess({ dataDir, args });
    expect(await readText(restarted.url, 'notes/today')).toBe('kept in PostgreSQL');
    await editAndSave(restarted.url, 'notes/today', (doc) => doc.getText('text').insert(0, 'still '));
    expect(await restarted.stop()).toBe(0);
  });

  it('exits 1 with a fatal log line, never listening, when PostgreSQL cannot be reached', async () => {
    const closedPort = await findFreePort();
    const url = `postgres://quire:s3cret@127.0.0.1:${closedPort}/quire`;
    const failure = await run(process.execPath, [SERVER_CLI, '--port', '0', '--database-url', url], { env: cliEnv() }).then(
      () => undefined,
      (error: unknown) => error as { code: number; stdout: string; stderr: string },
    );
    expect(failure?.code).toBe(1);
    const lines = failure!.stdout.trim().split('\n').map((line) => JSON.parse(line) as { level: number; msg: string; database?: string });
    expect(lines.some((line) => line.msg === 'quire sync server listening')).toBe(false);
    const fatal = lines.find((line) => line.level === 60);
    expect(fatal?.msg).toMatch(/^cannot open PostgreSQL storage/);
    expect(fatal?.database).toBe(`postgres://quire:[redacted]@127.0.0.1:${closedPort}/quire`);
    expect(failure!.stdout + failure!.stderr).not.toContain('s3cret');
  });
});

describe.skipIf(!redisServer.ok)('quire-server --database-url --redis-url', () => {
  it('says it runs on PostgreSQL + Redis, naming the node, with neither password in its logs', async () => {
    const database = await createTestDatabase();
    const redis = await startRedisServer();
    try {
      const withPassword = new URL(database.url);
      withPassword.password = 's3cret';
      const server = await startServerProcess({
        dataDir: join(await createTempDir(), 'never-created'),
        args: ['--database-url', withPassword.toString(), '--redis-url', redis.url, '--node-id', 'pg-redis-1'],
      });
      const mode = server.logs.find((line) => line.msg === 'cluster mode on PostgreSQL + Redis');
      expect(mode).toMatchObject({ mode: 'postgres+redis', nodeId: 'pg-redis-1', redis: redis.url });
      await editAndSave(server.url, 'notes/redis', (doc) => doc.getText('text').insert(0, 'announced'));
      expect(await server.stop()).toBe(0);
      expect(JSON.stringify(server.logs)).not.toContain('s3cret');
    } finally {
      await killServerProcesses();
      await redis.stop();
      await database.drop();
    }
  });
});
