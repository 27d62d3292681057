import { afterEach, describe, expect, it } from 'vitest';
import { ClusterClients, startEditing, writeToken, type ClusterClient } from './cluster-clients.ts';
import { Cluster, clusterServicesAvailable, stopClusters } from './cluster-harness.ts';
import { Problems, checkConverged, readSeed, seededStreams, sleep, waitUntil } from './cluster-checks.ts';

/**
 * Three nodes on one PostgreSQL database and one Redis: clients of both
 * kinds, spread over the nodes, edit one document at once and end with the
 * same state, which every node serves to a newcomer.
 *
 * Replay a run with QUIRE_CLUSTER_SEED=<seed>.
 */

const available = await clusterServicesAvailable();
const SEED = readSeed();

let clients: ClusterClients | undefined;

afterEach(async () => {
  clients?.destroy();
  clients = undefined;
  await stopClusters();
});

/** Two stock and two quire writers of `docName`, spread over the nodes round robin. */
async function addWriters(set: ClusterClients, docName: string, nodes: number, onProblem: (text: string) => void): Promise<ClusterClient[]> {
  const writers: ClusterClient[] = [];
  for (let index = 0; index < 4; index++) {
    const add = index % 2 === 0 ? set.addStock.bind(set) : set.addQuire.bind(set);
    writers.push(await add(docName, `w${index}`, { home: index % nodes, onProblem }));
  }
  return writers;
}

describe.skipIf(!available)('a cluster co-editing', () => {
  it(`clients spread over three nodes converge, and a late joiner on any node gets everything (seed ${SEED})`, async () => {
    const random = seededStreams('co-editing', SEED);
    const cluster = await Cluster.start();
    clients = new ClusterClients(cluster);
    const problems = new Problems();
    const writers = await addWriters(clients, 'team/co-edited', cluster.nodes.length, (text) => problems.add(text));
    expect(await waitUntil(() => writers.every((writer) => writer.live()), 10_000)).toBe(true);

    const editing = startEditing(writers, random(1));
    await sleep(2_000);
    await editing.stop();
    for (const writer of writers) writeToken(writer);
    await checkConverged(cluster, writers, clients.owners, problems);

    // Late joiners of both kinds on each node, after the edits: a full first sync from that node.
    const late: ClusterClient[] = [];
    for (const node of cluster.nodes) {
      late.push(await clients.addStock('team/co-edited', `late-stock-${node.id}`, { home: node.index }));
      late.push(await clients.addQuire('team/co-edited', `late-quire-${node.id}`, { home: node.index }));
    }
    await checkConverged(cluster, [...writers, ...late], clients.owners, problems);

    expect(problems.list, `seed ${SEED}, ${editing.ticks} edit ticks`).toEqual([]);
    expect(cluster.crashes).toEqual([]);
    expect(cluster.errorLogs).toEqual([]);
    // The run did what it is for: every writer wrote and had something acknowledged.
    expect(editing.ticks).toBeGreaterThan(20);
    for (const writer of writers.filter((w) => w.kind === 'quire')) expect(writer.saved.size).toBeGreaterThan(0);
  }, 60_000);
});
