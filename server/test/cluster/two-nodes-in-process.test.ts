import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import * as Y from 'yjs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createDocumentStore, createMemoryBackend, createMemoryStore, type DocumentStore } from '@quire/storage';
import { createPostgresStore } from '@quire/storage-postgres';
import { createTestDatabase, needPostgres, needRedisServer, startRedisServer, type RedisServerProcess, type TestDatabase } from '@quire/test-utils';
import { createServerMetrics, type ServerMetrics, type SyncServer } from '../../src/index.ts';
import { closeTestServers, roomsOf, startTestServer } from '../helpers/test-server.ts';
import { connectStockClient, destroyStockClients, waitForSynced } from '../helpers/stock-client.ts';

// Two nodes in one process, each with its own store over one shared backend
// (the shared database), and a redis-server of this file's own, so Redis can
// be stopped, restarted and flushed.

const redisServer = await needRedisServer();
const postgres = await needPostgres();

interface Node {
  readonly server: SyncServer;
  readonly metrics: ServerMetrics;
}

async function startNode(backend: ReturnType<typeof createMemoryBackend>, nodeId: string, redisUrl: string | undefined, pollIntervalMs = 250): Promise<Node> {
  const metrics = createServerMetrics({ processMetrics: false });
  const server = await startTestServer({
    store: createDocumentStore(backend),
    metrics,
    roomIdleMs: 60_000,
    cluster: { nodeId, pollIntervalMs, ...(redisUrl === undefined ? {} : { redisUrl }) },
  });
  return { server, metrics };
}

/** Opens the document on the node (a server-side no-op change) and keeps it open. */
async function open(node: Node, docName: string): Promise<void> {
  await node.server.documents.change(docName, () => undefined);
}

function textOn(node: Node, docName: string): string | undefined {
  return roomsOf(node.server).get(docName)?.doc.getText('t').toString();
}

async function insert(node: Node, docName: string, text: string): Promise<void> {
  await node.server.documents.change(docName, (doc) => {
    const shared = doc.getText('t');
    shared.insert(shared.length, text);
  });
}

async function eventually(check: () => boolean | Promise<boolean>, timeoutMs = 5_000, state?: () => unknown): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`condition not met in time${state === undefined ? '' : `: ${JSON.stringify(state())}`}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function metricValue(node: Node, name: string, labels = ''): Promise<number> {
  const text = await node.metrics.render();
  const line = text.split('\n').find((row) => row.startsWith(`${name}${labels} `) || row.startsWith(`${name}${labels}{`));
  return line === undefined ? 0 : Number(line.slice(line.lastIndexOf(' ') + 1));
}

describe('the cluster option', () => {
  it('is refused with a store that does not number its entries, or with a bad duration', async () => {
    const unsequenced: DocumentStore = new Proxy(createMemoryStore(), {
      get: (target, key) => (key === 'sequenced' ? undefined : Reflect.get(target, key) as unknown),
    });
    await expect(startTestServer({ store: unsequenced, cluster: {} })).rejects.toThrow(TypeError);
    await expect(startTestServer({ cluster: { pollIntervalMs: 0 } })).rejects.toThrow(RangeError);
    await expect(startTestServer({ cluster: { nodeId: ' ' } })).rejects.toThrow(TypeError);
  });
});

describe.skipIf(!redisServer.ok)('two nodes on one store and Redis, in one process', () => {
  let redis: RedisServerProcess;
  let client: Redis;

  beforeAll(async () => {
    redis = await startRedisServer();
    client = new Redis(redis.url, { lazyConnect: true, maxRetriesPerRequest: 1 });
    client.on('error', () => undefined);
    await client.connect();
  });

  afterAll(async () => {
    client.disconnect();
    await redis.stop();
  });

  afterEach(async () => {
    destroyStockClients();
    await closeTestServers();
  });

  it("delivers each node's edits to the other node's clients, on the streams", async () => {
    const backend = createMemoryBackend();
    const a = await startNode(backend, 'a', redis.url, 60_000);
    const b = await startNode(backend, 'b', redis.url, 60_000);
    const docName = `doc-${randomUUID()}`;
    const onA = connectStockClient(a.server.url, docName);
    const onB = connectStockClient(b.server.url, docName);
    await waitForSynced(onA, onB);

    onA.doc.getText('t').insert(0, 'from a;');
    await eventually(() => onB.doc.getText('t').toString() === 'from a;');
    onB.doc.getText('t').insert(7, 'from b;');
    await eventually(() => onA.doc.getText('t').toString() === 'from a;from b;');

    // A late joiner on either node gets everything from storage.
    const late = connectStockClient(b.server.url, docName);
    await waitForSynced(late);
    expect(late.doc.getText('t').toString()).toBe('from a;from b;');
    expect(await metricValue(b, 'quire_cluster_stream_lag_seconds_count')).toBeGreaterThan(0);
    expect(await client.xlen(`quire:{${docName}}:updates`)).toBeGreaterThanOrEqual(2);
  });

  it("relays each node's clients' awareness to the other node's clients", async () => {
    const backend = createMemoryBackend();
    const a = await startNode(backend, 'a', redis.url, 60_000);
    const b = await startNode(backend, 'b', redis.url, 60_000);
    const docName = `doc-${randomUUID()}`;
    const onA = connectStockClient(a.server.url, docName);
    const onB = connectStockClient(b.server.url, docName);
    await waitForSynced(onA, onB);
    onA.provider.awareness.setLocalStateField('user', { name: 'ada' });
    const userSeenOnB = (): unknown => (onB.provider.awareness.getStates().get(onA.doc.clientID)?.['user'] as { name?: string } | undefined)?.name;
    await eventually(() => userSeenOnB() === 'ada');
    onA.destroy();
    await eventually(() => !onB.provider.awareness.getStates().has(onA.doc.clientID));
  });

  it('follows the stream of a document that joined while Redis was still connecting', async () => {
    const backend = createMemoryBackend();
    const a = await startNode(backend, 'a', redis.url, 60_000);
    const slowStore = createDocumentStore(backend);
    const loadSequenced = slowStore.loadSequenced.bind(slowStore);
    const metrics = createServerMetrics({ processMetrics: false });
    const server = await startTestServer({
      // A slow load: Redis becomes ready between the join's look at the stream and its end.
      store: Object.assign(slowStore, {
        loadSequenced: async (docName: string) => {
          await new Promise((resolve) => setTimeout(resolve, 300));
          return loadSequenced(docName);
        },
      }),
      metrics,
      roomIdleMs: 60_000,
      cluster: { nodeId: 'b', redisUrl: redis.url, pollIntervalMs: 60_000 },
    });
    const b: Node = { server, metrics };
    const docName = `doc-${randomUUID()}`;
    await Promise.all([open(b, docName), open(a, docName)]);
    await insert(a, docName, 'on the stream');
    // Well before the catch-up check (5 s) could have found it.
    await eventually(() => textOn(b, docName) === 'on the stream', 2_000);
  });

  it('quarantines a bad entry and recovers its document while another keeps flowing', async () => {
    const backend = createMemoryBackend();
    const a = await startNode(backend, 'a', redis.url, 60_000);
    const b = await startNode(backend, 'b', redis.url, 60_000);
    const [poisoned, healthy] = [`doc-${randomUUID()}`, `doc-${randomUUID()}`];
    for (const docName of [poisoned, healthy]) {
      await open(a, docName);
      await open(b, docName);
    }
    await insert(a, poisoned, 'one;');
    await eventually(() => textOn(b, poisoned) === 'one;');

    const quarantineBefore = await client.xlen('quire:quarantine');
    // A field missing, then the next sequence number with bytes that are no update.
    await client.xadd(`quire:{${poisoned}}:updates`, '*', 'node', 'x', 'update', Buffer.from([1, 2, 3]));
    await client.xadd(`quire:{${poisoned}}:updates`, '*', 'node', 'x', 'seq', '999', 'update', Buffer.from([255, 255, 255, 255]));
    await insert(a, healthy, 'still flowing');
    await eventually(() => textOn(b, healthy) === 'still flowing');
    await insert(a, poisoned, 'two;');
    await eventually(() => textOn(b, poisoned) === 'one;two;');

    await eventually(async () => (await metricValue(b, 'quire_cluster_quarantined_entries_total')) === 2);
    expect(await metricValue(b, 'quire_cluster_backfills_total', '{reason="poison"}')).toBeGreaterThanOrEqual(1);
    await eventually(async () => (await client.xlen('quire:quarantine')) >= quarantineBefore + 2);
  });

  it('polls storage while Redis is down, and goes back to the streams when it returns, losing nothing', async () => {
    const backend = createMemoryBackend();
    const a = await startNode(backend, 'a', redis.url);
    const b = await startNode(backend, 'b', redis.url);
    const docName = `doc-${randomUUID()}`;
    await open(a, docName);
    await open(b, docName);
    await insert(a, docName, 'before;');
    await eventually(() => textOn(b, docName) === 'before;');

    // Down for as long as the test needs (restart() brings it back, empty).
    process.kill(redis.pid, 'SIGTERM');
    await eventually(async () => (await metricValue(b, 'quire_cluster_redis_connected')) === 0);
    await insert(a, docName, 'during;');
    await eventually(() => textOn(b, docName) === 'before;during;');
    expect(await metricValue(b, 'quire_cluster_polling_fallbacks_total')).toBeGreaterThanOrEqual(1);
    expect(await metricValue(b, 'quire_cluster_backfills_total', '{reason="poll"}')).toBeGreaterThanOrEqual(1);
    await insert(b, docName, 'b-during;');
    await eventually(() => textOn(a, docName) === 'before;during;b-during;');

    await redis.restart();
    await eventually(async () => (await metricValue(a, 'quire_cluster_redis_connected')) === 1 && (await metricValue(b, 'quire_cluster_redis_connected')) === 1, 10_000);
    const lagBefore = await metricValue(b, 'quire_cluster_stream_lag_seconds_count');
    await eventually(async () => {
      await insert(a, docName, '.');
      return (await metricValue(b, 'quire_cluster_stream_lag_seconds_count')) > lagBefore;
    }, 10_000);
    await insert(a, docName, 'after');
    await eventually(() => textOn(b, docName)?.endsWith('after') === true);
    expect(textOn(a, docName)).toBe(textOn(b, docName));
  });

  it('finds entries the streams never carried (a FLUSHALL, a lost announcement) with the catch-up check', async () => {
    const backend = createMemoryBackend();
    // The check runs every poll interval while the streams work, and gives them one more interval.
    const b = await startNode(backend, 'b', redis.url, 500);
    // On the streams before the document opens, so that only the catch-up check can find the entry.
    await eventually(async () => (await metricValue(b, 'quire_cluster_redis_connected')) === 1);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const docName = `doc-${randomUUID()}`;
    await open(b, docName);
    await redis.flushAll();
    // A commit of a node whose announcement never reached Redis: straight into the shared storage.
    const elsewhere = createDocumentStore(backend);
    const doc = new Y.Doc();
    doc.getText('t').insert(0, 'unannounced');
    await elsewhere.append(docName, Y.encodeStateAsUpdate(doc));
    await eventually(() => textOn(b, docName) === 'unannounced', 9_000);
    expect(await metricValue(b, 'quire_cluster_backfills_total', '{reason="catch-up"}')).toBeGreaterThanOrEqual(1);
    // The streams still deliver: the check found it, not a fall back to polling.
    expect(await metricValue(b, 'quire_cluster_polling_fallbacks_total')).toBe(0);
  });

  it('works without Redis, by polling storage only', async () => {
    const backend = createMemoryBackend();
    const a = await startNode(backend, 'a', undefined, 100);
    const b = await startNode(backend, 'b', undefined, 100);
    const docName = `doc-${randomUUID()}`;
    await open(a, docName);
    await open(b, docName);
    await insert(a, docName, 'polled');
    await eventually(() => textOn(b, docName) === 'polled', 2_000);
    await insert(b, docName, ' back');
    await eventually(() => textOn(a, docName) === 'polled back', 2_000);
  });
});

describe.skipIf(!redisServer.ok || !postgres.ok)('two nodes on PostgreSQL and Redis, in one process', () => {
  let redis: RedisServerProcess;
  let database: TestDatabase;

  beforeAll(async () => {
    [redis, database] = await Promise.all([startRedisServer(), createTestDatabase()]);
  });

  afterAll(async () => {
    await closeTestServers();
    await Promise.all([redis.stop(), database.drop()]);
  });

  async function startPostgresNode(nodeId: string): Promise<SyncServer> {
    return startTestServer({
      store: await createPostgresStore({ connectionString: database.url, poolSize: 2 }),
      roomIdleMs: 60_000,
      cluster: { nodeId, redisUrl: redis.url },
    });
  }

  it('converges under concurrent edits on both nodes, and a third node loads it all', async () => {
    const [a, b] = [await startPostgresNode('a'), await startPostgresNode('b')];
    const docName = `doc-${randomUUID()}`;
    const onA = connectStockClient(a.url, docName);
    const onB = connectStockClient(b.url, docName);
    await waitForSynced(onA, onB);
    for (let round = 0; round < 40; round += 1) {
      onA.doc.getText('t').insert(0, 'a');
      onB.doc.getText('t').insert(0, 'b');
      if (round % 10 === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    }
    const settled = (text: string): boolean => text.length === 80 && [...text].filter((char) => char === 'a').length === 40;
    const texts = (): string[] => [onA.doc.getText('t').toString(), onB.doc.getText('t').toString()];
    await eventually(() => settled(texts()[0]!) && texts()[0] === texts()[1], 10_000, texts);

    const c = await startPostgresNode('c');
    const onC = connectStockClient(c.url, docName);
    await waitForSynced(onC);
    expect(onC.doc.getText('t').toString()).toBe(onA.doc.getText('t').toString());
    destroyStockClients();
  });
});
