import { afterEach, describe, expect, it } from 'vitest';
import { ClusterClients, startEditing, writeToken, type ClusterClient } from './cluster-clients.ts';
import { integrateLog, numberingProblems, readStoredLog } from './cluster-database.ts';
import { Cluster, clusterServicesAvailable, stopClusters } from './cluster-harness.ts';
import { Problems, checkConverged, differenceOf, readEveryNode, readSeed, seededStreams, sleep, waitUntil } from './cluster-checks.ts';
import { copyOf } from './cluster-clients.ts';

/**
 * Compaction rewrites a document's log into a checkpoint while other nodes
 * append to it. A room compacts its document as it unloads when it appended
 * enough; node 0 unloads rooms 50 ms after their last client leaves, so a
 * client that comes, writes and goes makes it compact again and again,
 * while writers on the other nodes keep appending. Nothing may be lost,
 * and a load from the checkpoint and the entries after it must equal what
 * the clients hold.
 *
 * Replay a run with QUIRE_CLUSTER_SEED=<seed>.
 */

const available = await clusterServicesAvailable();
const SEED = readSeed();
const DOC = 'team/compacted';
const ROOM_IDLE_MS = 50;
/** More than the appends after which an unloading room compacts. */
const VISIT_TOKENS = 20;
const VISITS = 6;

let clients: ClusterClients | undefined;

afterEach(async () => {
  clients?.destroy();
  clients = undefined;
  await stopClusters();
});

describe.skipIf(!available)('compaction racing appends', () => {
  it(`a node compacting a document while the others append loses nothing (seed ${SEED})`, async () => {
    const random = seededStreams('compaction race', SEED);
    const visitRandom = random(2);
    const cluster = await Cluster.start({ argsOf: (index) => (index === 0 ? ['--room-idle-ms', String(ROOM_IDLE_MS)] : []) });
    clients = new ClusterClients(cluster);
    const problems = new Problems();
    const onProblem = (text: string): void => problems.add(text);
    const writers: ClusterClient[] = [];
    for (const node of [1, 2]) {
      writers.push(await clients.addQuire(DOC, `quire-on-${node}`, { home: node, onProblem }));
      writers.push(await clients.addStock(DOC, `stock-on-${node}`, { home: node, onProblem }));
    }
    expect(await waitUntil(() => writers.every((writer) => writer.live()), 10_000)).toBe(true);
    const editing = startEditing(writers, random(1));

    // Visits to node 0: load (checkpoint and entries), many appends, leave; the room unloads and compacts.
    const visitors: ClusterClient[] = [];
    for (let visit = 0; visit < VISITS; visit++) {
      const visitor = await clients.addQuire(DOC, `visitor${visit}`, { home: 0, onProblem });
      visitors.push(visitor);
      if (!(await waitUntil(() => visitor.live(), 10_000))) problems.add(`visit ${visit}: ${visitor.describe()}`);
      // One token per turn: the server appends what arrives in one turn together.
      for (let n = VISIT_TOKENS + visitRandom(20); n > 0; n--) {
        writeToken(visitor);
        await sleep(1 + visitRandom(5));
      }
      if (!(await waitUntil(() => visitor.unsaved() === 0, 10_000))) problems.add(`visit ${visit}: not saved: ${visitor.describe()}`);
      // Kept for the final check: the visitor's document as it left.
      visitor.disconnect();
      await sleep(ROOM_IDLE_MS + visitRandom(300));
    }
    await editing.stop();
    for (const writer of writers) writeToken(writer);
    // Every visitor's tokens are in the document the writers hold, once.
    for (const visitor of visitors) visitor.connect();
    await checkConverged(cluster, [...writers, ...visitors], clients.owners, problems);

    const compactions = await cluster.node(0).metric('quire_compactions_total');

    // Node 0 unloads the document once more; a reader there loads what compaction left (checkpoint and entries).
    const final = copyOf(writers[0]!.doc);
    clients.destroy();
    await sleep(ROOM_IDLE_MS * 10);
    for (const { node, doc } of await readEveryNode(cluster, DOC, final)) {
      const difference = doc === undefined ? 'did not sync' : differenceOf(doc, final, new Map());
      if (difference !== undefined) problems.add(`a fresh reader on ${node.id} after the clients left: ${difference}`);
    }
    const log = await readStoredLog(cluster.database.url, DOC);
    if (log === undefined) problems.add('no row in the database');
    else {
      for (const problem of numberingProblems(log)) problems.add(`stored log: ${problem}`);
      const difference = differenceOf(integrateLog(log), final, new Map());
      if (difference !== undefined) problems.add(`integrating the stored log differs from what the clients hold: ${difference}`);
    }

    expect(problems.list, `seed ${SEED}, ${editing.ticks} edit ticks`).toEqual([]);
    expect(cluster.crashes).toEqual([]);
    expect(cluster.errorLogs).toEqual([]);
    // Node 0 did compact, while the others appended.
    expect(compactions).toBeGreaterThan(1);
  }, 90_000);
});
