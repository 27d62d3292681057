import { afterEach, describe, expect, it, vi } from 'vitest';
import * as Y from 'yjs';
import { encodeSyncUpdate, QUIRE_SUBPROTOCOL } from '@quire/protocol';
import { createDocumentStore, createMemoryBackend, type CompactionInfo, type CurrentStateSource } from '@quire/storage';
import { openRawClient } from './helpers/raw-client.ts';
import { closeTestServers, startTestServer } from './helpers/test-server.ts';

afterEach(async () => {
  await closeTestServers();
});

describe('compacting an open document', () => {
  it("compacts the log to the room's document, which holds every stored update", async () => {
    const backend = createMemoryBackend();
    const compactions: CompactionInfo[] = [];
    const store = createDocumentStore(backend, { compactAfterEntries: 10, onCompacted: (info) => compactions.push(info) });
    let source: CurrentStateSource | undefined;
    const useCurrentState = store.useCurrentState.bind(store);
    store.useCurrentState = (given) => {
      source = given;
      useCurrentState(given);
    };
    const server = await startTestServer({ store });
    expect(source).toBeDefined();

    const writer = await openRawClient(server.url, 'open-doc', [QUIRE_SUBPROTOCOL]);
    const doc = new Y.Doc();
    const updates: Uint8Array[] = [];
    doc.on('update', (update: Uint8Array) => updates.push(update));
    for (let index = 0; index < 40; index++) {
      doc.getText('text').insert(0, `${index % 10}`);
      writer.send(encodeSyncUpdate(updates.at(-1)!));
      await writer.next('saved');
    }
    await vi.waitFor(() => expect(compactions.length).toBeGreaterThan(0));
    // The source hands out the open room's document, and nothing for others.
    const state = source!('open-doc');
    expect(state).toBeDefined();
    expect(Y.encodeStateVector(replica(state!))).toEqual(Y.encodeStateVector(doc));
    expect(source!('not-open')).toBeUndefined();

    await store.compact('open-doc');
    const log = await backend.readLog('open-doc');
    expect(log).toHaveLength(1);
    expect(replica(log[0]!.update).getText('text').toString()).toBe(doc.getText('text').toString());
  });
});

function replica(update: Uint8Array): Y.Doc {
  const doc = new Y.Doc();
  Y.applyUpdate(doc, update);
  return doc;
}
