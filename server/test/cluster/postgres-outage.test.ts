import { afterEach, describe, expect, it } from 'vitest';
import { connectStockClient } from '../helpers/stock-client.ts';
import { ClusterClients, EXPECTED_CLOSE_CODES, startEditing, writeToken, type ClusterClient } from './cluster-clients.ts';
import { missingFromStore } from './cluster-database.ts';
import { Cluster, clusterServicesAvailable, stopClusters, type ClusterNode } from './cluster-harness.ts';
import { Problems, checkConverged, describeStuck, readSeed, seededStreams, settle, sleep, tokenCounts, waitUntil } from './cluster-checks.ts';

/**
 * PostgreSQL out of every node's reach for 10 s while clients edit (5 s
 * of refused connections, then 5 s of a partition that heals). A
 * `saved` acknowledgement means stored, so none may go out meanwhile; a
 * node that cannot load a document must refuse it rather than serve it
 * empty; /readyz says the node is not ready; and once PostgreSQL is back
 * every edit made meanwhile is stored.
 *
 * Replay a run with QUIRE_CLUSTER_SEED=<seed>.
 */

const available = await clusterServicesAvailable();
const SEED = readSeed();
const HOT = 'team/hot';
const COLD = 'team/cold';
const OUTAGE_MS = 10_000;
const ROOM_IDLE_MS = 300;

let clients: ClusterClients | undefined;

afterEach(async () => {
  clients?.destroy();
  clients = undefined;
  await stopClusters();
});

/** What a fresh reader got from one node while PostgreSQL was away: each sync, full or not. */
interface OutageRead {
  readonly node: ClusterNode;
  readonly docName: string;
  syncs: number;
  /** Syncs whose document lacked tokens stored before the outage: a document served empty or in part. */
  partial: number;
  stop(): void;
}

/** A fresh stock reader of `docName` on `node` that checks every sync it gets against `stored`. */
function watchFreshReader(node: ClusterNode, docName: string, stored: readonly string[]): OutageRead {
  const reader = connectStockClient(node.url, docName);
  reader.provider.maxBackoffTime = 500;
  const read: OutageRead = { node, docName, syncs: 0, partial: 0, stop: () => reader.destroy() };
  reader.provider.on('sync', (synced: boolean) => {
    if (!synced) return;
    read.syncs += 1;
    const counts = tokenCounts(reader.doc);
    if (!stored.every((token) => counts.has(token))) read.partial += 1;
  });
  return read;
}

describe.skipIf(!available)('PostgreSQL unreachable under a cluster', () => {
  it(`for 10 s: no saved goes out, nothing is served empty, /readyz fails, and every edit is stored once it is back (seed ${SEED})`, async () => {
    const random = seededStreams('postgres outage', SEED);
    const cluster = await Cluster.start({ postgresLinks: true, args: ['--room-idle-ms', String(ROOM_IDLE_MS)] });
    clients = new ClusterClients(cluster);
    const problems = new Problems();
    const onProblem = (text: string): void => problems.add(text);
    // A node that cannot store closes with 1011, and the client comes back and resends what is unsaved.
    const allowedCloseCodes = new Set([...EXPECTED_CLOSE_CODES, 1011]);

    // A cold document: stored, then unloaded everywhere, so that a reader during the outage needs a load.
    const coldWriter = await clients.addQuire(COLD, 'cold-writer', { home: 1, onProblem, allowedCloseCodes });
    const coldTokens = Array.from({ length: 10 }, () => writeToken(coldWriter));
    expect(await waitUntil(() => coldWriter.live() && coldWriter.unsaved() === 0, 10_000), coldWriter.describe()).toBe(true);
    coldWriter.destroy();
    await sleep(ROOM_IDLE_MS * 4);

    const writers: ClusterClient[] = [];
    for (const node of cluster.nodes) {
      writers.push(await clients.addQuire(HOT, `quire-on-${node.index}`, { home: node.index, onProblem, allowedCloseCodes }));
      writers.push(await clients.addStock(HOT, `stock-on-${node.index}`, { home: node.index, onProblem, allowedCloseCodes }));
    }
    const ready = await settle(writers);
    if (ready.length > 0) throw new Error(describeStuck(ready));
    for (const node of cluster.nodes) expect(await node.readiness(), `${node.id} /readyz before the outage`).toBe(200);

    const editing = startEditing(writers, random(1));
    await sleep(1_000);
    const quireWriters = writers.filter((writer) => writer.kind === 'quire');
    const hotStored = quireWriters.flatMap((writer) => [...writer.saved]);
    // First PostgreSQL refusing connections, then a partition (requests hang until their timeouts) that heals.
    for (const node of cluster.nodes) node.postgresLink!.cut();
    let partitioned = false;
    const tokensAtCut = new Map(quireWriters.map((writer) => [writer, writer.tokens.length]));
    const outageEnd = Date.now() + OUTAGE_MS;

    // Readers arrive during the outage, on every node, for the cold and the hot document.
    await sleep(1_000);
    const reads = cluster.nodes.flatMap((node) => [watchFreshReader(node, COLD, coldTokens), watchFreshReader(node, HOT, hotStored)]);
    const notReady = new Set<string>();
    while (Date.now() < outageEnd) {
      if (!partitioned && Date.now() > outageEnd - OUTAGE_MS / 2) {
        for (const node of cluster.nodes) node.postgresLink!.silence();
        partitioned = true;
      }
      const statuses = await Promise.all(cluster.nodes.map((node) => node.readiness()));
      for (const [index, status] of statuses.entries()) if (status !== 200) notReady.add(cluster.node(index).id);
      await sleep(250);
    }
    // Nothing written after the cut may have been acknowledged: it cannot be stored.
    for (const writer of quireWriters) {
      const acknowledged = writer.tokens.slice(tokensAtCut.get(writer)).filter((token) => writer.saved.has(token));
      if (acknowledged.length > 0) problems.add(`${writer.name}: ${acknowledged.length} tokens acknowledged as saved while PostgreSQL was unreachable, e.g. ${acknowledged[0]}`);
    }
    for (const read of reads) {
      read.stop();
      if (read.partial > 0) problems.add(`${read.docName} on ${read.node.id}: served without stored content ${read.partial} times while PostgreSQL was unreachable`);
    }
    for (const node of cluster.nodes) if (!notReady.has(node.id)) problems.add(`${node.id}: /readyz never failed while PostgreSQL was unreachable`);
    const editsDuringOutage = quireWriters.reduce((sum, writer) => sum + writer.tokens.length - tokensAtCut.get(writer)!, 0);

    for (const node of cluster.nodes) node.postgresLink!.restore();
    for (const node of cluster.nodes) {
      const status = await node.waitForReadiness(200, 15_000);
      if (status !== 200) problems.add(`${node.id}: /readyz ${status} after PostgreSQL came back`);
    }
    await sleep(500);
    await editing.stop();
    for (const writer of writers) writeToken(writer);
    await checkConverged(cluster, writers, clients.owners, problems);

    // Stored, not only held by the nodes: the database holds every token, the cold document's too.
    for (const [docName, tokens] of [
      [HOT, writers.flatMap((writer) => writer.tokens)],
      [COLD, coldTokens],
    ] as const) {
      const missing = await missingFromStore(cluster.database.url, docName, tokens);
      if (missing.length > 0) problems.add(`${docName}: ${missing.length} of ${tokens.length} tokens not stored, e.g. ${missing[0]}`);
    }

    expect(problems.list, `seed ${SEED}, ${editing.ticks} edit ticks`).toEqual([]);
    // (Errors are logged meanwhile: every failed load and write.)
    expect(cluster.crashes).toEqual([]);
    // The outage came while clients edited.
    expect(editsDuringOutage).toBeGreaterThan(0);
  }, 90_000);
});
