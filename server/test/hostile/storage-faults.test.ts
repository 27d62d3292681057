import { afterEach, describe, expect, it, vi } from 'vitest';
import * as Y from 'yjs';
import { CLOSE_INTERNAL_ERROR, encodeSyncUpdate } from '@quire/protocol';
import { StorageError, type DocumentStore } from '@quire/storage';
import { createLevelStore } from '@quire/storage-level';
import { createTempDir, removeTempDirs } from '@quire/test-utils';
import { closeTestServers, roomsOf, startTestServer } from '../helpers/test-server.ts';
import { connectStock, destroyStockClients, openRaw, readText, textUpdate, waitForSynced } from './harness.ts';

// Rows 32 and 34: the store itself fails. A real LevelDB store is wrapped so
// that load or append fails on demand, which a child process cannot be made
// to do; the server runs in-process on a real socket.

afterEach(async () => {
  destroyStockClients();
  await closeTestServers();
  await removeTempDirs();
});

interface FaultyStore extends DocumentStore {
  failLoads: Set<string>;
  failAppends: boolean;
  appendsFor(docName: string): number;
}

function faulty(store: DocumentStore): FaultyStore {
  const appends = new Map<string, number>();
  const wrapper: FaultyStore = {
    failLoads: new Set(),
    failAppends: false,
    appendsFor: (docName) => appends.get(docName) ?? 0,
    load: async (docName) => {
      if (wrapper.failLoads.has(docName)) {
        throw new StorageError('ERR_STORAGE_READ_FAILED', 'injected read failure', { docName });
      }
      return store.load(docName);
    },
    append: async (docName, update) => {
      appends.set(docName, (appends.get(docName) ?? 0) + 1);
      if (wrapper.failAppends) throw new StorageError('ERR_STORAGE_WRITE_FAILED', 'injected write failure (EIO)', { docName });
      return store.append(docName, update);
    },
    compact: (docName) => store.compact(docName),
    list: () => store.list(),
    delete: (docName) => store.delete(docName),
    checkWritable: async () => {
      if (wrapper.failAppends) throw new StorageError('ERR_STORAGE_WRITE_FAILED', 'injected write failure (EIO)');
      return store.checkWritable();
    },
    close: () => store.close(),
    useCurrentState: (source) => store.useCurrentState(source),
    repair: (docName, options) => store.repair(docName, options),
  };
  return wrapper;
}

describe('storage faults in-process (rows 32, 34)', () => {
  it('row 32: a load that throws gives 1011, caches and stores nothing, and is retried on the next connection', async () => {
    const dataDir = await createTempDir();
    const store = faulty(await createLevelStore({ path: dataDir }));
    const server = await startTestServer({ store, roomIdleMs: 0 });
    await (async () => {
      const writer = await openRaw(server.url, 'row-32', { token: null, extensions: true });
      writer.send(encodeSyncUpdate(textUpdate('stored content')));
      await writer.next('saved');
      writer.close();
      await writer.closed;
    })();
    await vi.waitFor(() => expect(roomsOf(server).get('row-32')).toBeUndefined());

    store.failLoads.add('row-32');
    const appendsBefore = store.appendsFor('row-32');
    // A client holding other content would write it into an empty document if one were served.
    const client = connectStock(server.url, 'row-32');
    client.doc.getText('text').insert(0, 'client-side ');
    const closes: number[] = [];
    client.on('connection-close', (event: { code: number } | null) => closes.push(event?.code ?? 0));
    await vi.waitFor(() => expect(closes.length).toBeGreaterThanOrEqual(2), { timeout: 10_000 });
    expect(closes.every((code) => code === CLOSE_INTERNAL_ERROR.code)).toBe(true);
    expect(store.appendsFor('row-32')).toBe(appendsBefore);
    expect(roomsOf(server).get('row-32')).toBeUndefined();

    // Other documents are served meanwhile.
    const other = connectStock(server.url, 'row-32-neighbour');
    await waitForSynced(other);

    // Storage recovers: the client's retry loads the real document and merges into it.
    store.failLoads.clear();
    await waitForSynced(client);
    await vi.waitFor(async () => expect(await readText(server.url, 'row-32')).toMatch(/client-side /));
    expect(await readText(server.url, 'row-32')).toContain('stored content');
  });

  it('row 34: a failed write is never acknowledged; the document refuses writes (1011) until storage works, and nothing acknowledged is lost', async () => {
    const dataDir = await createTempDir();
    const store = faulty(await createLevelStore({ path: dataDir }));
    const server = await startTestServer({ store, roomIdleMs: 0 });
    const doc = new Y.Doc();
    const first = await openRaw(server.url, 'row-34', { token: null, extensions: true });
    first.send(encodeSyncUpdate(textUpdate('acknowledged ', doc)));
    expect((await first.next('saved')).count).toBe(1);

    store.failAppends = true;
    first.send(encodeSyncUpdate(textUpdate('unacknowledged ', doc)));
    expect((await first.closed).code).toBe(CLOSE_INTERNAL_ERROR.code);
    expect(first.received.some((message) => message.type === 'saved')).toBe(false);

    // While storage fails, every attempt to write ends the same way, unacknowledged.
    for (let attempt = 0; attempt < 3; attempt++) {
      const retry = await openRaw(server.url, 'row-34', { token: null, extensions: true });
      // What a reconnecting client sends: everything the server's state vector lacks.
      textUpdate(`retry ${attempt} `, doc);
      retry.send(encodeSyncUpdate(Y.encodeStateAsUpdate(doc)));
      expect((await retry.closed).code).toBe(CLOSE_INTERNAL_ERROR.code);
      expect(retry.received.some((message) => message.type === 'saved')).toBe(false);
    }

    // Storage works again: the client's full state goes back in and is acknowledged.
    store.failAppends = false;
    const healed = await openRaw(server.url, 'row-34', { token: null, extensions: true });
    healed.send(encodeSyncUpdate(Y.encodeStateAsUpdate(doc)));
    expect((await healed.next('saved')).count).toBe(1);
    healed.close();
    await server.close();

    const reopened = await createLevelStore({ path: dataDir });
    const restarted = await startTestServer({ store: reopened });
    expect(await readText(restarted.url, 'row-34')).toBe(doc.getText('text').toString());
    expect(doc.getText('text').toString()).toContain('acknowledged ');
  });
});
