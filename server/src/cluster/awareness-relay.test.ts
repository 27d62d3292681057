import { randomUUID } from 'node:crypto';
import * as Y from 'yjs';
import * as awarenessProtocol from 'y-protocols/awareness';
import { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import {
  needRedis,
  needRedisServer,
  redisUrl,
  startRedisServer,
  startTcpProxy,
  type RedisServerProcess,
  type TcpProxy,
} from '@quire/test-utils';
import { createSilentLogger } from '../logger.ts';
import { awarenessChannel, createAwarenessRelay, type AwarenessRelay } from './awareness-relay.ts';
import { encodeRelayMessage } from './awareness-relay-message.ts';
import { heartbeatKey } from './node-heartbeat.ts';

const redis = await needRedis();
const redisServer = await needRedisServer();

// Keys and channels of this run only: the shared Redis is never flushed.
const KEY_PREFIX = `quire-test-${process.pid}-${randomUUID().slice(0, 8)}:`;

/** A room as the relay sees it, backed by a real y-protocols Awareness; `setLocal` plays one of its connections. */
function fakeRoom() {
  const awareness = new awarenessProtocol.Awareness(new Y.Doc());
  awareness.setLocalState(null);
  const localIds = new Set<number>();
  const clients = new Map<number, awarenessProtocol.Awareness>();
  const room = {
    awareness,
    applied: 0,
    applyRemoteAwareness(update: Uint8Array) {
      room.applied++;
      awarenessProtocol.applyAwarenessUpdate(awareness, update, 'remote');
    },
    removeRemoteAwareness(clientIds: readonly number[]) {
      awarenessProtocol.removeAwarenessStates(awareness, [...clientIds], 'remote');
    },
    encodeLocalAwareness(): Uint8Array | undefined {
      return localIds.size === 0 ? undefined : awarenessProtocol.encodeAwarenessUpdate(awareness, [...localIds]);
    },
    /** A local client sets its state; returns the update the room would publish. */
    setLocal(clientId: number, state: Record<string, unknown>): Uint8Array {
      let client = clients.get(clientId);
      if (client === undefined) {
        const doc = new Y.Doc();
        doc.clientID = clientId;
        client = new awarenessProtocol.Awareness(doc);
        clients.set(clientId, client);
      }
      client.setLocalState(state);
      const update = awarenessProtocol.encodeAwarenessUpdate(client, [clientId]);
      awarenessProtocol.applyAwarenessUpdate(awareness, update, 'local');
      localIds.add(clientId);
      return update;
    },
    destroy() {
      for (const client of clients.values()) client.destroy();
      awareness.destroy();
    },
  };
  return room;
}

type FakeRoom = ReturnType<typeof fakeRoom>;

interface Node {
  readonly nodeId: string;
  readonly relay: AwarenessRelay;
  readonly registry: Registry;
}

const relays: AwarenessRelay[] = [];
const rooms: FakeRoom[] = [];
const proxies: TcpProxy[] = [];
const servers: RedisServerProcess[] = [];
let admin: Redis | undefined;

function startNode(name: string, options: { url?: string; heartbeatTtlMs?: number } = {}): Node {
  const nodeId = `${name}-${randomUUID().slice(0, 6)}`;
  const registry = new Registry();
  const relay = createAwarenessRelay({
    redisUrl: options.url ?? redisUrl(),
    nodeId,
    keyPrefix: KEY_PREFIX,
    heartbeatTtlMs: options.heartbeatTtlMs ?? 10_000,
    logger: createSilentLogger(),
    registry,
  });
  relays.push(relay);
  return { nodeId, relay, registry };
}

function openRoom(): FakeRoom {
  const room = fakeRoom();
  rooms.push(room);
  return room;
}

async function counter(registry: Registry, name: string, labels: Record<string, string> = {}): Promise<number> {
  const metric = await registry.getSingleMetric(name)?.get();
  const matching = metric?.values.filter((value) => Object.entries(labels).every(([key, label]) => value.labels[key] === label));
  return (matching ?? []).reduce((sum, value) => sum + value.value, 0);
}

function adminClient(): Redis {
  admin ??= new Redis(redisUrl(), { lazyConnect: false });
  return admin;
}

/** Waits until `count` relays listen on the document's channel. */
async function subscribed(docName: string, count: number, client: Redis = adminClient()): Promise<void> {
  const channel = awarenessChannel(KEY_PREFIX, docName);
  await vi.waitFor(async () => {
    const [, listeners] = (await client.pubsub('NUMSUB', channel)) as [string, number];
    expect(listeners).toBe(count);
  });
}

let docCounter = 0;
const newDocName = (): string => `relay-test/doc-${++docCounter}`;

afterEach(async () => {
  await Promise.all(relays.splice(0).map((relay) => relay.close()));
  for (const room of rooms.splice(0)) room.destroy();
  await Promise.all(proxies.splice(0).map((proxy) => proxy.close()));
});

afterAll(async () => {
  await Promise.all(servers.splice(0).map((server) => server.stop()));
  admin?.disconnect();
});

/** Nodes `a` and `b`, each with a room joined to one new document, both subscribed. */
async function twoNodesOnOneDocument() {
  const docName = newDocName();
  const a = startNode('a');
  const b = startNode('b');
  const roomA = openRoom();
  const roomB = openRoom();
  const memberA = a.relay.join(docName, roomA);
  const memberB = b.relay.join(docName, roomB);
  await subscribed(docName, 2);
  return { docName, a, b, roomA, roomB, memberA, memberB };
}

describe.skipIf(!redis.ok)('awareness relay on a shared Redis', () => {
  it('carries one node’s clients to another, and never back to their own node', async () => {
    const { a, b, roomA, roomB, memberA } = await twoNodesOnOneDocument();

    memberA.publish(roomA.setLocal(7, { user: 'Ada', caret: 3 }));
    await vi.waitFor(() => expect(roomB.awareness.getStates().get(7)).toEqual({ user: 'Ada', caret: 3 }));
    memberA.publish(roomA.setLocal(7, { user: 'Ada', caret: 4 }));
    await vi.waitFor(() => expect(roomB.awareness.getStates().get(7)).toEqual({ user: 'Ada', caret: 4 }));

    expect(roomA.applied).toBe(0);
    expect(await counter(a.registry, 'quire_cluster_awareness_messages_total', { direction: 'in', kind: 'update' })).toBe(0);
    expect(await counter(b.registry, 'quire_cluster_awareness_messages_total', { direction: 'in', kind: 'update' })).toBe(2);
    expect(await counter(a.registry, 'quire_cluster_awareness_messages_total', { direction: 'out', kind: 'update' })).toBe(2);
  });

  it('gives a node that joins later the states the other nodes already hold', async () => {
    const docName = newDocName();
    const a = startNode('a');
    const roomA = openRoom();
    a.relay.join(docName, roomA);
    roomA.setLocal(7, { user: 'Ada' });
    roomA.setLocal(8, { user: 'Grace' });
    await subscribed(docName, 1);

    const b = startNode('b');
    const roomB = openRoom();
    b.relay.join(docName, roomB);
    await vi.waitFor(() => {
      expect(roomB.awareness.getStates().get(7)).toEqual({ user: 'Ada' });
      expect(roomB.awareness.getStates().get(8)).toEqual({ user: 'Grace' });
    });
    expect(await counter(a.registry, 'quire_cluster_awareness_messages_total', { direction: 'in', kind: 'query' })).toBeGreaterThan(0);
  });

  it('counts and ignores malformed messages, and keeps relaying', async () => {
    const { docName, b, roomA, roomB, memberA } = await twoNodesOnOneDocument();
    const channel = awarenessChannel(KEY_PREFIX, docName);

    await adminClient().publish(channel, Buffer.from([0xff, 0xff, 0xff]));
    await adminClient().publish(channel, 'not a relay message');
    // A well-formed envelope around an awareness update that does not decode.
    const bad = encodeRelayMessage({ sender: 'intruder', kind: 'update', payload: new Uint8Array([5, 1]) });
    await adminClient().publish(channel, Buffer.from(bad));
    await vi.waitFor(async () => expect(await counter(b.registry, 'quire_cluster_awareness_malformed_total')).toBe(3));
    expect(roomB.applied).toBe(0);

    memberA.publish(roomA.setLocal(7, { user: 'still here' }));
    await vi.waitFor(() => expect(roomB.awareness.getStates().get(7)).toEqual({ user: 'still here' }));
  });

  it('removes the clients of a node that left gracefully at once, and its heartbeat key', async () => {
    const { a, b, roomA, roomB, memberB } = await twoNodesOnOneDocument();
    memberB.publish(roomB.setLocal(8, { user: 'Bea' }));
    await vi.waitFor(() => expect(roomA.awareness.getStates().has(8)).toBe(true));
    expect(await adminClient().exists(heartbeatKey(KEY_PREFIX, b.nodeId))).toBe(1);

    await b.relay.close();
    await vi.waitFor(() => expect(roomA.awareness.getStates().has(8)).toBe(false), { timeout: 2_000 });
    expect(await adminClient().exists(heartbeatKey(KEY_PREFIX, b.nodeId))).toBe(0);
    expect(await counter(a.registry, 'quire_cluster_nodes_declared_dead_total')).toBe(0);
  });

  it('removes the clients of a node that lost Redis within its heartbeat TTL and one check interval', async () => {
    const docName = newDocName();
    const ttlMs = 1_000;
    const checkMs = Math.ceil((ttlMs * 2) / 5);
    const port = Number(new URL(redisUrl()).port || 6379);
    const proxy = await startTcpProxy({ targetPort: port });
    proxies.push(proxy);
    const a = startNode('a', { heartbeatTtlMs: ttlMs });
    const b = startNode('b', { heartbeatTtlMs: ttlMs, url: `redis://127.0.0.1:${proxy.port}` });
    const roomA = openRoom();
    const roomB = openRoom();
    a.relay.join(docName, roomA);
    const memberB = b.relay.join(docName, roomB);
    await subscribed(docName, 2);
    memberB.publish(roomB.setLocal(8, { user: 'Bea' }));
    await vi.waitFor(() => expect(roomA.awareness.getStates().has(8)).toBe(true));

    // B dies without a goodbye: no leave message, no key deleted, no renewal.
    const cutAt = Date.now();
    await proxy.close();
    await vi.waitFor(() => expect(roomA.awareness.getStates().has(8)).toBe(false), { timeout: ttlMs + checkMs + 2_000, interval: 20 });
    // The key was renewed at most a third of the TTL before the cut; a check follows within checkMs of its expiry.
    expect(Date.now() - cutAt).toBeLessThanOrEqual(ttlMs + checkMs + 1_000);
    expect(await counter(a.registry, 'quire_cluster_nodes_declared_dead_total')).toBe(1);
  });

  it('stays quiet about a node that keeps its heartbeat', async () => {
    const docName = newDocName();
    const a = startNode('a', { heartbeatTtlMs: 300 });
    const b = startNode('b', { heartbeatTtlMs: 300 });
    const roomA = openRoom();
    const roomB = openRoom();
    a.relay.join(docName, roomA);
    const memberB = b.relay.join(docName, roomB);
    await subscribed(docName, 2);
    memberB.publish(roomB.setLocal(8, { user: 'Bea' }));
    await vi.waitFor(() => expect(roomA.awareness.getStates().has(8)).toBe(true));
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(roomA.awareness.getStates().has(8)).toBe(true);
    expect(await counter(a.registry, 'quire_cluster_nodes_declared_dead_total')).toBe(0);
  });
});

describe.skipIf(!redisServer.ok)('awareness relay through a Redis outage', () => {
  it('resubscribes after Redis restarts and asks again, so a change whose publish was lost still arrives', async () => {
    const server = await startRedisServer();
    servers.push(server);
    const docName = newDocName();
    const a = startNode('a', { url: server.url });
    const b = startNode('b', { url: server.url });
    const roomA = openRoom();
    const roomB = openRoom();
    const memberA = a.relay.join(docName, roomA);
    b.relay.join(docName, roomB);
    const own = new Redis(server.url, { retryStrategy: () => 100 });
    own.on('error', () => undefined);
    try {
      await subscribed(docName, 2, own);
      memberA.publish(roomA.setLocal(7, { caret: 1 }));
      await vi.waitFor(() => expect(roomB.awareness.getStates().get(7)).toEqual({ caret: 1 }));

      // A change nobody publishes: only the queries after the reconnect can carry it.
      roomA.setLocal(7, { caret: 2 });
      await server.restart();
      await vi.waitFor(() => expect(roomB.awareness.getStates().get(7)).toEqual({ caret: 2 }), { timeout: 10_000 });
      await subscribed(docName, 2, own);
      memberA.publish(roomA.setLocal(7, { caret: 3 }));
      await vi.waitFor(() => expect(roomB.awareness.getStates().get(7)).toEqual({ caret: 3 }));
    } finally {
      own.disconnect();
    }
  });
});

describe('awareness relay without Redis', () => {
  it('drops what it cannot send, queues nothing, and closes cleanly', async () => {
    const proxy = await startTcpProxy({ targetPort: 9 });
    const url = `redis://127.0.0.1:${proxy.port}`;
    await proxy.close();
    const a = startNode('a', { url });
    const room = openRoom();
    const member = a.relay.join(newDocName(), room);
    for (let caret = 0; caret < 100; caret++) member.publish(room.setLocal(7, { caret }));
    expect(await counter(a.registry, 'quire_cluster_awareness_dropped_total')).toBe(100);
    member.leave();
    await a.relay.close();
    expect(() => a.relay.join(newDocName(), room)).toThrow(/closed/);
  });
});
