import { once } from 'node:events';
import { createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
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
import { connectQuireClient, destroyQuireClients, type QuireProvider } from './helpers/quire-client.ts';
import { hasPending, sameDocument } from './helpers/same-document.ts';
import { connectStockClient, destroyStockClients, type StockClient } from './helpers/stock-client.ts';

/**
 * A soak: several writers of both client kinds per document type and delete
 * at once, through TCP proxies whose links are cut at random, while slow-link
 * readers come and go and the server is stopped twice (SIGTERM, then
 * SIGKILL) and restarted on the same port and data directory. At the end
 * every client, a fresh reader and the reloaded server must hold exactly the
 * same CRDT state, and everything the server acknowledged as saved survives.
 *
 * Replay a run with QUIRE_SOAK_SEED=<seed>; QUIRE_SOAK_EDIT_MS shortens or
 * lengthens the editing phase (default 36 s, at most 120 s).
 */

const SEED = readSeed();
const EDIT_MS = Math.min(120_000, Math.max(3_000, Number(process.env['QUIRE_SOAK_EDIT_MS'] ?? 36_000) || 36_000));
const DOCUMENTS = 3;
const STOCK_WRITERS_PER_DOCUMENT = 2;
const QUIRE_WRITERS_PER_DOCUMENT = 2;
/** Each direction of a slow reader's link: about 100 ms round trip. */
const SLOW_LINK_DELAY_MS = 50;
const MAX_BACKOFF_MS = 1_000;
/** Above this many characters, writers delete instead of inserting. */
const MAX_TEXT_LENGTH = 300;
const MAX_EDIT_TICKS = 5_000;
const MAX_DROPS = 1_000;
const MAX_READER_CYCLES = 200;
/** Close codes a client sees from cuts, restarts and its own disconnects. */
const EXPECTED_CLOSE_CODES = new Set([1000, 1001, 1005, 1006]);

function readSeed(): number {
  const text = process.env['QUIRE_SOAK_SEED'];
  if (text === undefined || text === '') return Math.floor(Math.random() * 2 ** 32);
  const seed = Number(text);
  if (!Number.isSafeInteger(seed) || seed < 0) throw new Error(`QUIRE_SOAK_SEED must be a non-negative integer, got ${text}`);
  return seed;
}

const proxies: TcpProxy[] = [];
// Each stock client adds a process 'exit' listener: room for this test's two dozen.
const defaultMaxListeners = process.getMaxListeners();

afterEach(async () => {
  process.setMaxListeners(defaultMaxListeners);
  destroyQuireClients();
  destroyStockClients();
  await Promise.all(proxies.splice(0).map((proxy) => proxy.close()));
  await killServerProcesses();
  await removeTempDirs();
});

interface Participant {
  readonly name: string;
  readonly kind: 'stock' | 'quire';
  readonly role: 'writer' | 'slow reader';
  readonly docName: string;
  readonly doc: Y.Doc;
  readonly proxy: TcpProxy;
  /** Every map key this participant set, in order (none for readers). */
  readonly keys: string[];
  /** Connected, and synced on this connection. */
  live(): boolean;
  /** Local updates not acknowledged as saved (always 0 for stock clients, which get no acknowledgements). */
  unsaved(): number;
  connect(): void;
  disconnect(): void;
  describe(): string;
}

/** A participant that edits. */
type Writer = Participant;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

/** Polls `condition` until it holds or `timeoutMs` passed; returns whether it held. */
async function waitUntil(condition: () => boolean, timeoutMs: number): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (condition()) return true;
    await sleep(25);
  }
  return condition();
}

/** A port nothing listens on: the proxies' target while the server is down, so a reload can be checked untouched. */
async function closedPort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  await once(server, 'close');
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/** Total deleted length per client, from the document's own delete set. */
function deletedPerClient(doc: Y.Doc): Map<number, number> {
  const totals = new Map<number, number>();
  for (const [client, items] of Y.snapshot(doc).ds.clients) {
    totals.set(client, items.reduce((sum, item) => sum + item.len, 0));
  }
  return totals;
}

/** Every way `actual` differs from `expected`, with client IDs named; undefined when the CRDT states are equal. */
function describeDifference(actual: Y.Doc, expected: Y.Doc, owners: ReadonlyMap<number, string>): string | undefined {
  if (sameDocument(actual, expected)) return undefined;
  const name = (client: number): string => `${owners.get(client) ?? 'unknown'} (${client})`;
  const parts: string[] = [];
  if (hasPending(actual)) parts.push('holds pending content');
  if (hasPending(expected)) parts.push('the reference holds pending content');
  const svA = Y.decodeStateVector(Y.encodeStateVector(actual));
  const svE = Y.decodeStateVector(Y.encodeStateVector(expected));
  for (const client of new Set([...svA.keys(), ...svE.keys()])) {
    const a = svA.get(client) ?? 0;
    const e = svE.get(client) ?? 0;
    if (a !== e) parts.push(`clock of ${name(client)} ${a}, expected ${e}`);
  }
  const delA = deletedPerClient(actual);
  const delE = deletedPerClient(expected);
  for (const client of new Set([...delA.keys(), ...delE.keys()])) {
    const a = delA.get(client) ?? 0;
    const e = delE.get(client) ?? 0;
    if (a !== e) parts.push(`deleted of ${name(client)} ${a}, expected ${e}`);
  }
  const textA = actual.getText('text').toString();
  const textE = expected.getText('text').toString();
  if (textA !== textE) {
    let at = 0;
    while (at < textA.length && textA[at] === textE[at]) at++;
    parts.push(`text length ${textA.length}, expected ${textE.length}, first difference at ${at}`);
  }
  const keysA = actual.getMap('keys').size;
  const keysE = expected.getMap('keys').size;
  if (keysA !== keysE) parts.push(`${keysA} map keys, expected ${keysE}`);
  if (parts.length === 0) parts.push('same clocks and deletion totals, different delete ranges');
  return parts.join('; ');
}

describe('soak', () => {
  it(
    `writers of both kinds, socket drops, slow readers and two restarts converge and keep every saved change (seed ${SEED})`,
    async () => {
      // The only output of the test: the seed, to replay a failing run.
      console.log(`quire soak seed ${SEED} (replay with QUIRE_SOAK_SEED=${SEED})`);
      process.setMaxListeners(defaultMaxListeners + 40);
      const randomFor = (stream: number): ((below: number) => number) => createSeededRandom((SEED + stream * 0x9e3779b9) >>> 0);
      const editRandom = randomFor(1);
      const dropRandom = randomFor(2);
      const readerRandom = randomFor(3);
      const jitterRandom = randomFor(4);
      // Each distinct problem once, in the order first seen, with how often it came up.
      const problemCounts = new Map<string, number>();
      const problem = (text: string): void => {
        problemCounts.set(text, (problemCounts.get(text) ?? 0) + 1);
      };

      const dataDir = await createTempDir('quire-soak-');
      let server: ServerProcess = await startServerProcess({ dataDir });
      const port = server.port;
      const deadPort = await closedPort();
      const docNames = Array.from({ length: DOCUMENTS }, (_, index) => `soak/doc-${index}`);
      const acknowledged = new Map(docNames.map((name) => [name, new Set<string>()]));
      const owners = new Map<number, string>();
      const participants: Participant[] = [];
      const writersByDoc = new Map<string, Writer[]>(docNames.map((name) => [name, []]));
      const slowReaders: Participant[] = [];
      let editing = true;
      let recording = true;

      const newProxy = async (delayMs = 0): Promise<TcpProxy> => {
        const proxy = await startTcpProxy({ targetPort: port, delayMs });
        proxies.push(proxy);
        return proxy;
      };

      const checkServerLogs = (which: ServerProcess, label: string): void => {
        const errors = new Map<string, number>();
        for (const line of which.logs) if (line.level >= 50) errors.set(line.msg, (errors.get(line.msg) ?? 0) + 1);
        for (const [msg, count] of errors) problem(`server (${label}) logged error ${count}×: ${msg}`);
      };

      // --- Edits -----------------------------------------------------------
      const setKey = (writer: Writer): void => {
        const n = writer.keys.length;
        const key = `${writer.name}:${n}`;
        writer.doc.getMap('keys').set(key, n);
        writer.keys.push(key);
      };
      const randomString = (): string => {
        let text = '';
        for (let length = 1 + editRandom(4); length > 0; length--) text += String.fromCharCode(97 + editRandom(26));
        return text;
      };
      const edit = (writer: Writer, operations: number): void => {
        const text = writer.doc.getText('text');
        for (let count = 0; count < operations; count++) {
          const roll = editRandom(100);
          if (roll < 30) setKey(writer);
          else if (roll < 65 && text.length < MAX_TEXT_LENGTH) text.insert(editRandom(text.length + 1), randomString());
          else if (roll < 85 || text.length < 10) {
            if (text.length === 0) text.insert(0, randomString());
            else {
              const at = editRandom(text.length);
              text.delete(at, 1 + editRandom(Math.min(3, text.length - at)));
            }
          } else {
            // Near the end, then near the start, in two transactions straight after each other.
            text.delete(text.length - 1 - editRandom(3), 1);
            const at = editRandom(3);
            text.delete(at, 1 + editRandom(2));
          }
        }
      };
      /** Typing straight after a (re)connect, once the client's step 1 is out. */
      const onConnected = (participant: Participant): void => {
        if (participant.role !== 'writer') return;
        queueMicrotask(() => {
          if (editing) edit(participant, 1 + editRandom(3));
        });
      };

      // --- Clients ---------------------------------------------------------
      const addStock = async (docName: string, name: string, role: Participant['role'], delayMs = 0): Promise<Participant> => {
        const proxy = await newProxy(delayMs);
        const client: StockClient = connectStockClient(proxy.url, docName);
        client.provider.maxBackoffTime = MAX_BACKOFF_MS;
        const participant: Participant = {
          name,
          kind: 'stock',
          role,
          docName,
          doc: client.doc,
          proxy,
          keys: [],
          live: () => client.provider.wsconnected && client.provider.synced,
          unsaved: () => 0,
          connect: () => client.provider.connect(),
          disconnect: () => client.provider.disconnect(),
          describe: () =>
            `${name} (stock ${role}): ${client.provider.wsconnected ? 'connected' : 'not connected'}, ${
              client.provider.synced ? 'synced' : 'not synced'
            }${client.provider.shouldConnect ? '' : ', gave up'}`,
        };
        client.provider.on('status', ({ status }: { status: string }) => {
          if (status === 'connected') onConnected(participant);
        });
        client.provider.on('connection-close', (event: { code: number; reason: string } | null) => {
          if (recording && event !== null && !EXPECTED_CLOSE_CODES.has(event.code)) {
            problem(`${name} (stock ${role}) closed with ${event.code} ${event.reason}`);
          }
        });
        owners.set(client.doc.clientID, name);
        participants.push(participant);
        return participant;
      };
      const addQuire = async (docName: string, name: string, role: Participant['role'], delayMs = 0): Promise<Participant> => {
        const proxy = await newProxy(delayMs);
        const provider: QuireProvider = connectQuireClient(proxy.url, docName, {
          minBackoffMs: 50,
          maxBackoffMs: MAX_BACKOFF_MS,
          random: () => jitterRandom(1_000_000) / 1_000_000,
        });
        const keys: string[] = [];
        let acknowledgedUpTo = 0;
        const participant: Participant = {
          name,
          kind: 'quire',
          role,
          docName,
          doc: provider.doc,
          proxy,
          keys,
          live: () => provider.status === 'connected' && provider.synced,
          unsaved: () => provider.unsavedChanges,
          connect: () => provider.connect(),
          disconnect: () => provider.disconnect(),
          describe: () => `${name} (quire ${role}): ${provider.status}, ${provider.synced ? 'synced' : 'not synced'}, ${provider.unsavedChanges} unsaved`,
        };
        provider.on('status', ({ status }) => {
          if (status === 'connected') onConnected(participant);
        });
        // Saved: every key this writer set before this moment is acknowledged.
        provider.on('unsaved-changes', (count) => {
          if (count !== 0) return;
          const set = acknowledged.get(docName)!;
          for (; acknowledgedUpTo < keys.length; acknowledgedUpTo++) set.add(keys[acknowledgedUpTo]!);
        });
        provider.on('connection-close', (event) => {
          if (!recording || event.cause === 'disconnect') return;
          const why = `${event.cause} ${event.serverError?.code ?? event.code} ${event.serverError?.reason ?? event.reason}`;
          if (event.reconnectDelayMs === null) problem(`${name} (quire ${role}) gave up: ${why}`);
          else if (!EXPECTED_CLOSE_CODES.has(event.serverError?.code ?? event.code)) problem(`${name} (quire ${role}) closed: ${why}`);
        });
        owners.set(provider.doc.clientID, name);
        participants.push(participant);
        return participant;
      };

      for (const [index, docName] of docNames.entries()) {
        const writers = writersByDoc.get(docName)!;
        for (let n = 0; n < STOCK_WRITERS_PER_DOCUMENT; n++) writers.push(await addStock(docName, `d${index}-stock${n}`, 'writer'));
        for (let n = 0; n < QUIRE_WRITERS_PER_DOCUMENT; n++) writers.push(await addQuire(docName, `d${index}-quire${n}`, 'writer'));
      }
      const allWriters = [...writersByDoc.values()].flat();
      const quireWriters = allWriters.filter((writer) => writer.kind === 'quire');
      if (!(await waitUntil(() => participants.every((participant) => participant.live()), 10_000))) {
        throw new Error(`clients did not connect: ${participants.filter((p) => !p.live()).map((p) => p.describe()).join('; ')}`);
      }

      const addSlowReaders = async (round: number): Promise<void> => {
        for (const [index, docName] of docNames.entries()) {
          // Alternate the kinds: stock and quire readers on every document over the rounds.
          const add = (index + round) % 2 === 0 ? addStock : addQuire;
          slowReaders.push(await add(docName, `d${index}-slow${round}`, 'slow reader', SLOW_LINK_DELAY_MS));
        }
      };

      // --- Phases, run concurrently until the deadline ---------------------
      const start = Date.now();
      const editDeadline = start + EDIT_MS;
      let aborted = false;
      const running = (): boolean => !aborted && Date.now() < editDeadline;
      const at = (fraction: number): number => start + EDIT_MS * fraction;
      const stats = { ticks: 0, drops: 0, readerCycles: 0 };

      // Several writers of each document edit in the same event-loop turn.
      const editLoop = async (): Promise<void> => {
        for (let tick = 0; tick < MAX_EDIT_TICKS && running(); tick++) {
          for (const writers of writersByDoc.values()) {
            for (const writer of writers) if (editRandom(100) < 60) edit(writer, 1 + editRandom(3));
          }
          stats.ticks++;
          await sleep(20 + editRandom(40));
        }
      };

      // Clean resets (both sides closed at once) of one client, or of every writer of a document.
      const dropLoop = async (): Promise<void> => {
        for (let drop = 0; drop < MAX_DROPS && running(); drop++) {
          await sleep(150 + dropRandom(500));
          if (!running()) break;
          const roll = dropRandom(100);
          if (roll < 65) allWriters[dropRandom(allWriters.length)]!.proxy.cutAll();
          else if (roll < 80) for (const writer of writersByDoc.get(docNames[dropRandom(DOCUMENTS)]!)!) writer.proxy.cutAll();
          else if (slowReaders.length > 0) slowReaders[dropRandom(slowReaders.length)]!.proxy.cutAll();
          stats.drops++;
        }
      };

      // Slow readers leave for a while (missing edits) and come back over their slow link.
      const readerLoop = async (): Promise<void> => {
        for (let cycle = 0; cycle < MAX_READER_CYCLES && running(); cycle++) {
          await sleep(800 + readerRandom(1_500));
          if (!running() || slowReaders.length === 0) continue;
          const reader = slowReaders[readerRandom(slowReaders.length)]!;
          reader.disconnect();
          await sleep(200 + readerRandom(1_200));
          reader.connect();
          stats.readerCycles++;
        }
      };

      /**
       * Stops the server with `signal` while nobody can reconnect, restarts
       * it on the same port and data directory, and checks that a fresh
       * reader gets every key acknowledged before the stop, before the
       * clients come back.
       */
      const restart = async (signal: 'SIGTERM' | 'SIGKILL'): Promise<void> => {
        for (const proxy of proxies) proxy.setTarget(deadPort);
        const code = await server.stop(signal);
        if (signal === 'SIGTERM' && code !== 0) problem(`graceful stop exited with ${code}`);
        checkServerLogs(server, `before ${signal}`);
        const savedBeforeStop = new Map([...acknowledged].map(([name, keys]) => [name, [...keys]]));
        server = await startServerProcess({ dataDir, port });
        for (const docName of docNames) {
          const reader = connectStockClient(server.url, docName);
          if (!(await waitUntil(() => reader.provider.synced, 10_000))) problem(`${docName}: no sync after the ${signal} restart`);
          if (hasPending(reader.doc)) problem(`${docName}: reloaded after ${signal} with pending content`);
          const keys = reader.doc.getMap('keys');
          const missing = savedBeforeStop.get(docName)!.filter((key) => !keys.has(key));
          if (missing.length > 0) {
            problem(
              `${docName}: ${missing.length} of ${savedBeforeStop.get(docName)!.length} acknowledged keys missing after ${signal} restart, e.g. ${missing.slice(0, 5).join(', ')}`,
            );
          }
          reader.destroy();
        }
        for (const proxy of proxies) proxy.setTarget(port);
      };

      const scheduleLoop = async (): Promise<void> => {
        await sleep(at(0.03) - Date.now());
        if (!running()) return;
        await addSlowReaders(0);
        await sleep(at(0.3) - Date.now());
        if (!running()) return;
        await restart('SIGTERM');
        await sleep(at(0.5) - Date.now());
        if (!running()) return;
        // Late joiners: a full first sync over a slow link while edits stream in.
        await addSlowReaders(1);
        await sleep(at(0.7) - Date.now());
        if (!running()) return;
        await restart('SIGKILL');
      };

      const guard = async (loop: () => Promise<void>): Promise<void> => {
        try {
          await loop();
        } catch (error) {
          aborted = true;
          throw error;
        }
      };
      try {
        await Promise.all([guard(editLoop), guard(dropLoop), guard(readerLoop), guard(scheduleLoop)]);
      } finally {
        editing = false;
      }

      // --- Settle ----------------------------------------------------------
      for (const proxy of proxies) proxy.setTarget(port);
      for (const reader of slowReaders) reader.connect();
      const settled = await waitUntil(
        () => participants.every((participant) => participant.live() && participant.unsaved() === 0),
        20_000,
      );
      if (!settled) {
        const stuck = participants.filter((participant) => !participant.live() || participant.unsaved() !== 0);
        problem(`not settled after the edits: ${stuck.map((participant) => participant.describe()).join('; ')}`);
      }

      const freshReaders = new Map<string, StockClient>();
      for (const docName of docNames) {
        const fresh = connectStockClient(server.url, docName);
        owners.set(fresh.doc.clientID, `fresh reader of ${docName}`);
        freshReaders.set(docName, fresh);
      }
      if (!(await waitUntil(() => [...freshReaders.values()].every((fresh) => fresh.provider.synced), 10_000))) {
        problem('a fresh reader did not sync');
      }
      const membersOf = (docName: string): Participant[] => participants.filter((participant) => participant.docName === docName);
      await waitUntil(
        () => docNames.every((docName) => membersOf(docName).every((member) => sameDocument(member.doc, freshReaders.get(docName)!.doc))),
        10_000,
      );

      // --- Compare ---------------------------------------------------------
      for (const docName of docNames) {
        const fresh = freshReaders.get(docName)!.doc;
        if (hasPending(fresh)) problem(`${docName}: the fresh reader holds pending content`);
        const freshText = fresh.getText('text').toString();
        const keys = fresh.getMap('keys');
        for (const member of membersOf(docName)) {
          const difference = describeDifference(member.doc, fresh, owners);
          if (difference !== undefined) problem(`${docName}: ${member.name} (${member.kind} ${member.role}) differs from a fresh reader: ${difference}`);
          else if (member.doc.getText('text').toString() !== freshText) problem(`${docName}: ${member.name} text differs`);
        }
        const missingAcknowledged = [...acknowledged.get(docName)!].filter((key) => !keys.has(key));
        if (missingAcknowledged.length > 0) {
          problem(`${docName}: ${missingAcknowledged.length} acknowledged keys missing from a fresh reader, e.g. ${missingAcknowledged.slice(0, 5).join(', ')}`);
        }
        for (const writer of writersByDoc.get(docName)!) {
          const missing = writer.keys.filter((key) => !keys.has(key));
          if (missing.length > 0) problem(`${docName}: ${missing.length} of ${writer.name}'s ${writer.keys.length} keys missing from a fresh reader`);
        }
      }

      // --- Durable: one more saved change per document orders every earlier append before it ---
      for (const docName of docNames) setKey(writersByDoc.get(docName)!.find((writer) => writer.kind === 'quire')!);
      const barrierSaved = await waitUntil(
        () =>
          quireWriters.every((writer) => writer.unsaved() === 0) &&
          docNames.every((docName) => sameDocument(freshReaders.get(docName)!.doc, writersByDoc.get(docName)!.find((w) => w.kind === 'quire')!.doc)),
        10_000,
      );
      if (!barrierSaved) problem('the last saved change did not arrive everywhere');
      const finalStates = new Map<string, Y.Doc>();
      for (const [docName, fresh] of freshReaders) {
        const final = new Y.Doc();
        Y.applyUpdate(final, Y.encodeStateAsUpdate(fresh.doc));
        finalStates.set(docName, final);
      }
      recording = false;
      destroyQuireClients();
      destroyStockClients();
      checkServerLogs(server, 'before the final SIGKILL');
      await server.stop('SIGKILL');
      server = await startServerProcess({ dataDir, port });
      for (const docName of docNames) {
        const reader = connectStockClient(server.url, docName);
        if (!(await waitUntil(() => reader.provider.synced, 10_000))) problem(`${docName}: no sync after the final restart`);
        const difference = describeDifference(reader.doc, finalStates.get(docName)!, owners);
        if (difference !== undefined) problem(`${docName}: reloaded after the final SIGKILL, differs from the final state: ${difference}`);
        const keys = reader.doc.getMap('keys');
        const missing = [...acknowledged.get(docName)!].filter((key) => !keys.has(key));
        if (missing.length > 0) problem(`${docName}: ${missing.length} acknowledged keys missing after the final SIGKILL, e.g. ${missing.slice(0, 5).join(', ')}`);
      }
      checkServerLogs(server, 'after the final restart');

      const keysWritten = allWriters.reduce((sum, writer) => sum + writer.keys.length, 0);
      const keysAcknowledged = [...acknowledged.values()].reduce((sum, keys) => sum + keys.size, 0);
      const problems = [...problemCounts].map(([text, count]) => (count === 1 ? text : `${text} (${count}×)`));
      expect(problems, `seed ${SEED}; ${stats.ticks} edit ticks, ${stats.drops} drops, ${stats.readerCycles} reader cycles, ${keysWritten} keys written, ${keysAcknowledged} acknowledged`).toEqual([]);
      // The run did what it is for: edits, drops, reader cycles and saved keys on every document.
      expect(stats.ticks).toBeGreaterThan(10);
      expect(stats.drops).toBeGreaterThan(3);
      for (const docName of docNames) expect(acknowledged.get(docName)!.size).toBeGreaterThan(0);
    },
    120_000,
  );
});
