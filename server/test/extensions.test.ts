import type { Socket } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import * as Y from 'yjs';
import { encodePing, encodeStateless, encodeSyncStep2, encodeSyncUpdate, QUIRE_SUBPROTOCOL } from '@quire/protocol';
import { createMemoryStore, type DocumentStore } from '@quire/storage';
import { closeTestServers, roomsOf, startTestServer } from './helpers/test-server.ts';
import { openRawClient, roundTrip, type RawClient } from './helpers/raw-client.ts';
import type { SyncServer } from '../src/index.ts';

afterEach(async () => {
  await closeTestServers();
});

const openRaw = (server: SyncServer, docName: string, protocols: string[] = []): Promise<RawClient> =>
  openRawClient(server.url, docName, protocols);

function textUpdate(text: string): Uint8Array {
  const doc = new Y.Doc();
  doc.getText('text').insert(0, text);
  return Y.encodeStateAsUpdate(doc);
}

describe('quire.v1 extensions on a real server', () => {
  it('negotiates quire.v1 only when asked', async () => {
    const server = await startTestServer();
    const extended = await openRaw(server, 'negotiation', [QUIRE_SUBPROTOCOL]);
    const stock = await openRaw(server, 'negotiation');
    expect(extended.socket.protocol).toBe(QUIRE_SUBPROTOCOL);
    expect(stock.socket.protocol).toBe('');
  });

  it('relays a stateless payload to the other quire.v1 connections only, and never stores it', async () => {
    const store = createMemoryStore();
    const server = await startTestServer({ store });
    const sender = await openRaw(server, 'chat', [QUIRE_SUBPROTOCOL]);
    const receiver = await openRaw(server, 'chat', [QUIRE_SUBPROTOCOL]);
    const stock = await openRaw(server, 'chat');
    const elsewhere = await openRaw(server, 'other-doc', [QUIRE_SUBPROTOCOL]);

    sender.send(encodeStateless('{"kind":"typing"}'));
    expect((await receiver.next('stateless')).payload).toBe('{"kind":"typing"}');

    // A marker that travels the same path proves the stateless message had its chance to arrive.
    sender.send(encodeSyncUpdate(textUpdate('marker')));
    await stock.next('sync-update');
    await Promise.all([roundTrip(sender), roundTrip(receiver), roundTrip(elsewhere)]);
    expect(stock.received.some((message) => message.type === 'stateless')).toBe(false);
    expect(sender.received.some((message) => message.type === 'stateless')).toBe(false);
    expect(elsewhere.received.some((message) => message.type === 'stateless')).toBe(false);

    await vi.waitFor(async () => {
      const stored = await store.load('chat');
      const replica = new Y.Doc();
      Y.applyUpdate(replica, stored!.update);
      expect(replica.getText('text').toString()).toBe('marker');
      expect(stored!.entryCount).toBe(1);
    });
  });

  it('answers a ping with a pong carrying the same id', async () => {
    const server = await startTestServer();
    const client = await openRaw(server, 'heartbeat', [QUIRE_SUBPROTOCOL]);
    client.send(encodePing(4242));
    expect((await client.next('pong')).id).toBe(4242);
  });

  it('acknowledges stored updates with saved, cumulatively, to quire.v1 connections', async () => {
    const server = await startTestServer();
    const client = await openRaw(server, 'acked', [QUIRE_SUBPROTOCOL]);
    client.send(encodeSyncUpdate(textUpdate('one')));
    client.send(encodeSyncUpdate(textUpdate('two')));
    await vi.waitFor(() => {
      const counts = client.received.flatMap((message) => (message.type === 'saved' ? [message.count] : []));
      expect(counts.at(-1)).toBe(2);
    });
  });

  it('acknowledges a step 2 that carries nothing without a Yjs transaction', async () => {
    const server = await startTestServer();
    const client = await openRaw(server, 'nothing-new', [QUIRE_SUBPROTOCOL]);
    const room = roomsOf(server).get('nothing-new')!;
    let transactions = 0;
    room.doc.on('beforeTransaction', () => transactions++);
    client.send(encodeSyncStep2(Y.encodeStateAsUpdate(new Y.Doc())));
    expect((await client.next('saved')).count).toBe(1);
    expect(transactions).toBe(0);
  });

  it('acknowledges an empty step 2 only once the update sent just before it is stored', async () => {
    const memory = createMemoryStore();
    let openGate = (): void => undefined;
    const gate = new Promise<void>((resolve) => (openGate = resolve));
    const store: DocumentStore = {
      load: (docName) => memory.load(docName),
      append: async (docName, update) => {
        await gate;
        return memory.append(docName, update);
      },
      compact: (docName) => memory.compact(docName),
      list: () => memory.list(),
      delete: (docName) => memory.delete(docName),
      checkWritable: () => memory.checkWritable(),
      close: () => memory.close(),
      useCurrentState: (source) => memory.useCurrentState(source),
      repair: (docName, options) => memory.repair(docName, options),
    };
    const server = await startTestServer({ store });
    const client = await openRaw(server, 'gated', [QUIRE_SUBPROTOCOL]);
    // Both frames in one TCP write, so the server reads them in one turn:
    // the update is still queued for the turn's end when the step 2 arrives.
    const tcp = (client.socket as unknown as { _socket: Socket })._socket;
    tcp.cork();
    client.send(encodeSyncUpdate(textUpdate('stored first')));
    client.send(encodeSyncStep2(Y.encodeStateAsUpdate(new Y.Doc())));
    tcp.uncork();
    try {
      await roundTrip(client);
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(client.received.filter((message) => message.type === 'saved')).toEqual([]);
    } finally {
      // Even when the check fails, so the server can flush and close.
      openGate();
    }
    expect((await client.next('saved')).count).toBe(2);
    const stored = await memory.load('gated');
    const replica = new Y.Doc();
    Y.applyUpdate(replica, stored!.update);
    expect(replica.getText('text').toString()).toBe('stored first');
  });

  it('never sends an extension message to a stock connection', async () => {
    const server = await startTestServer();
    const stock = await openRaw(server, 'plain');
    const extended = await openRaw(server, 'plain', [QUIRE_SUBPROTOCOL]);
    stock.send(encodeSyncUpdate(textUpdate('from stock')));
    extended.send(encodeStateless('hello'));
    extended.send(encodeSyncUpdate(textUpdate('from extended')));
    await stock.next('sync-update');
    stock.send(encodePing(1));
    await vi.waitFor(() => expect(extended.received.some((message) => message.type === 'saved')).toBe(true));
    await roundTrip(stock);
    const extensionTypes = new Set(['saved', 'stateless', 'pong', 'error']);
    expect(stock.received.filter((message) => extensionTypes.has(message.type))).toEqual([]);
  });
});
