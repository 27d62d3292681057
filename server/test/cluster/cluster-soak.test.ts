import { afterEach, describe, expect, it } from 'vitest';
import { ClusterClients, copyOf, randomEdit, startEditing, writeToken, type ClusterClient } from './cluster-clients.ts';
import { integrateLog, numberingProblems, readStoredLog } from './cluster-database.ts';
import { Cluster, clusterServicesAvailable, stopClusters } from './cluster-harness.ts';
import {
  Problems,
  checkConverged,
  checkSavedEverywhere,
  differenceOf,
  readEveryNode,
  readSeed,
  savedSnapshot,
  seededStreams,
  sleep,
  tokenCounts,
} from './cluster-checks.ts';

/**
 * The soak of soak.test.ts on three nodes: writers of both kinds on random
 * nodes drop their sockets at random and type straight after reconnecting,
 * while a random node is SIGKILLed every 10 s and restarted. At the end
 * every writer equals a fresh reader on each node; after every node is
 * killed and restarted, every acknowledged edit is still served.
 *
 * Replay a run with QUIRE_CLUSTER_SEED=<seed>; QUIRE_CLUSTER_SOAK_MS sets
 * the editing phase (default 30 s, at most 120 s).
 */

const available = await clusterServicesAvailable();
const SEED = readSeed();
const EDIT_MS = Math.min(120_000, Math.max(5_000, Number(process.env['QUIRE_CLUSTER_SOAK_MS'] ?? 30_000) || 30_000));
const KILL_EVERY_MS = 10_000;
const DOCUMENTS = 2;
const MAX_DROPS = 1_000;

let clients: ClusterClients | undefined;

afterEach(async () => {
  clients?.destroy();
  clients = undefined;
  await stopClusters();
});

describe.skipIf(!available)('cluster soak', () => {
  it(`writers on random nodes, socket drops and a node SIGKILLed every 10 s converge and keep every saved edit (seed ${SEED})`, async () => {
    const random = seededStreams('soak', SEED);
    const editRandom = random(1);
    const dropRandom = random(2);
    const killRandom = random(3);
    const placeRandom = random(4);
    const jitter = random(5);
    const cluster = await Cluster.start();
    clients = new ClusterClients(cluster);
    const set = clients;
    const problems = new Problems();
    let editing = true;
    const options = () => ({
      home: placeRandom(cluster.nodes.length),
      proxied: true,
      onProblem: (text: string) => problems.add(text),
      // Typing straight after a (re)connect, once the client's step 1 is out.
      onConnected: (client: ClusterClient) =>
        queueMicrotask(() => {
          if (editing) randomEdit(client, editRandom);
        }),
      random: () => jitter(1_000_000) / 1_000_000,
    });
    const docNames = Array.from({ length: DOCUMENTS }, (_, index) => `soak/doc-${index}`);
    const writers: ClusterClient[] = [];
    for (const docName of docNames) {
      for (let n = 0; n < 2; n++) writers.push(await set.addStock(docName, `${docName}-stock${n}`, options()));
      for (let n = 0; n < 2; n++) writers.push(await set.addQuire(docName, `${docName}-quire${n}`, options()));
    }
    const stats = { drops: 0, kills: 0 };
    const deadline = Date.now() + EDIT_MS;
    const running = (): boolean => Date.now() < deadline;

    const edits = startEditing(writers, editRandom);
    const dropLoop = async (): Promise<void> => {
      for (let drop = 0; drop < MAX_DROPS && running(); drop++) {
        await sleep(150 + dropRandom(500));
        writers[dropRandom(writers.length)]!.drop();
        stats.drops++;
      }
    };
    // A random node SIGKILLed every 10 s and started again; what was saved before the kill must be on every node after.
    const killLoop = async (): Promise<void> => {
      for (let kill = 0; kill < Math.ceil(EDIT_MS / KILL_EVERY_MS); kill++) {
        await sleep(Math.min(KILL_EVERY_MS, deadline - Date.now()) - 1_500);
        if (!running()) return;
        const victim = killRandom(cluster.nodes.length);
        const saved = savedSnapshot(writers);
        await cluster.stopNode(victim, 'SIGKILL');
        await sleep(300 + killRandom(700));
        await cluster.startNode(victim);
        stats.kills++;
        // The balancer spreads the stock clients again.
        for (const writer of writers) if (writer.line !== undefined && killRandom(3) === 0) cluster.moveLine(writer.line, victim);
        await checkSavedEverywhere(cluster, writers, problems, `saved before the SIGKILL of node-${victim}`, saved);
      }
    };
    try {
      await Promise.all([dropLoop(), killLoop()]);
    } finally {
      editing = false;
      await edits.stop();
    }

    // Every writer equals a fresh reader on each node, and holds every token once.
    for (const writer of writers) writeToken(writer);
    await checkConverged(cluster, writers, set.owners, problems, 30_000);
    await checkSavedEverywhere(cluster, writers, problems, 'saved by the end');
    const finals = new Map(docNames.map((docName) => [docName, copyOf(writers.find((writer) => writer.docName === docName)!.doc)]));
    const saved = savedSnapshot(writers);

    // Every node killed at once and started again: served from PostgreSQL alone.
    set.destroy();
    for (const node of cluster.nodes) await node.stop('SIGKILL');
    for (const node of cluster.nodes) await node.start();
    for (const docName of docNames) {
      const final = finals.get(docName)!;
      for (const { node, doc } of await readEveryNode(cluster, docName, final)) {
        const difference = doc === undefined ? 'did not sync' : differenceOf(doc, final, set.owners);
        if (difference !== undefined) problems.add(`${docName} on ${node.id} after every node was killed: ${difference}`);
        const counts = doc === undefined ? new Map<string, number>() : tokenCounts(doc);
        const lost = [...saved].filter(([client]) => client.docName === docName).flatMap(([, tokens]) => tokens.filter((token) => !counts.has(token)));
        if (lost.length > 0) problems.add(`${docName} on ${node.id} after every node was killed: ${lost.length} saved tokens lost, e.g. ${lost[0]}`);
      }
    }

    // A load from PostgreSQL equals integrating the stored log, checkpoint and rows, one by one.
    for (const docName of docNames) {
      const log = await readStoredLog(cluster.database.url, docName);
      if (log === undefined) {
        problems.add(`${docName}: no row in the database`);
        continue;
      }
      for (const problem of numberingProblems(log)) problems.add(`${docName}: stored log: ${problem}`);
      const difference = differenceOf(integrateLog(log), finals.get(docName)!, set.owners);
      if (difference !== undefined) problems.add(`${docName}: integrating the stored log differs from what the nodes serve: ${difference}`);
    }

    for (const crash of cluster.crashes) problems.add(crash);
    for (const line of cluster.errorLogs) problems.add(`logged: ${line}`);

    const written = writers.reduce((sum, writer) => sum + writer.tokens.length, 0);
    const acknowledged = writers.reduce((sum, writer) => sum + writer.saved.size, 0);
    expect(problems.list, `seed ${SEED}; ${edits.ticks} edit ticks, ${stats.drops} drops, ${stats.kills} kills, ${written} tokens written, ${acknowledged} acknowledged`).toEqual([]);
    // The run did what it is for.
    expect(stats.kills).toBeGreaterThan(0);
    expect(stats.drops).toBeGreaterThan(3);
    for (const docName of docNames) expect(writers.some((writer) => writer.docName === docName && writer.saved.size > 0)).toBe(true);
  }, 150_000);
});
