import { afterEach, describe, expect, it, vi } from 'vitest';
import * as Y from 'yjs';
import { encodePing, encodeStateless, encodeSyncUpdate, QUIRE_SUBPROTOCOL } from '@quire/protocol';
import { createMemoryStore } from '@quire/storage';
import { closeTestServers, startTestServer } from './helpers/test-server.ts';
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
