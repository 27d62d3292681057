import { afterEach, describe, expect, it } from 'vitest';
import { ClusterClients, startEditing, writeToken, type ClusterClient } from './cluster-clients.ts';
import { Cluster, clusterServicesAvailable, stopClusters } from './cluster-harness.ts';
import { announcedEntries, closeRedisClients, connectRedis } from './cluster-streams.ts';
import { Problems, checkConverged, checkSavedEverywhere, readSeed, seededStreams, sleep, tokenCounts, waitUntil } from './cluster-checks.ts';

/**
 * Redis is only the bus: PostgreSQL holds the truth, and nodes poll it for
 * what the bus did not bring. Redis restarted empty, flushed, or out of one
 * node's reach must cost no edit, and every node must converge.
 *
 * Replay a run with QUIRE_CLUSTER_SEED=<seed>.
 */

const available = await clusterServicesAvailable();
const SEED = readSeed();
const DOC = 'team/bus';
/** The poll interval the nodes run with: the documented default. */
const POLL_INTERVAL_MS = 1_000;

let clients: ClusterClients | undefined;

afterEach(async () => {
  closeRedisClients();
  clients?.destroy();
  clients = undefined;
  await stopClusters();
});

/** A quire and a stock writer on each node. */
async function writersOnEveryNode(cluster: Cluster, set: ClusterClients, problems: Problems): Promise<ClusterClient[]> {
  const writers: ClusterClient[] = [];
  for (const node of cluster.nodes) {
    const options = { home: node.index, onProblem: (text: string) => problems.add(text) };
    writers.push(await set.addQuire(DOC, `quire-on-${node.index}`, options));
    writers.push(await set.addStock(DOC, `stock-on-${node.index}`, options));
  }
  if (!(await waitUntil(() => writers.every((writer) => writer.live()), 10_000))) throw new Error('clients did not connect');
  return writers;
}

/** Whether every one of `readers` holds every token in `tokens`. */
const holdAll = (readers: readonly ClusterClient[], tokens: readonly string[]) => (): boolean =>
  readers.every((reader) => {
    const counts = tokenCounts(reader.doc);
    return tokens.every((token) => counts.has(token));
  });

describe.skipIf(!available)('Redis failing under a cluster', () => {
  it(`Redis restarted, then flushed, during edits: every node converges with nothing lost (seed ${SEED})`, async () => {
    const random = seededStreams('redis restarted and flushed', SEED);
    const cluster = await Cluster.start();
    clients = new ClusterClients(cluster);
    const problems = new Problems();
    const writers = await writersOnEveryNode(cluster, clients, problems);

    // Each outage on its own, checked before the next: a restart (connections reset, the streams gone), then FLUSHALL (streams gone, connections kept).
    for (const outage of ['restarted', 'flushed'] as const) {
      const editing = startEditing(writers, random(outage === 'restarted' ? 1 : 2));
      await sleep(1_000);
      if (outage === 'restarted') await cluster.redis.restart();
      else await cluster.redis.flushAll();
      await sleep(1_500);
      await editing.stop();
      for (const writer of writers) writeToken(writer);
      await checkConverged(cluster, writers, clients.owners, problems);
      await checkSavedEverywhere(cluster, writers, problems, `after Redis was ${outage}`);
      if (editing.ticks < 10) problems.add(`only ${editing.ticks} edit ticks around the Redis ${outage}`);
    }
    expect(problems.list, `seed ${SEED}`).toEqual([]);
    expect(cluster.crashes).toEqual([]);
    expect(cluster.errorLogs).toEqual([]);
  }, 90_000);

  it('a node cut off from Redis still saves, its edits reach the others by polling, and by streams once the cut ends', async () => {
    const cluster = await Cluster.start({ redisLinks: true, args: ['--cluster-poll-interval-ms', String(POLL_INTERVAL_MS)] });
    clients = new ClusterClients(cluster);
    const problems = new Problems();
    const writers = await writersOnEveryNode(cluster, clients, problems);
    // Node 0's two writers, and the others'.
    const isolated = writers.slice(0, 2);
    const connected = writers.slice(2);
    const isolatedQuire = isolated.find((writer) => writer.kind === 'quire')!;

    const redis = connectRedis(cluster.redis.url);
    // Refused connections (Redis down for this node), then a partition that heals (connections open, nothing carried).
    for (const cut of ['refused', 'partition'] as const) {
      const link = cluster.node(0).redisLink!;
      if (cut === 'refused') link.cut();
      else link.silence();
      // Its edits are saved: PostgreSQL is reachable.
      const cutTokens = isolated.flatMap((writer) => [writeToken(writer), writeToken(writer)]);
      expect(await waitUntil(() => isolatedQuire.unsaved() === 0, 10_000), `${cut}: ${isolatedQuire.describe()}`).toBe(true);
      // They arrive on the other nodes by polling, and the other nodes' edits reach the cut-off one the same way.
      // Generous bounds: this asserts arrival, not speed.
      const arrival = 10 * POLL_INTERVAL_MS + 5_000;
      expect(await waitUntil(holdAll(connected, cutTokens), arrival), `${cut}: edits of the cut-off node reach the others`).toBe(true);
      const otherTokens = connected.map((writer) => writeToken(writer));
      expect(await waitUntil(holdAll(isolated, otherTokens), arrival), `${cut}: the others reach the cut-off node`).toBe(true);

      // Once the cut ends, node 0 announces its commits on the document's stream again.
      link.restore();
      const restoredAt = Date.now();
      const announcedByNode0 = async (): Promise<number> =>
        (await announcedEntries(redis, DOC)).filter((entry) => entry.node === 'node-0' && entry.time >= restoredAt).length;
      let announced = 0;
      for (let attempt = 0; attempt < 60 && announced === 0; attempt++) {
        const afterTokens = isolated.map((writer) => writeToken(writer));
        expect(await waitUntil(holdAll(connected, afterTokens), arrival), `${cut}: edits after the cut reach the others`).toBe(true);
        announced = await announcedByNode0();
        if (announced === 0) await sleep(250);
      }
      expect(announced, `${cut}: entries node 0 announced on the stream after the cut ended`).toBeGreaterThan(0);
    }

    await checkConverged(cluster, writers, clients.owners, problems);
    expect(problems.list).toEqual([]);
    expect(cluster.crashes).toEqual([]);
    expect(cluster.errorLogs).toEqual([]);
  }, 90_000);
});
