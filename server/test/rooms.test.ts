import { afterEach, describe, expect, it, vi } from 'vitest';
import * as Y from 'yjs';
import { createMemoryStore, type DocumentStore, type StoredDocument } from '@quire/storage';
import { CLOSE_INTERNAL_ERROR, encodeSyncStep1, encodeSyncUpdate } from '@quire/protocol';
import { closeTestServers, roomsOf, startTestServer } from './helpers/test-server.ts';
import { RawClient } from './helpers/raw-client.ts';
import { connectStockClient, destroyStockClients, waitForSynced } from './helpers/stock-client.ts';

afterEach(async () => {
  destroyStockClients();
  await closeTestServers();
});

/** A store whose loads wait until the test releases them. */
function createGatedStore(inner: DocumentStore): DocumentStore & { release(): void; fail(error: Error): void } {
  let open!: () => void;
  let refuse!: (error: Error) => void;
  const gate = new Promise<void>((resolve, reject) => {
    open = resolve;
    refuse = reject;
  });
  gate.catch(() => undefined);
  return {
    ...inner,
    load: async (docName: string): Promise<StoredDocument | null> => {
      await gate;
      return inner.load(docName);
    },
    release: () => open(),
    fail: (error) => refuse(error),
  };
}

function updateSetting(key: string, value: number, base?: Y.Doc): Uint8Array {
  const doc = base ?? new Y.Doc();
  const before = Y.encodeStateVector(doc);
  doc.getMap('map').set(key, value);
  return Y.encodeStateAsUpdate(doc, before);
}

describe('rooms', () => {
  it('unloads a room after its last connection left and the idle time passed, keeping its data', async () => {
    const store = createMemoryStore();
    const server = await startTestServer({ store, roomIdleMs: 20 });
    const client = connectStockClient(server.url, 'idle');
    await waitForSynced(client);
    client.doc.getText('text').insert(0, 'kept');
    await vi.waitFor(() => expect(roomsOf(server).get('idle')?.doc.getText('text').toString()).toBe('kept'));
    client.destroy();
    await vi.waitFor(() => expect(roomsOf(server).size).toBe(0));

    const stored = await store.load('idle');
    const reloaded = new Y.Doc();
    Y.applyUpdate(reloaded, stored!.update);
    expect(reloaded.getText('text').toString()).toBe('kept');
  });

  it('keeps a room whose client comes back within the idle time', async () => {
    const server = await startTestServer({ roomIdleMs: 60_000 });
    const first = connectStockClient(server.url, 'back');
    await waitForSynced(first);
    const room = roomsOf(server).get('back');
    first.destroy();
    await vi.waitFor(() => expect(room?.connections.size).toBe(0));
    const second = connectStockClient(server.url, 'back');
    await waitForSynced(second);
    expect(roomsOf(server).get('back')).toBe(room);
  });

  it('holds messages that arrive while the document loads and applies them in order', async () => {
    const memory = createMemoryStore();
    const gated = createGatedStore(memory);
    const server = await startTestServer({ store: gated });
    const client = new RawClient(`${server.url}/slow`);
    await client.opened;
    const writer = new Y.Doc();
    for (let index = 0; index < 20; index++) {
      client.send(encodeSyncUpdate(updateSetting('counter', index, writer)));
    }
    client.send(encodeSyncStep1(new Uint8Array([0])));
    await vi.waitFor(() => expect(roomsOf(server).get('slow')?.connections.values().next().value?.pendingMessages.length).toBe(21));
    gated.release();
    await client.next('sync-step-1');
    const reply = await client.next('sync-step-2');
    const doc = new Y.Doc();
    Y.applyUpdate(doc, reply.update);
    // The last write wins only if the queued updates were applied in order.
    expect(doc.getMap('map').get('counter')).toBe(19);
    // Replayed in one turn, they were integrated, and are stored, as one update.
    await vi.waitFor(async () => {
      const stored = await memory.load('slow');
      expect(stored?.entryCount).toBe(1);
      const storedDoc = new Y.Doc();
      Y.applyUpdate(storedDoc, stored!.update);
      expect(storedDoc.getMap('map').get('counter')).toBe(19);
    });
    client.close();
  });

  it('integrates edits queued in a turn before an update that builds on them and needs Yjs to re-encode it', async () => {
    const memory = createMemoryStore();
    const gated = createGatedStore(memory);
    const server = await startTestServer({ store: gated });
    const client = new RawClient(`${server.url}/mixed-turn`);
    await client.opened;
    const writer = new Y.Doc();
    // New structs only: queued for the end of the turn.
    client.send(encodeSyncUpdate(updateSetting('counter', 1, writer)));
    client.send(encodeSyncUpdate(updateSetting('other', 1, writer)));
    // Only a deletion, of what the first update added: applied at once and
    // re-encoded by Yjs, so the queued updates must be in the document first,
    // or Yjs would hold the deletion back and it would reach no append.
    const before = Y.encodeStateVector(writer);
    writer.getMap('map').delete('counter');
    client.send(encodeSyncUpdate(Y.encodeStateAsUpdate(writer, before)));
    client.send(encodeSyncStep1(new Uint8Array([0])));
    await vi.waitFor(() => expect(roomsOf(server).get('mixed-turn')?.connections.values().next().value?.pendingMessages.length).toBe(4));
    gated.release();
    await client.next('sync-step-1');
    const reply = new Y.Doc();
    Y.applyUpdate(reply, (await client.next('sync-step-2')).update);
    expect(reply.getMap('map').toJSON()).toEqual({ other: 1 });
    await vi.waitFor(async () => {
      const stored = await memory.load('mixed-turn');
      const doc = new Y.Doc();
      Y.applyUpdate(doc, stored!.update);
      expect(doc.getMap('map').toJSON()).toEqual({ other: 1 });
    });
    client.close();
  });

  it('keeps the edits of a client that sent them and left while the document loaded', async () => {
    const memory = createMemoryStore();
    const gated = createGatedStore(memory);
    const server = await startTestServer({ store: gated, roomIdleMs: 0 });
    const client = new RawClient(`${server.url}/left-early`);
    await client.opened;
    const writer = new Y.Doc();
    for (let index = 0; index < 3; index++) client.send(encodeSyncUpdate(updateSetting('counter', index, writer)));
    await vi.waitFor(() => expect(roomsOf(server).get('left-early')?.connections.values().next().value?.pendingMessages.length).toBe(3));
    client.close();
    await client.closed;
    await vi.waitFor(() => expect(roomsOf(server).get('left-early')?.connections.size).toBe(0));
    gated.release();
    await vi.waitFor(async () => {
      const stored = await memory.load('left-early');
      expect(stored).not.toBeNull();
      const doc = new Y.Doc();
      Y.applyUpdate(doc, stored!.update);
      expect(doc.getMap('map').get('counter')).toBe(2);
    });
    // Its awareness would be a ghost; nothing of it is left in the room.
    await vi.waitFor(() => expect(roomsOf(server).size).toBe(0));
  });

  it('closes clients with 1011 and serves nothing when a document fails to load', async () => {
    const gated = createGatedStore(createMemoryStore());
    const server = await startTestServer({ store: gated });
    const client = new RawClient(`${server.url}/broken`);
    await client.opened;
    client.send(encodeSyncUpdate(updateSetting('k', 1)));
    gated.fail(new Error('disk on fire'));
    const closed = await client.closed;
    expect(closed.code).toBe(CLOSE_INTERNAL_ERROR.code);
    expect(client.received.some((message) => message.type === 'sync-step-1')).toBe(false);
    await vi.waitFor(() => expect(roomsOf(server).size).toBe(0));
  });
});
