import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import * as encoding from 'lib0/encoding';
import * as Y from 'yjs';
import {
  CLOSE_BAD_MESSAGE,
  CLOSE_FORBIDDEN,
  CLOSE_POLICY_VIOLATION,
  encodeSyncStep1,
  encodeSyncStep2,
  encodeSyncUpdate,
} from '@quire/protocol';
import { killServerProcesses, removeTempDirs } from '@quire/test-utils';
import { signToken, writeAll } from '../security/helpers/tokens.ts';
import {
  assertServedAndIntact,
  connectStock,
  destroyStockClients,
  Harness,
  listDocuments,
  openRaw,
  readText,
  textUpdate,
  waitForSynced,
  writeStored,
} from './harness.ts';

// Rows 15–22: hostile Yjs updates inside well-formed messages.

let harness: Harness;
const stored: Record<string, string> = { witness: 'stored before the attacks' };

beforeAll(async () => {
  harness = await Harness.start(['--max-clock-gaps', '3', '--message-burst', '5000']);
  await writeStored(harness.url, 'witness', stored['witness']!);
});
afterEach(() => destroyStockClients());
afterAll(async () => {
  await killServerProcesses();
  await removeTempDirs();
});

async function victim(docName: string): Promise<void> {
  stored[docName] = `original ${docName}`;
  await writeStored(harness.url, docName, stored[docName]);
}

function bytes(build: (encoder: encoding.Encoder) => void): Uint8Array {
  const encoder = encoding.createEncoder();
  build(encoder);
  return encoding.toUint8Array(encoder);
}

/** One client section holding one GC struct: `client` at `clock`, `length` clocks long. */
const gcUpdate = (client: number, clock: number, length: number): Uint8Array =>
  bytes((encoder) => {
    for (const value of [1, 1, client, clock, 0, length, 0]) encoding.writeVarUint(encoder, value);
  });

/** Sends `update` on a quire.v1 connection; expects the close code and that nothing was acknowledged. */
async function expectRefused(docName: string, update: Uint8Array, code: number): Promise<void> {
  const attacker = await openRaw(harness.url, docName, { extensions: true });
  attacker.send(encodeSyncUpdate(update));
  expect((await attacker.closed).code).toBe(code);
  expect(attacker.received.some((message) => message.type === 'saved')).toBe(false);
  expect(await readText(harness.url, docName)).toBe(stored[docName]);
}

describe('hostile updates (rows 15–22)', () => {
  it('row 15: garbage update bytes close with 1007; no ack, peers and storage unchanged', async () => {
    await victim('row-15');
    const peer = connectStock(harness.url, 'row-15');
    await waitForSynced(peer);
    let peerUpdates = 0;
    peer.doc.on('update', () => peerUpdates++);
    await expectRefused('row-15', new Uint8Array([255, 255, 255, 1, 2, 3, 4, 5]), CLOSE_BAD_MESSAGE.code);
    expect(peerUpdates).toBe(0);
    await assertServedAndIntact(harness, stored);
  });

  it('row 16: a truncated update (delete set cut) is refused before anything of it applies', async () => {
    await victim('row-16');
    const peer = connectStock(harness.url, 'row-16');
    await waitForSynced(peer);
    let peerUpdates = 0;
    peer.doc.on('update', () => peerUpdates++);
    const doc = new Y.Doc();
    doc.getText('text').insert(0, 'half applied?');
    doc.getText('text').delete(0, 5);
    const full = Y.encodeStateAsUpdate(doc);
    await expectRefused('row-16', full.subarray(0, full.length - 2), CLOSE_BAD_MESSAGE.code);
    expect(peerUpdates).toBe(0);
    await assertServedAndIntact(harness, stored);
  });

  it('row 17: updates declaring 2^40 clients, 50M structs or a 2^31-byte string close with 1007', async () => {
    await victim('row-17');
    const clients = bytes((encoder) => encoding.writeVarUint(encoder, 2 ** 40));
    const structs = bytes((encoder) => {
      for (const value of [1, 50_000_000, 7, 0]) encoding.writeVarUint(encoder, value);
      encoding.writeUint8Array(encoder, new Uint8Array(64));
    });
    const string = bytes((encoder) => {
      for (const value of [1, 1, 7, 0]) encoding.writeVarUint(encoder, value);
      encoding.writeUint8(encoder, 4); // string content, parent given by key
      encoding.writeVarUint(encoder, 1);
      encoding.writeVarString(encoder, 'text');
      encoding.writeVarUint(encoder, 2 ** 31);
      encoding.writeUint8Array(encoder, new Uint8Array(64).fill(0x61));
    });
    for (const update of [clients, structs, string]) await expectRefused('row-17', update, CLOSE_BAD_MESSAGE.code);
    await assertServedAndIntact(harness, stored);
  });

  it('row 18: a GC struct of length 2^50 for another client is refused; its owner keeps editing', async () => {
    await victim('row-18');
    const owner = connectStock(harness.url, 'row-18');
    const peer = connectStock(harness.url, 'row-18');
    await waitForSynced(owner, peer);
    await expectRefused('row-18', gcUpdate(owner.doc.clientID, 0, 2 ** 50), CLOSE_BAD_MESSAGE.code);
    owner.doc.getText('text').insert(0, 'mine: ');
    await vi.waitFor(() => expect(peer.doc.getText('text').toString()).toBe(`mine: ${stored['row-18']}`));
    stored['row-18'] = `mine: ${stored['row-18']}`;
    await vi.waitFor(async () => expect(await readText(harness.url, 'row-18')).toBe(stored['row-18']));
    await assertServedAndIntact(harness, stored);
  });

  it('row 19: structs under a client ID another live connection owns close with 1008; the victim keeps editing', async () => {
    await victim('row-19');
    const owner = connectStock(harness.url, 'row-19');
    const peer = connectStock(harness.url, 'row-19');
    await waitForSynced(owner, peer);
    owner.doc.getText('text').insert(0, 'A');
    await vi.waitFor(() => expect(peer.doc.getText('text').toString()).toBe(`A${stored['row-19']}`));
    // Clock poisoning: a GC run just past the owner's clock would swallow its next edits.
    const clock = Y.getState(owner.doc.store, owner.doc.clientID);
    // Another principal: the same user's second connection may take its own IDs over.
    const attacker = await openRaw(harness.url, 'row-19', { extensions: true, token: writeAll('mallory') });
    attacker.send(encodeSyncUpdate(gcUpdate(owner.doc.clientID, clock, 1_000)));
    expect((await attacker.closed).code).toBe(CLOSE_POLICY_VIOLATION.code);
    owner.doc.getText('text').insert(1, 'B');
    stored['row-19'] = `AB${stored['row-19']}`;
    await vi.waitFor(() => expect(peer.doc.getText('text').toString()).toBe(stored['row-19']));
    await vi.waitFor(async () => expect(await readText(harness.url, 'row-19')).toBe(stored['row-19']));
    await assertServedAndIntact(harness, stored);
  });

  it('row 20: an update with a far-future clock is not held; the server asks for a resync, then closes with 1008', async () => {
    await victim('row-20');
    const client = await openRaw(harness.url, 'row-20', { extensions: true });
    const future = (clock: number): Uint8Array =>
      bytes((encoder) => {
        for (const value of [1, 1, 424242, clock]) encoding.writeVarUint(encoder, value);
        encoding.writeUint8(encoder, 4);
        encoding.writeVarUint(encoder, 1);
        encoding.writeVarString(encoder, 'text');
        encoding.writeVarString(encoder, 'from the future');
        encoding.writeVarUint(encoder, 0);
      });
    client.send(encodeSyncUpdate(future(1_000_000)));
    // The answer is a sync step 1 carrying the server's state vector, so an honest client can fill the gap.
    const resync = await client.next('sync-step-1');
    expect(Y.decodeStateVector(resync.stateVector).has(424242)).toBe(false);
    expect(await readText(harness.url, 'row-20')).toBe(stored['row-20']);
    for (let gap = 0; gap < 3; gap++) client.send(encodeSyncUpdate(future(2_000_000 + gap)));
    expect((await client.closed).code).toBe(CLOSE_POLICY_VIOLATION.code);
    expect(client.received.some((message) => message.type === 'saved')).toBe(false);
    await assertServedAndIntact(harness, stored);
  });

  it('row 21: the same update 1,000 times changes the document once and does not grow the log', async () => {
    await victim('row-21');
    const storedBytes = async (): Promise<number> => {
      return (await listDocuments(harness)).find((document) => document.name === 'row-21')!.storedBytes;
    };
    const client = await openRaw(harness.url, 'row-21', { extensions: true });
    const update = textUpdate(' once');
    client.send(encodeSyncUpdate(update));
    await vi.waitFor(() => expect(client.received.some((m) => m.type === 'saved' && m.count === 1)).toBe(true));
    const afterFirst = await storedBytes();
    for (let index = 0; index < 999; index++) client.send(encodeSyncUpdate(update));
    await vi.waitFor(() => expect(client.received.some((m) => m.type === 'saved' && m.count === 1_000)).toBe(true));
    expect(await storedBytes()).toBe(afterFirst);
    stored['row-21'] = await readText(harness.url, 'row-21');
    expect(stored['row-21'].split(' once')).toHaveLength(2);
    client.close();
    await assertServedAndIntact(harness, stored);
  });

  it('row 22: a read-only connection syncs, but its writes are refused; a step 2 without news is acknowledged', async () => {
    // A document with a deletion, so an honest read-only step 2 carries a delete set.
    const writerDoc = new Y.Doc();
    writerDoc.getText('text').insert(0, 'xxoriginal row-22');
    const writer = await openRaw(harness.url, 'row-22', { extensions: true });
    writer.send(encodeSyncUpdate(Y.encodeStateAsUpdate(writerDoc)));
    const before = Y.encodeStateVector(writerDoc);
    writerDoc.getText('text').delete(0, 2);
    writer.send(encodeSyncUpdate(Y.encodeStateAsUpdate(writerDoc, before)));
    await vi.waitFor(() => expect(writer.received.some((m) => m.type === 'saved' && m.count === 2)).toBe(true));
    stored['row-22'] = 'original row-22';

    const readToken = signToken({ sub: 'reader', read: ['row-22'] });
    const reader = await openRaw(harness.url, 'row-22', { extensions: true, token: readToken });
    reader.send(encodeSyncStep1(Y.encodeStateVector(new Y.Doc())));
    const readerDoc = new Y.Doc();
    Y.applyUpdate(readerDoc, (await reader.next('sync-step-2')).update);
    expect(readerDoc.getText('text').toString()).toBe(stored['row-22']);
    // What a stock client answers the server's step 1 with: nothing new, its whole delete set.
    reader.send(encodeSyncStep2(Y.encodeStateAsUpdate(readerDoc, Y.encodeStateVector(readerDoc))));
    expect((await reader.next('saved')).count).toBe(1);
    // A real change is refused without closing, and never acknowledged.
    reader.send(encodeSyncUpdate(textUpdate('vandalism', readerDoc)));
    const refusal = await reader.next('error');
    expect(refusal).toEqual({ type: 'error', code: CLOSE_FORBIDDEN.code, reason: 'ERR_READ_ONLY' });
    // Deleting is writing too.
    const deletion = new Y.Doc();
    Y.applyUpdate(deletion, Y.encodeStateAsUpdate(writerDoc));
    const vector = Y.encodeStateVector(deletion);
    deletion.getText('text').delete(0, 3);
    reader.send(encodeSyncUpdate(Y.encodeStateAsUpdate(deletion, vector)));
    await reader.next('error');

    // The stock client is told with the y-websocket permission-denied message.
    const stock = connectStock(harness.url, 'row-22', readToken);
    await waitForSynced(stock);
    const denied = new Promise<string>((resolve) => {
      (stock.ws as unknown as { addEventListener(type: 'message', listener: (event: { data: ArrayBuffer }) => void): void }).addEventListener(
        'message',
        (event) => {
          const data = new Uint8Array(event.data);
          if (data[0] === 2) resolve(Buffer.from(data.subarray(3)).toString());
        },
      );
    });
    stock.doc.getText('text').insert(0, 'stock vandal ');
    expect(await denied).toBe('ERR_READ_ONLY');

    // Both still receive the writer's edits: read-only connections keep syncing.
    writerDoc.getText('text').insert(0, 'new: ');
    writer.send(encodeSyncUpdate(Y.encodeStateAsUpdate(writerDoc, Y.encodeStateVector(readerDoc))));
    // (The stock client keeps its own refused edit locally; the server never took it.)
    await vi.waitFor(() => expect(stock.doc.getText('text').toString()).toContain('new: '));
    stored['row-22'] = `new: ${stored['row-22']}`;
    await vi.waitFor(async () => expect(await readText(harness.url, 'row-22')).toBe(stored['row-22']));
    expect(reader.received.filter((m) => m.type === 'saved').every((m) => m.type === 'saved' && m.count === 1)).toBe(true);
    reader.close();
    writer.close();
    await assertServedAndIntact(harness, stored);
  });
});
