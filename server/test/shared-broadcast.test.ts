import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { encodeSyncStep1, encodeSyncUpdate, QUIRE_SUBPROTOCOL } from '@quire/protocol';
import { createMemoryStore } from '@quire/storage';
import { openRawClient } from './helpers/raw-client.ts';
import { closeTestServers, startTestServer } from './helpers/test-server.ts';

// A broadcast is framed once and the same frame bytes are written to every
// receiver's socket (transport/ws-internals.ts). WebSocket frames encode
// their length in three ways (≤ 125 bytes, ≤ 65,535, larger); a wrong header
// for any of them would corrupt the stream for every reader.

afterEach(async () => {
  await closeTestServers();
});

describe('broadcasts framed once for every receiver', () => {
  it('reaches stock and quire.v1 readers byte for byte at every frame-length size, between their own replies', async () => {
    const server = await startTestServer({ store: createMemoryStore() });
    const writer = await openRawClient(server.url, 'framed', [QUIRE_SUBPROTOCOL]);
    const readers = [
      await openRawClient(server.url, 'framed'),
      await openRawClient(server.url, 'framed', [QUIRE_SUBPROTOCOL]),
    ];
    const doc = new Y.Doc();
    const updates: Uint8Array[] = [];
    doc.on('update', (update: Uint8Array) => updates.push(update));
    for (const length of [10, 500, 70_000]) doc.getText('text').insert(0, 'x'.repeat(length));
    expect(updates.map((update) => encodeSyncUpdate(update).byteLength > 125)).toEqual([false, true, true]);
    expect(encodeSyncUpdate(updates[2]!).byteLength).toBeGreaterThan(65_535);

    for (const update of updates) {
      writer.send(encodeSyncUpdate(update));
      // A reply `ws` frames itself (sync step 2) on the same sockets, between broadcasts.
      for (const reader of readers) reader.send(encodeSyncStep1(new Uint8Array([0])));
      // One at a time: changes that arrive in the same turn are joined into one message.
      for (const reader of readers) expect((await reader.next('sync-update')).update).toEqual(update);
    }
    for (const reader of readers) {
      // Each step 1 above is answered with a step 2.
      for (let index = 0; index < updates.length; index += 1) await reader.next('sync-step-2');
      expect(reader.socket.readyState).toBe(reader.socket.OPEN);
    }
    const replica = new Y.Doc();
    for (const update of updates) Y.applyUpdate(replica, update);
    expect(replica.getText('text').length).toBe(70_510);
  });
});
