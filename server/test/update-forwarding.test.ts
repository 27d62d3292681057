import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { encodeSyncStep2, encodeSyncUpdate, QUIRE_SUBPROTOCOL } from '@quire/protocol';
import { createMemoryStore, type DocumentStore } from '@quire/storage';
import { openRawClient, roundTrip, type RawClient } from './helpers/raw-client.ts';
import { closeTestServers, startTestServer } from './helpers/test-server.ts';

// The room forwards and stores a local edit (new structs only) as it came,
// and lets Yjs re-encode every other update to exactly what changed.

afterEach(async () => {
  await closeTestServers();
});

/** A writer's document that records each local transaction as one update. */
function editor(): { doc: Y.Doc; updates: Uint8Array[] } {
  const doc = new Y.Doc();
  const updates: Uint8Array[] = [];
  doc.on('update', (update: Uint8Array) => updates.push(update));
  return { doc, updates };
}

async function setUp(docName: string): Promise<{ store: DocumentStore; writer: RawClient; reader: RawClient }> {
  const store = createMemoryStore();
  const server = await startTestServer({ store });
  const writer = await openRawClient(server.url, docName, [QUIRE_SUBPROTOCOL]);
  const reader = await openRawClient(server.url, docName);
  return { store, writer, reader };
}

async function storedText(store: DocumentStore, docName: string): Promise<string> {
  const stored = await store.load(docName);
  const doc = new Y.Doc();
  if (stored !== null) Y.applyUpdate(doc, stored.update);
  return doc.getText('text').toString();
}

describe('forwarding client updates', () => {
  it('forwards and stores an update of new structs byte for byte, delete ranges included', async () => {
    const { store, writer, reader } = await setUp('as-sent');
    const { doc, updates } = editor();
    doc.getText('text').insert(0, 'hello');
    doc.getText('text').delete(0, 1);
    const [insert, deletion] = updates;
    // One at a time: changes that arrive in the same event-loop turn are joined (update-broadcast.test.ts).
    writer.send(encodeSyncUpdate(insert!));
    expect((await reader.next('sync-update')).update).toEqual(insert);
    writer.send(encodeSyncUpdate(deletion!));
    expect((await reader.next('sync-update')).update).toEqual(deletion);

    // New structs plus a delete range the server already applied: Yjs's own
    // encoding would drop the range; the update goes on as it came.
    doc.getText('text').insert(4, '!');
    const withRepeatedDelete = Y.mergeUpdates([deletion!, updates[2]!]);
    writer.send(encodeSyncUpdate(withRepeatedDelete));
    expect((await reader.next('sync-update')).update).toEqual(withRepeatedDelete);

    let saved = 0;
    while (saved < 3) saved = (await writer.next('saved')).count;
    expect(await storedText(store, 'as-sent')).toBe('ello!');
  });

  it('forwards and stores a resuming sync step 2 of new structs as it came', async () => {
    const { store, writer, reader } = await setUp('resume-as-sent');
    const { doc, updates } = editor();
    doc.getText('text').insert(0, 'hello');
    doc.getText('text').delete(0, 1);
    for (const update of updates) {
      writer.send(encodeSyncUpdate(update));
      await reader.next('sync-update');
    }

    // Edits made offline, sent as the step 2 a stock client answers with: it
    // repeats the whole delete set, which Yjs's own encoding would drop.
    const serverState = Y.encodeStateVector(doc);
    for (let index = 0; index < 20; index += 1) doc.getText('text').insert((index * 3) % doc.getText('text').length, 'x');
    const step2 = Y.encodeStateAsUpdate(doc, serverState);
    expect(Y.decodeUpdate(step2).ds.clients.size).toBe(1);
    writer.send(encodeSyncStep2(step2));
    expect((await reader.next('sync-update')).update).toEqual(step2);

    let saved = 0;
    while (saved < 3) saved = (await writer.next('saved')).count;
    expect(await storedText(store, 'resume-as-sent')).toBe(doc.getText('text').toString());
  });

  it('forwards a large resuming step 2 as it came, and stores and acknowledges it', async () => {
    // Large enough to be sent at once, before the room integrates it, whatever the turn (room.ts, SEND_AT_ONCE_BYTES).
    const { store, writer, reader } = await setUp('large-resume');
    const { doc, updates } = editor();
    doc.getText('text').insert(0, 'start');
    writer.send(encodeSyncUpdate(updates[0]!));
    await reader.next('sync-update');
    const serverState = Y.encodeStateVector(doc);
    for (let index = 0; index < 1_500; index += 1) {
      doc.getText('text').insert((index * 7919) % (doc.getText('text').length + 1), 'abc'[index % 3]!);
    }
    const step2 = Y.encodeStateAsUpdate(doc, serverState);
    expect(step2.byteLength).toBeGreaterThan(8 * 1024);
    writer.send(encodeSyncStep2(step2));
    expect((await reader.next('sync-update')).update).toEqual(step2);
    let saved = 0;
    while (saved < 2) saved = (await writer.next('saved')).count;
    expect(await storedText(store, 'large-resume')).toBe(doc.getText('text').toString());
    expect(writer.received.some((message) => message.type === 'sync-update')).toBe(false);
  });

  it('forwards only the new part of an update that repeats structs the document holds', async () => {
    const { writer, reader } = await setUp('repeats');
    const { doc, updates } = editor();
    doc.getText('text').insert(0, 'hello');
    writer.send(encodeSyncUpdate(updates[0]!));
    await reader.next('sync-update');
    doc.getText('text').insert(5, ' world');
    writer.send(encodeSyncUpdate(Y.mergeUpdates([updates[0]!, updates[1]!])));
    const forwarded = (await reader.next('sync-update')).update;
    const clocks = Y.decodeUpdate(forwarded).structs.map((struct) => struct.id.clock);
    expect(clocks.length).toBeGreaterThan(0);
    for (const clock of clocks) expect(clock).toBeGreaterThanOrEqual(5);
    const replica = new Y.Doc();
    Y.applyUpdate(replica, updates[0]!);
    Y.applyUpdate(replica, forwarded);
    expect(replica.getText('text').toString()).toBe('hello world');
  });

  it('forwards and stores nothing for an update the document already holds, and still acknowledges it', async () => {
    const { store, writer, reader } = await setUp('duplicate');
    const { doc, updates } = editor();
    doc.getText('text').insert(0, 'once');
    writer.send(encodeSyncUpdate(updates[0]!));
    writer.send(encodeSyncUpdate(updates[0]!));
    let saved = 0;
    while (saved < 2) saved = (await writer.next('saved')).count;
    await roundTrip(reader);
    expect(reader.received.filter((message) => message.type === 'sync-update')).toHaveLength(1);
    expect((await store.load('duplicate'))?.entryCount).toBe(1);
  });
});
