import { afterEach, describe, expect, it } from 'vitest';
import { ClusterClients, startEditing, writeToken, type ClusterClient } from './cluster-clients.ts';
import { Cluster, clusterServicesAvailable, stopClusters } from './cluster-harness.ts';
import { announcedEntries, closeRedisClients, connectRedis, QUARANTINE_KEY, updatesKey } from './cluster-streams.ts';
import { Problems, checkConverged, readSeed, seededStreams, sleep, waitUntil } from './cluster-checks.ts';

/**
 * Entries no node wrote, put straight into a document's Redis stream: each
 * node must refuse them, take the document's changes from PostgreSQL
 * instead, and leave every other document alone.
 *
 * Replay a run with QUIRE_CLUSTER_SEED=<seed>.
 */

const available = await clusterServicesAvailable();
const SEED = readSeed();
const POISONED = 'team/poisoned';
const BYSTANDER = 'team/bystander';

let clients: ClusterClients | undefined;

afterEach(async () => {
  closeRedisClients();
  clients?.destroy();
  clients = undefined;
  await stopClusters();
});

describe.skipIf(!available)('a malformed stream entry', () => {
  it(`is refused: other documents are unaffected, and the document recovers from PostgreSQL (seed ${SEED})`, async () => {
    const random = seededStreams('malformed entry', SEED);
    const cluster = await Cluster.start();
    clients = new ClusterClients(cluster);
    const problems = new Problems();
    const onProblem = (text: string): void => problems.add(text);
    // Each bystander counts its connections: a document left alone keeps its first one.
    const bystanderConnections = new Map<ClusterClient, number>();
    const onConnected = (client: ClusterClient): void => {
      if (client.docName === BYSTANDER) bystanderConnections.set(client, (bystanderConnections.get(client) ?? 0) + 1);
    };
    const writers: ClusterClient[] = [];
    for (const docName of [POISONED, BYSTANDER]) {
      for (const node of cluster.nodes) {
        const options = { home: node.index, onProblem, onConnected };
        writers.push(await clients.addQuire(docName, `${docName}-quire-on-${node.index}`, options));
        writers.push(await clients.addStock(docName, `${docName}-stock-on-${node.index}`, options));
      }
    }
    expect(await waitUntil(() => writers.every((writer) => writer.live()), 10_000)).toBe(true);
    const editing = startEditing(writers, random(1));
    await sleep(1_000);

    // What the nodes wrote so far: the next malformed entries claim the sequence numbers after it.
    const redis = connectRedis(cluster.redis.url);
    const announced = await announcedEntries(redis, POISONED);
    expect(announced.length, 'the nodes announce their commits').toBeGreaterThan(0);
    const nextSeq = Math.max(...announced.map((entry) => entry.seq ?? 0)) + 1;
    const key = updatesKey(POISONED);
    const malformed: Array<Array<string | Buffer>> = [
      // Bytes that are no Yjs update, under the next sequence number.
      ['node', 'node-x', 'seq', String(nextSeq), 'update', Buffer.from([0xff, 0xfe, 0x00, 0x13, 0x37])],
      // A sequence number that is not one.
      ['node', 'node-x', 'seq', 'zero', 'update', Buffer.from([0, 0])],
      // No update at all.
      ['node', 'node-x', 'seq', String(nextSeq + 1)],
      // A field no node writes.
      ['node', 'node-x', 'seq', String(nextSeq), 'update', Buffer.from([0, 0]), 'extra', 'field'],
    ];
    for (const fields of malformed) await redis.xadd(key, '*', ...fields);
    await sleep(2_000);
    await editing.stop();
    for (const writer of writers) writeToken(writer);

    // Both documents converge on every node with every token, once.
    await checkConverged(cluster, writers, clients.owners, problems);
    for (const [client, connections] of bystanderConnections) {
      if (connections !== 1) problems.add(`${client.name} of the bystander document connected ${connections} times`);
    }
    expect(problems.list, `seed ${SEED}, ${editing.ticks} edit ticks`).toEqual([]);
    expect(cluster.crashes).toEqual([]);
    expect(cluster.errorLogs).toEqual([]);
    // The nodes noticed: the entries were set aside.
    expect(await redis.xlen(QUARANTINE_KEY)).toBeGreaterThan(0);
  }, 60_000);
});
