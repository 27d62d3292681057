import * as Y from 'yjs';
import { createSeededRandom } from '@quire/test-utils';
import { connectStockClient } from '../helpers/stock-client.ts';
import { documentDifference, hasPending, sameDocument } from '../helpers/same-document.ts';
import type { ClusterClient } from './cluster-clients.ts';
import { copyOf } from './cluster-clients.ts';
import type { Cluster, ClusterNode } from './cluster-harness.ts';

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

/** Polls `condition` until it holds or `timeoutMs` passed; returns whether it held. */
export async function waitUntil(condition: () => boolean, timeoutMs: number): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (condition()) return true;
    await sleep(25);
  }
  return condition();
}

/** The seed of a randomized test: QUIRE_CLUSTER_SEED replays a run, otherwise a new one. */
export function readSeed(): number {
  const text = process.env['QUIRE_CLUSTER_SEED'];
  if (text === undefined || text === '') return Math.floor(Math.random() * 2 ** 32);
  const seed = Number(text);
  if (!Number.isSafeInteger(seed) || seed < 0) throw new Error(`QUIRE_CLUSTER_SEED must be a non-negative integer, got ${text}`);
  return seed;
}

/** Prints the seed (the only output of a randomized test) and returns independent random streams of it. */
export function seededStreams(test: string, seed: number): (stream: number) => (below: number) => number {
  console.log(`quire cluster ${test}: seed ${seed} (replay with QUIRE_CLUSTER_SEED=${seed})`);
  return (stream) => createSeededRandom((seed + stream * 0x9e3779b9) >>> 0);
}

/** Distinct problems in the order first seen, with how often each came up: one assertion at the end names them all. */
export class Problems {
  private readonly counts = new Map<string, number>();

  add(text: string): void {
    this.counts.set(text, (this.counts.get(text) ?? 0) + 1);
  }

  get list(): string[] {
    return [...this.counts].map(([text, count]) => (count === 1 ? text : `${text} (${count}×)`));
  }
}

/** How often each token occurs in the document's `log` array. */
export function tokenCounts(doc: Y.Doc): Map<string, number> {
  const counts = new Map<string, number>();
  for (const token of doc.getArray<string>('log').toArray()) counts.set(token, (counts.get(token) ?? 0) + 1);
  return counts;
}

/**
 * What a document lacks or holds twice of the clients' tokens: every token
 * written must be there exactly once (`written`), or at least every token
 * acknowledged as saved (`saved`: for a state where unacknowledged ones may
 * still be on their way).
 */
export function tokenProblems(doc: Y.Doc, clients: readonly ClusterClient[], which: 'written' | 'saved'): string[] {
  const counts = tokenCounts(doc);
  const problems: string[] = [];
  for (const client of clients) {
    const expected = which === 'written' ? client.tokens : [...client.saved];
    const missing = expected.filter((token) => !counts.has(token));
    if (missing.length > 0) {
      problems.push(`${missing.length} of ${client.name}'s ${expected.length} ${which} tokens missing, e.g. ${missing.slice(0, 3).join(', ')}`);
    }
  }
  const twice = [...counts].filter(([, count]) => count > 1).map(([token, count]) => `${token} ×${count}`);
  if (twice.length > 0) problems.push(`${twice.length} tokens more than once, e.g. ${twice.slice(0, 3).join(', ')}`);
  return problems;
}

/** Why `actual` differs from `expected`, clients named; undefined when they hold the same CRDT state. */
export function differenceOf(actual: Y.Doc, expected: Y.Doc, owners: ReadonlyMap<number, string>): string | undefined {
  const difference = documentDifference(actual, expected);
  if (difference === undefined) return undefined;
  return difference.replace(/client (\d+)/, (whole, id: string) => `${owners.get(Number(id)) ?? 'client'} (${id})`);
}

/** What one node serves a fresh reader. */
export interface NodeView {
  readonly node: ClusterNode;
  /** The reader's document (a copy, the reader is gone), or undefined when it never synced. */
  readonly doc: Y.Doc | undefined;
}

/**
 * Connects a fresh stock reader to every running node (straight to its
 * port) and waits, up to `timeoutMs`, until each synced and holds what
 * `expected` asks (the same state as a document, or a condition): a node
 * still catching up gets the time to. Returns what each reader held then.
 */
export async function readEveryNode(
  cluster: Cluster,
  docName: string,
  expected: Y.Doc | ((doc: Y.Doc) => boolean) | undefined,
  timeoutMs = 10_000,
): Promise<NodeView[]> {
  const holds = (doc: Y.Doc): boolean =>
    expected === undefined ? true : expected instanceof Y.Doc ? sameDocument(doc, expected) : expected(doc);
  const readers = cluster.running.map((node) => ({ node, reader: connectStockClient(node.url, docName) }));
  try {
    await waitUntil(() => readers.every(({ reader }) => reader.provider.synced && holds(reader.doc)), timeoutMs);
    return readers.map(({ node, reader }) => ({ node, doc: reader.provider.synced ? copyOf(reader.doc) : undefined }));
  } finally {
    for (const { reader } of readers) reader.destroy();
  }
}

/**
 * Every token the clients had acknowledged as saved must be on every
 * running node: fresh readers wait for them, then report what is missing.
 */
export async function checkSavedEverywhere(
  cluster: Cluster,
  clients: readonly ClusterClient[],
  problems: Problems,
  label: string,
  saved: ReadonlyMap<ClusterClient, readonly string[]> = savedSnapshot(clients),
): Promise<void> {
  for (const docName of new Set(clients.map((client) => client.docName))) {
    const expected = [...saved].filter(([client]) => client.docName === docName).flatMap(([, tokens]) => tokens);
    const views = await readEveryNode(cluster, docName, (doc) => {
      const counts = tokenCounts(doc);
      return expected.every((token) => counts.has(token));
    });
    for (const { node, doc } of views) {
      if (doc === undefined) {
        problems.add(`${label}: ${docName}: a fresh reader on ${node.id} did not sync`);
        continue;
      }
      const counts = tokenCounts(doc);
      const missing = expected.filter((token) => !counts.has(token));
      if (missing.length > 0) {
        problems.add(`${label}: ${docName}: ${missing.length} of ${expected.length} saved tokens missing on ${node.id}, e.g. ${missing.slice(0, 3).join(', ')}`);
      }
    }
  }
}

/** The tokens each client has had acknowledged so far. */
export function savedSnapshot(clients: readonly ClusterClient[]): Map<ClusterClient, string[]> {
  return new Map(clients.map((client) => [client, [...client.saved]]));
}

/** Every problem of what the nodes serve: a node that did not sync, pending content, a difference from `expected`. */
export function viewProblems(views: readonly NodeView[], expected: Y.Doc, owners: ReadonlyMap<number, string>, label: string): string[] {
  const problems: string[] = [];
  for (const { node, doc } of views) {
    if (doc === undefined) problems.push(`${label}: a fresh reader on ${node.id} did not sync`);
    else if (hasPending(doc)) problems.push(`${label}: a fresh reader on ${node.id} holds pending content`);
    else {
      const difference = differenceOf(doc, expected, owners);
      if (difference !== undefined) problems.push(`${label}: a fresh reader on ${node.id} differs from the writers: ${difference}`);
    }
  }
  return problems;
}

/**
 * Waits until every client is connected and synced, has nothing unsaved,
 * and holds the same state as the others of its document. Returns the
 * clients that are not there yet (empty when all are).
 */
export async function settle(clients: readonly ClusterClient[], timeoutMs = 15_000): Promise<ClusterClient[]> {
  const stuck = (): ClusterClient[] => {
    const firstOf = new Map<string, ClusterClient>();
    for (const client of clients) if (!firstOf.has(client.docName)) firstOf.set(client.docName, client);
    return clients.filter(
      (client) => !client.live() || client.unsaved() !== 0 || !sameDocument(client.doc, firstOf.get(client.docName)!.doc),
    );
  };
  await waitUntil(() => stuck().length === 0, timeoutMs);
  return stuck();
}

/** What `settle` left: one line naming each client that is not there. */
export function describeStuck(stuck: readonly ClusterClient[]): string {
  return `not settled: ${stuck.map((client) => client.describe()).join('; ')}`;
}

/**
 * The full check after a run: the clients of each document settled and
 * equal, every node serves a fresh reader exactly that state, and it holds
 * every token written, once.
 */
export async function checkConverged(
  cluster: Cluster,
  clients: readonly ClusterClient[],
  owners: ReadonlyMap<number, string>,
  problems: Problems,
  settleMs = 15_000,
): Promise<void> {
  const stuck = await settle(clients, settleMs);
  if (stuck.length > 0) problems.add(describeStuck(stuck));
  for (const docName of new Set(clients.map((client) => client.docName))) {
    const members = clients.filter((client) => client.docName === docName);
    const reference = members[0]!.doc;
    for (const member of members.slice(1)) {
      const difference = differenceOf(member.doc, reference, owners);
      if (difference !== undefined) problems.add(`${docName}: ${member.name} differs from ${members[0]!.name}: ${difference}`);
    }
    for (const problem of tokenProblems(reference, members, 'written')) problems.add(`${docName}: ${problem}`);
    const views = await readEveryNode(cluster, docName, reference);
    for (const problem of viewProblems(views, reference, owners, docName)) problems.add(problem);
  }
}
