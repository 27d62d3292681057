import { afterEach, describe, expect, it, vi } from 'vitest';
import type { WebSocket } from 'ws';
import * as Y from 'yjs';
import { QUIRE_SUBPROTOCOL } from '@quire/protocol';
import { openLevelBackend } from '@quire/storage-level';
import {
  createSeededRandom,
  createTempDir,
  killServerProcesses,
  removeTempDirs,
  startServerProcess,
  startTcpProxy,
  type ServerProcess,
  type TcpProxy,
} from '@quire/test-utils';
import { connectDocPeer, destroyDocPeers, type DocPeer } from './helpers/doc-peer.ts';
import { documentDifference, sameDocument } from './helpers/same-document.ts';
import { connectStockClient, destroyStockClients, waitForSynced } from './helpers/stock-client.ts';

// When several changes reach a room in the same event-loop turn, the server
// joins them into one update, for storage (one log entry per turn) and for
// the other connections (one message per turn). A joined update must have
// the form Yjs itself writes: client sections sorted by client ID, highest
// first (`Y.mergeUpdates`, which merges the log when a document loads,
// relies on it), and each client's delete ranges sorted and merged (a
// document that keeps deletions of content it does not have yet as pending
// re-encodes them with clocks coded as differences, assuming that order).
//
// Every test here runs the real server process on a LevelDB directory, with
// writers whose changes reach the server in the same turns: the lower
// client IDs' changes first, the order Yjs never writes.

const proxies: TcpProxy[] = [];

afterEach(async () => {
  destroyDocPeers();
  destroyStockClients();
  await Promise.all(proxies.splice(0).map((proxy) => proxy.close()));
  await killServerProcesses();
  await removeTempDirs();
});

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Client IDs in ascending order: each round, the lowest sends first. */
const WRITER_IDS = [101, 202, 303, 404];

interface Writers {
  readonly peers: DocPeer[];
  /** Every map key the writers set; none is ever deleted. */
  readonly keys: Set<string>;
}

async function connectWriters(url: string, docName: string, ids: readonly number[] = WRITER_IDS): Promise<DocPeer[]> {
  return Promise.all(ids.map((clientId) => connectDocPeer(`${url}/${docName}`, { clientId, protocols: [QUIRE_SUBPROTOCOL] })));
}

const randomLetters = (random: (below: number) => number, length: number): string =>
  Array.from({ length }, () => String.fromCharCode(97 + random(26))).join('');

/**
 * One round: every writer makes `editsPerWriter` changes, each its own
 * transaction (one message): a map key of its own, and a short insert into
 * the shared text. With `deletions`, every writer also deletes a character
 * or two, the first writer near the end of the text, the next near its
 * start, and so on, so that the delete ranges of one turn are out of order;
 * half the writers delete alone (a change of deletions only), the other
 * half replace (a deletion and an insert in one change). Then every
 * writer's messages leave in the same tick, lowest client ID first.
 */
function editRound(writers: Writers, round: number, random: (below: number) => number, options: { editsPerWriter: number; deletions: boolean }): void {
  for (const [index, peer] of writers.peers.entries()) {
    const text = peer.doc.getText('text');
    if (options.deletions && text.length > 12) {
      const at = index % 2 === 0 ? text.length - 2 - random(4) : random(4);
      const length = 1 + random(2);
      if (index % 4 < 2) text.delete(at, length);
      else {
        peer.doc.transact(() => {
          text.delete(at, length);
          text.insert(at, randomLetters(random, 1));
        });
      }
    }
    for (let edit = 0; edit < options.editsPerWriter; edit += 1) {
      const key = `${peer.doc.clientID}:${round}:${edit}`;
      peer.doc.getMap('keys').set(key, round * 1000 + edit);
      writers.keys.add(key);
      text.insert(random(text.length + 1), randomLetters(random, 1 + random(3)));
    }
  }
  for (const peer of writers.peers) peer.flush();
}

/**
 * Runs `rounds` rounds of edits, `gapMs` apart, then waits until every
 * change was acknowledged as saved and the writers hold the same document.
 */
async function writeConcurrently(
  writers: Writers,
  options: { rounds: number; editsPerWriter: number; gapMs: number; deletions?: boolean; seed: number },
): Promise<void> {
  const random = createSeededRandom(options.seed);
  for (let round = 0; round < options.rounds; round += 1) {
    editRound(writers, round, random, { editsPerWriter: options.editsPerWriter, deletions: options.deletions ?? false });
    await sleep(options.gapMs);
  }
  await waitUntilSettled(writers.peers);
}

/** Waits until every peer's changes are saved and all peers hold the same document. */
async function waitUntilSettled(peers: readonly DocPeer[]): Promise<void> {
  await vi.waitFor(
    () => {
      for (const peer of peers) expect(peer.allSaved, `client ${peer.doc.clientID}: every change saved`).toBe(true);
      const [first, ...rest] = peers;
      for (const peer of rest) expect(documentDifference(first!.doc, peer.doc)).toBeUndefined();
    },
    { timeout: 10_000, interval: 20 },
  );
}

/** A reader that was never connected before: its first sync is the document as the server has it. */
async function freshReader(url: string, docName: string): Promise<Y.Doc> {
  const reader = await connectDocPeer(`${url}/${docName}`);
  return reader.doc;
}

/** Asserts that `doc` is exactly the writers' document, with every key they set. */
function expectWritersDocument(doc: Y.Doc, writers: Writers): void {
  const expected = writers.peers[0]!.doc;
  const keys = doc.getMap('keys');
  const missing = [...writers.keys].filter((key) => !keys.has(key));
  const expectedText = expected.getText('text').toString();
  const text = doc.getText('text').toString();
  expect(
    { missingKeys: missing.length, textLength: text.length },
    `${writers.keys.size - missing.length} of ${writers.keys.size} keys, ${text.length} of ${expectedText.length} characters`,
  ).toEqual({ missingKeys: 0, textLength: expectedText.length });
  expect(text).toBe(expectedText);
  expect(keys.toJSON()).toEqual(expected.getMap('keys').toJSON());
  expect(documentDifference(doc, expected)).toBeUndefined();
  expect(sameDocument(doc, expected)).toBe(true);
}

/** The document's log as stored, read while no server holds the directory. */
async function storedLog(dataDir: string, docName: string): Promise<Uint8Array[]> {
  const backend = await openLevelBackend({ path: dataDir });
  try {
    return (await backend.readLog(docName)).map((entry) => entry.update);
  } finally {
    await backend.close();
  }
}

/** The clients whose structs an update holds, in the order of its sections. */
function clientSections(update: Uint8Array): number[] {
  const sections: number[] = [];
  for (const struct of Y.decodeUpdate(update).structs) {
    if (sections.at(-1) !== struct.id.client) sections.push(struct.id.client);
  }
  return sections;
}

/** Whether some entry of a log joins several writers' changes: the scenario these tests need. */
function holdsJoinedEntries(log: readonly Uint8Array[]): boolean {
  return log.some((entry) => clientSections(entry).length > 1);
}

/** A ping on the stock client's socket and its pong: everything the server sent before it has arrived. */
function roundTripOf(client: ReturnType<typeof connectStockClient>): Promise<void> {
  const socket = client.provider.ws as unknown as WebSocket;
  return new Promise((resolve) => {
    socket.once('pong', () => resolve());
    socket.ping();
  });
}

/** What differs between two documents, deletions, text and keys included; undefined when they are the same. */
function describeDifference(doc: Y.Doc, expected: Y.Doc): string | undefined {
  if (documentDifference(doc, expected) === undefined) return undefined;
  const pending = [doc.store.pendingStructs !== null && 'structs', doc.store.pendingDs !== null && 'deletions'].filter(Boolean);
  const text = doc.getText('text').toString();
  const expectedText = expected.getText('text').toString();
  const keys = doc.getMap('keys');
  const missingKeys = [...expected.getMap('keys').keys()].filter((key) => !keys.has(key));
  return [
    `state vectors ${Buffer.from(Y.encodeStateVector(doc)).equals(Y.encodeStateVector(expected)) ? 'equal' : 'different'}`,
    `pending: ${pending.length === 0 ? 'nothing' : pending.join(' and ')}`,
    `${deletedOnlyIn(doc, expected)} deleted items that are not deleted in the other, ${deletedOnlyIn(expected, doc)} the other way round`,
    `${text.length} characters (expected ${expectedText.length}), text ${text === expectedText ? 'equal' : 'different'}`,
    `${missingKeys.length} keys missing`,
  ].join('; ');
}

/** How many deleted clock units of `doc` are not deleted in `other`. */
function deletedOnlyIn(doc: Y.Doc, other: Y.Doc): number {
  const otherDeletes = Y.snapshot(other).ds;
  let count = 0;
  for (const [client, items] of Y.snapshot(doc).ds.clients) {
    for (const item of items) {
      for (let clock = item.clock; clock < item.clock + item.len; clock += 1) {
        if (!Y.isDeleted(otherDeletes, Y.createID(client, clock))) count += 1;
      }
    }
  }
  return count;
}

async function metricValue(server: ServerProcess, line: string): Promise<number> {
  const text = await (await fetch(`${server.httpUrl}/metrics`)).text();
  const found = text.split('\n').find((candidate) => candidate.startsWith(`${line} `));
  if (found === undefined) throw new Error(`no metric ${line}`);
  return Number(found.slice(line.length + 1));
}

describe('joined updates in the form Yjs writes (server process, LevelDB)', () => {
  // Few rounds: the room appends once per turn, and a room that appended
  // fewer than 16 times is not compacted on unload or shutdown, so the next
  // load merges the log as stored with Y.mergeUpdates.
  const ROUNDS = 4;
  const EDITS_PER_WRITER = 4;

  it('reloads every change of writers who edit in the same turns after the room unloads', async () => {
    const dataDir = await createTempDir();
    const server = await startServerProcess({ dataDir, args: ['--room-idle-ms', '100'] });
    const writers: Writers = { peers: await connectWriters(server.url, 'unload'), keys: new Set() };
    await writeConcurrently(writers, { rounds: ROUNDS, editsPerWriter: EDITS_PER_WRITER, gapMs: 20, seed: 1 });
    for (const peer of writers.peers) peer.close();
    await Promise.all(writers.peers.map((peer) => peer.closed));
    await vi.waitFor(async () => expect(await metricValue(server, 'quire_open_documents')).toBe(0), { timeout: 10_000, interval: 50 });
    // The log is loaded as stored, not compacted.
    expect(await metricValue(server, 'quire_compactions_total{trigger="requested"}')).toBe(0);

    expectWritersDocument(await freshReader(server.url, 'unload'), writers);
    expect(await server.stop('SIGKILL')).toBe(null);
    expect(holdsJoinedEntries(await storedLog(dataDir, 'unload'))).toBe(true);
  });

  it('reloads every change of writers who edit in the same turns after a graceful restart', async () => {
    const dataDir = await createTempDir();
    const server = await startServerProcess({ dataDir });
    const writers: Writers = { peers: await connectWriters(server.url, 'sigterm'), keys: new Set() };
    await writeConcurrently(writers, { rounds: ROUNDS, editsPerWriter: EDITS_PER_WRITER, gapMs: 20, seed: 2 });
    expect(await server.stop('SIGTERM')).toBe(0);
    // Not compacted at shutdown: the restart merges the log as stored.
    const log = await storedLog(dataDir, 'sigterm');
    expect(log.length).toBeGreaterThan(1);
    expect(holdsJoinedEntries(log)).toBe(true);

    const restarted = await startServerProcess({ dataDir });
    expectWritersDocument(await freshReader(restarted.url, 'sigterm'), writers);
  });

  it('reloads every acknowledged change of writers who edit in the same turns after SIGKILL', async () => {
    const dataDir = await createTempDir();
    const server = await startServerProcess({ dataDir });
    const writers: Writers = { peers: await connectWriters(server.url, 'sigkill'), keys: new Set() };
    await writeConcurrently(writers, { rounds: ROUNDS, editsPerWriter: EDITS_PER_WRITER, gapMs: 20, seed: 3 });
    expect(await server.stop('SIGKILL')).toBe(null);
    const log = await storedLog(dataDir, 'sigkill');
    expect(log.length).toBeGreaterThan(1);
    expect(holdsJoinedEntries(log)).toBe(true);

    const restarted = await startServerProcess({ dataDir });
    expectWritersDocument(await freshReader(restarted.url, 'sigkill'), writers);
  });

  it('compacts at shutdown to exactly what concurrent writers, who also delete, converged on', async () => {
    const dataDir = await createTempDir();
    const server = await startServerProcess({ dataDir });
    const writers: Writers = { peers: await connectWriters(server.url, 'compacted'), keys: new Set() };
    // Enough turns for the room to compact its log when the server stops.
    await writeConcurrently(writers, { rounds: 30, editsPerWriter: 3, gapMs: 10, deletions: true, seed: 4 });
    expectWritersDocument(await freshReader(server.url, 'compacted'), writers);
    expect(await server.stop('SIGTERM')).toBe(0);
    expect((await storedLog(dataDir, 'compacted')).length).toBe(1);

    const restarted = await startServerProcess({ dataDir });
    expectWritersDocument(await freshReader(restarted.url, 'compacted'), writers);
  });

  it('keeps a reader on a slow link exact while writers type and delete, and across its reconnect', async () => {
    const dataDir = await createTempDir();
    const server = await startServerProcess({ dataDir });
    const writers: Writers = { peers: await connectWriters(server.url, 'slow-reader'), keys: new Set() };
    const random = createSeededRandom(5);
    // Text the reader gets only with its sync step 2, so deletions of it that
    // reach the reader first are kept as pending.
    const seeder = writers.peers[0]!;
    seeder.doc.getText('text').insert(0, randomLetters(random, 400));
    seeder.flush();
    await waitUntilSettled(writers.peers);

    // About 100 ms per round trip: what the server broadcasts from the moment
    // the reader's socket opens reaches it before the answer to its step 1.
    const proxy = await startTcpProxy({ targetPort: server.port, delayMs: 50 });
    proxies.push(proxy);
    let reader: ReturnType<typeof connectStockClient> | undefined;
    let roundsAfterSync = 0;
    for (let round = 0; roundsAfterSync < 10; round += 1) {
      if (round === 5) reader = connectStockClient(proxy.url, 'slow-reader');
      editRound(writers, round, random, { editsPerWriter: 1, deletions: true });
      await sleep(5);
      if (reader?.provider.synced === true) roundsAfterSync += 1;
    }
    await waitUntilSettled(writers.peers);
    const writersDocument = writers.peers[0]!.doc;
    expectWritersDocument(await freshReader(server.url, 'slow-reader'), writers);

    // Everything reached the reader once a ping sent now comes back.
    await roundTripOf(reader!);
    expect.soft(describeDifference(reader!.doc, writersDocument), 'the slow reader after the edits').toBeUndefined();

    // Its next sync step 2 carries its whole delete set back to the server.
    const before = Y.encodeStateAsUpdate(writersDocument);
    proxy.cutAll();
    await vi.waitFor(() => expect(reader!.provider.synced).toBe(false));
    await waitForSynced(reader!);
    await roundTripOf(reader!);
    const serverNow = await freshReader(server.url, 'slow-reader');
    const unchanged = new Y.Doc();
    Y.applyUpdate(unchanged, before);
    expect.soft(describeDifference(serverNow, unchanged), 'the server after the reader reconnected').toBeUndefined();
    expect.soft(describeDifference(reader!.doc, serverNow), 'the reader after it reconnected').toBeUndefined();
    expect(sameDocument(serverNow, unchanged) && sameDocument(reader!.doc, serverNow)).toBe(true);
  });
});
