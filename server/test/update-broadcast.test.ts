import { afterEach, describe, expect, it, vi } from 'vitest';
import * as Y from 'yjs';
import { encodeSyncUpdate, QUIRE_SUBPROTOCOL, type Message } from '@quire/protocol';
import { createMemoryStore } from '@quire/storage';
import { openRawClient, type RawClient } from './helpers/raw-client.ts';
import { closeTestServers, startTestServer } from './helpers/test-server.ts';

// Changes that reach a room in the same event-loop turn go to each other
// connection as one update; nobody gets their own changes back.

afterEach(async () => {
  await closeTestServers();
});

function receivedUpdates(client: RawClient): Uint8Array[] {
  return client.received
    .filter((message): message is Extract<Message, { type: 'sync-update' }> => message.type === 'sync-update')
    .map((message) => message.update);
}

function replicaOf(updates: readonly Uint8Array[]): Y.Doc {
  const doc = new Y.Doc();
  for (const update of updates) Y.applyUpdate(doc, update);
  return doc;
}

/** A writer's 50 one-letter edits, each its own update, sent in one go. */
function burst(client: RawClient, doc: Y.Doc, letter: string): void {
  const updates: Uint8Array[] = [];
  const record = (update: Uint8Array): void => void updates.push(update);
  doc.on('update', record);
  for (let index = 0; index < 50; index++) doc.getText('text').insert(doc.getText('text').length, letter);
  doc.off('update', record);
  for (const update of updates) client.send(encodeSyncUpdate(update));
}

describe('joining the changes of one turn', () => {
  it('sends a burst of edits to a reader in fewer messages, as the same document', async () => {
    const server = await startTestServer({ store: createMemoryStore() });
    const writer = await openRawClient(server.url, 'burst', [QUIRE_SUBPROTOCOL]);
    const reader = await openRawClient(server.url, 'burst');
    const doc = new Y.Doc();
    burst(writer, doc, 'a');
    await vi.waitFor(() => expect(replicaOf(receivedUpdates(reader)).getText('text').toString()).toBe('a'.repeat(50)));
    // 50 updates written at once reach the server in a few socket reads.
    expect(receivedUpdates(reader).length).toBeLessThan(50);
    let saved = 0;
    while (saved < 50) saved = (await writer.next('saved')).count;
    expect(receivedUpdates(writer)).toHaveLength(0);
  });

  it('gives each writer everyone else’s edits and never its own, and every replica converges', async () => {
    const server = await startTestServer({ store: createMemoryStore() });
    const writers = [
      await openRawClient(server.url, 'writers', [QUIRE_SUBPROTOCOL]),
      await openRawClient(server.url, 'writers'),
      await openRawClient(server.url, 'writers', [QUIRE_SUBPROTOCOL]),
    ];
    const reader = await openRawClient(server.url, 'writers');
    const docs = writers.map(() => new Y.Doc());
    for (let round = 0; round < 5; round++) {
      writers.forEach((writer, index) => burst(writer, docs[index]!, 'xyz'[index]!));
      await vi.waitFor(() => expect(replicaOf(receivedUpdates(reader)).getText('text').length).toBe(150 * (round + 1)));
    }
    const expected = replicaOf(receivedUpdates(reader)).getText('text').toString();
    writers.forEach((writer, index) => {
      const own = docs[index]!.clientID;
      for (const update of receivedUpdates(writer)) {
        expect(Y.decodeUpdate(update).structs.some((struct) => struct.id.client === own)).toBe(false);
        Y.applyUpdate(docs[index]!, update);
      }
      expect(docs[index]!.getText('text').toString()).toBe(expected);
    });
    expect(receivedUpdates(reader).length).toBeLessThan(750);
  });
});
