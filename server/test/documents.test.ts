import { afterEach, describe, expect, it, vi } from 'vitest';
import * as Y from 'yjs';
import { createMemoryStore, type DocumentStore } from '@quire/storage';
import { createLevelStore } from '@quire/storage-level';
import { createTempDir, removeTempDirs } from '@quire/test-utils';
import { InvalidDocumentNameError, ServerClosedError, ServerError } from '../src/index.ts';
import { createHoldingStore } from './helpers/holding-store.ts';
import { wrapStore } from './helpers/store-wrapper.ts';
import { connectStockClient, destroyStockClients, waitForSynced } from './helpers/stock-client.ts';
import { closeTestServers, roomsOf, startTestServer } from './helpers/test-server.ts';

// server.documents: a change made on the server is a change like a client's.
// It used to be made on a room's Y.Doc directly, which applied it there and
// nowhere else: no client heard of it and storage never saw it, so the next
// load lost it. These tests fail on that behaviour.

afterEach(async () => {
  destroyStockClients();
  await closeTestServers();
  await removeTempDirs();
});

const textOf = (doc: Y.Doc): string => doc.getText('text').toString();

describe('server.documents.change', () => {
  it('reaches every connected stock client', async () => {
    const server = await startTestServer();
    const first = connectStockClient(server.url, 'notes');
    const second = connectStockClient(server.url, 'notes');
    await waitForSynced(first, second);

    await server.documents.change('notes', (doc) => doc.getText('text').insert(0, 'from the server'));

    await vi.waitFor(() => {
      expect(textOf(first.doc)).toBe('from the server');
      expect(textOf(second.doc)).toBe('from the server');
    });
  });

  it('is stored: a server restarted on the same LevelDB directory serves it, open or not when it was made', async () => {
    const dataDir = await createTempDir();
    const server = await startTestServer({ store: await createLevelStore({ path: dataDir }) });
    const editor = connectStockClient(server.url, 'open');
    await waitForSynced(editor);
    editor.doc.getText('text').insert(0, 'client. ');
    await vi.waitFor(() => expect(roomsOf(server).get('open')?.doc.getText('text').toString()).toBe('client. '));

    await server.documents.change('open', (doc) => doc.getText('text').insert(8, 'server.'));
    // Nobody has this one open: the change loads it.
    await server.documents.change('closed', (doc) => doc.getMap('meta').set('title', 'Made on the server'));
    await vi.waitFor(() => expect(textOf(editor.doc)).toBe('client. server.'));
    editor.destroy();
    await server.close();

    const restarted = await startTestServer({ store: await createLevelStore({ path: dataDir }) });
    const open = connectStockClient(restarted.url, 'open');
    const closed = connectStockClient(restarted.url, 'closed');
    await waitForSynced(open, closed);
    expect(textOf(open.doc)).toBe('client. server.');
    expect(closed.doc.getMap('meta').get('title')).toBe('Made on the server');
  });

  it('resolves only once storage has confirmed the change, which clients already have', async () => {
    const store = createHoldingStore(createMemoryStore());
    const server = await startTestServer({ store });
    const reader = connectStockClient(server.url, 'held');
    await waitForSynced(reader);

    store.hold();
    let resolved = false;
    const change = server.documents.change('held', (doc) => doc.getText('text').insert(0, 'durable'));
    void change.then(() => (resolved = true));
    await vi.waitFor(() => {
      expect(textOf(reader.doc)).toBe('durable');
      expect(store.heldAppends).toBeGreaterThan(0);
    });
    expect(resolved).toBe(false);

    store.release();
    await change;
    expect(resolved).toBe(true);
    const stored = await store.load('held');
    const check = new Y.Doc();
    Y.applyUpdate(check, stored!.update);
    expect(textOf(check)).toBe('durable');
  });
});

describe('server.documents.applyUpdate', () => {
  it('applies a Yjs update made elsewhere: clients get it and the store has it when it resolves', async () => {
    const store = createMemoryStore();
    const server = await startTestServer({ store });
    const reader = connectStockClient(server.url, 'imported');
    await waitForSynced(reader);
    const source = new Y.Doc();
    source.getText('text').insert(0, 'imported text');

    await server.documents.applyUpdate('imported', Y.encodeStateAsUpdate(source));

    const check = new Y.Doc();
    Y.applyUpdate(check, (await store.load('imported'))!.update);
    expect(textOf(check)).toBe('imported text');
    await vi.waitFor(() => expect(textOf(reader.doc)).toBe('imported text'));
  });
});

describe('server.documents refuses', () => {
  it.each(['', 'a//b', '../up', 'team/*', 'x\u0000y'])('the invalid name %j, loading nothing', async (name) => {
    const server = await startTestServer();
    const refusal = server.documents.change(name, (doc) => doc.getText('text').insert(0, 'x'));
    await expect(refusal).rejects.toBeInstanceOf(InvalidDocumentNameError);
    await expect(refusal).rejects.toBeInstanceOf(TypeError);
    await expect(refusal).rejects.toMatchObject({ code: 'ERR_INVALID_DOCUMENT_NAME' });
    await expect(server.documents.applyUpdate(name, new Uint8Array([0, 0]))).rejects.toMatchObject({
      code: 'ERR_INVALID_DOCUMENT_NAME',
    });
    expect(roomsOf(server).size).toBe(0);
  });

  it('what is not a function or not an update, with a TypeError', async () => {
    const server = await startTestServer();
    await expect(server.documents.change('doc', 'insert' as unknown as () => void)).rejects.toThrow(TypeError);
    await expect(server.documents.applyUpdate('doc', [0, 0] as unknown as Uint8Array)).rejects.toThrow(TypeError);
    expect(roomsOf(server).size).toBe(0);
  });

  it('every change once the server is closing', async () => {
    const server = await startTestServer();
    const closed = server.close();
    await expect(server.documents.change('late', () => undefined)).rejects.toBeInstanceOf(ServerClosedError);
    await closed;
    await expect(server.documents.applyUpdate('late', new Uint8Array([0, 0]))).rejects.toMatchObject({
      code: 'ERR_SERVER_CLOSED',
    });
  });

  it('a change to a document that cannot be loaded, or whose change cannot be stored', async () => {
    const inner = createMemoryStore();
    const store: DocumentStore = wrapStore(inner, {
      load: (docName) => (docName === 'unreadable' ? Promise.reject(new Error('disk on fire')) : inner.load(docName)),
      append: (docName, update) =>
        docName === 'unwritable' ? Promise.reject(new Error('disk full')) : inner.append(docName, update),
    });
    const server = await startTestServer({ store });
    const unreadable = server.documents.change('unreadable', (doc) => doc.getText('text').insert(0, 'x'));
    await expect(unreadable).rejects.toBeInstanceOf(ServerError);
    await expect(unreadable).rejects.toMatchObject({ code: 'ERR_DOCUMENT_UNAVAILABLE' });
    await expect(server.documents.change('unwritable', (doc) => doc.getText('text').insert(0, 'x'))).rejects.toThrow('disk full');
    // Other documents are served as before.
    await server.documents.change('fine', (doc) => doc.getText('text').insert(0, 'ok'));
  });
});
