import { afterEach, describe, expect, it } from 'vitest';
import { ClusterClients, startEditing, writeToken, type ClusterClient } from './cluster-clients.ts';
import { Cluster, clusterServicesAvailable, stopClusters } from './cluster-harness.ts';
import { Problems, checkConverged, checkSavedEverywhere, readSeed, savedSnapshot, seededStreams, sleep, waitUntil } from './cluster-checks.ts';

/**
 * Nodes dying and restarting under edits: a SIGKILL mid-burst, whose
 * clients fail over to the other nodes, and a rolling restart. A `saved`
 * acknowledgement must survive either, and what was not acknowledged is
 * sent again and stored once.
 *
 * Replay a run with QUIRE_CLUSTER_SEED=<seed>.
 */

const available = await clusterServicesAvailable();
const SEED = readSeed();
const DOC = 'team/failover';

let clients: ClusterClients | undefined;

afterEach(async () => {
  clients?.destroy();
  clients = undefined;
  await stopClusters();
});

describe.skipIf(!available)('nodes failing under edits', () => {
  it(`a node SIGKILLed mid-burst: its clients fail over, saved edits are on every node, the rest arrive once (seed ${SEED})`, async () => {
    const random = seededStreams('sigkill mid-burst', SEED);
    const jitter = random(2);
    const cluster = await Cluster.start();
    clients = new ClusterClients(cluster);
    const problems = new Problems();
    const onProblem = (text: string): void => problems.add(text);
    const options = (home: number) => ({ home, onProblem, random: () => jitter(1_000_000) / 1_000_000 });
    // The victim, node 0, has most of the clients: three quire (straight to the nodes, so a dead node refuses them) and a stock one behind a balancer.
    const victims: ClusterClient[] = [];
    for (let n = 0; n < 3; n++) victims.push(await clients.addQuire(DOC, `victim-quire${n}`, options(0)));
    victims.push(await clients.addStock(DOC, 'victim-stock', options(0)));
    const others = [
      await clients.addQuire(DOC, 'quire-on-1', options(1)),
      await clients.addStock(DOC, 'stock-on-2', options(2)),
    ];
    const writers = [...victims, ...others];
    expect(await waitUntil(() => writers.every((writer) => writer.live()), 10_000)).toBe(true);

    const editing = startEditing(writers, random(1));
    await sleep(1_500);
    // The burst: many tokens from the victim's clients in one turn, and the SIGKILL straight after, so some are not acknowledged.
    for (let n = 0; n < 20; n++) for (const victim of victims) writeToken(victim);
    const savedAtKill = savedSnapshot(writers);
    // What the dead node may or may not have stored: the quire clients must send it again, elsewhere.
    const pendingAtKill = new Map(victims.filter((victim) => victim.kind === 'quire').map((victim) => [victim, victim.tokens.filter((token) => !victim.saved.has(token))]));
    await cluster.stopNode(0, 'SIGKILL');

    // Failover: each client of the dead node syncs with another node and gets its pending edits acknowledged there.
    const failedOver = await waitUntil(() => victims.every((victim) => victim.live() && victim.unsaved() === 0), 15_000);
    if (!failedOver) problems.add(`the victim's clients did not fail over: ${victims.filter((v) => !v.live() || v.unsaved() > 0).map((v) => v.describe()).join('; ')}`);
    for (const [victim, pending] of pendingAtKill) {
      const unacknowledged = pending.filter((token) => !victim.saved.has(token));
      if (unacknowledged.length > 0) problems.add(`${victim.name}: ${unacknowledged.length} tokens pending at the kill never acknowledged after the failover`);
    }
    await sleep(1_000);
    await editing.stop();
    await checkSavedEverywhere(cluster, writers, problems, 'saved before the kill, with node 0 down', savedAtKill);
    await checkSavedEverywhere(cluster, writers, problems, 'saved after the failover, with node 0 down');

    await cluster.startNode(0);
    await checkConverged(cluster, writers, clients.owners, problems);

    expect(problems.list, `seed ${SEED}, ${editing.ticks} edit ticks`).toEqual([]);
    expect(cluster.crashes).toEqual([]);
    expect(cluster.errorLogs).toEqual([]);
    // The kill came mid-burst: the victim's clients had tokens in flight.
    expect([...pendingAtKill.values()].flat().length).toBeGreaterThan(0);
  }, 90_000);

  it(`a rolling restart under steady edits loses no acknowledged edit (seed ${SEED})`, async () => {
    const random = seededStreams('rolling restart', SEED);
    const jitter = random(2);
    const cluster = await Cluster.start();
    clients = new ClusterClients(cluster);
    const problems = new Problems();
    const onProblem = (text: string): void => problems.add(text);
    const writers: ClusterClient[] = [];
    for (const node of cluster.nodes) {
      const options = { home: node.index, onProblem, random: () => jitter(1_000_000) / 1_000_000 };
      writers.push(await clients.addQuire(DOC, `quire-on-${node.index}`, options));
      writers.push(await clients.addStock(DOC, `stock-on-${node.index}`, options));
    }
    expect(await waitUntil(() => writers.every((writer) => writer.live()), 10_000)).toBe(true);

    const editing = startEditing(writers, random(1));
    for (const node of cluster.nodes) {
      await sleep(500);
      // What a deploy does: a graceful stop, then the new process on the same port.
      const saved = savedSnapshot(writers);
      const code = await cluster.stopNode(node.index, 'SIGTERM');
      if (code !== 0) problems.add(`${node.id} exited with ${code} on SIGTERM`);
      await checkSavedEverywhere(cluster, writers, problems, `saved before ${node.id} stopped`, saved);
      await cluster.startNode(node.index);
    }
    await sleep(500);
    await editing.stop();
    await checkSavedEverywhere(cluster, writers, problems, 'saved by the end of the rolling restart');
    await checkConverged(cluster, writers, clients.owners, problems);

    expect(problems.list, `seed ${SEED}, ${editing.ticks} edit ticks`).toEqual([]);
    expect(cluster.crashes).toEqual([]);
    expect(cluster.errorLogs).toEqual([]);
    for (const writer of writers.filter((w) => w.kind === 'quire')) expect(writer.saved.size).toBeGreaterThan(0);
  }, 90_000);
});
