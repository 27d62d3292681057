import { afterEach, describe, expect, it, vi } from 'vitest';
import { createMemoryStore } from '@quire/storage';
import { connectStockClient, destroyStockClients, waitForSynced } from './helpers/stock-client.ts';
import { closeTestServers, roomsOf, startTestServer } from './helpers/test-server.ts';

afterEach(async () => {
  destroyStockClients();
  await closeTestServers();
});

/**
 * Types `count` characters `gapMs` apart, so that each usually reaches the
 * server in a turn of its own and is one log entry (the changes of one turn
 * are stored as one), then leaves.
 */
async function typeAndLeave(url: string, docName: string, count: number, gapMs = 5): Promise<void> {
  const client = connectStockClient(url, docName);
  await waitForSynced(client);
  for (let index = 0; index < count; index += 1) {
    client.doc.getText('text').insert(0, 'x');
    await new Promise((resolve) => setTimeout(resolve, gapMs));
  }
  client.destroy();
}

describe('compaction after use', () => {
  it('leaves one merged entry once a busy document unloads', async () => {
    const store = createMemoryStore();
    const server = await startTestServer({ store, roomIdleMs: 0 });
    await typeAndLeave(server.url, 'busy', 40);
    await vi.waitFor(async () => expect((await store.load('busy'))?.entryCount).toBe(1));
    expect(roomsOf(server).size).toBe(0);
  });

  it('leaves one merged entry for a busy document open at shutdown, and a quiet one as is', async () => {
    const store = createMemoryStore();
    const server = await startTestServer({ store });
    await typeAndLeave(server.url, 'busy', 40);
    // Far enough apart that they are at least two entries: compacted, it would be one.
    await typeAndLeave(server.url, 'quiet', 3, 50);
    await vi.waitFor(async () => expect((await store.load('quiet'))?.entryCount).toBeGreaterThanOrEqual(2));
    // Read both logs at the last moment: just before the server closes the store.
    const compacted = new Promise<[number | undefined, number | undefined]>((resolve) => {
      const close = store.close.bind(store);
      store.close = async () => {
        resolve([(await store.load('busy'))?.entryCount, (await store.load('quiet'))?.entryCount]);
        return close();
      };
    });
    await server.close();
    const [busy, quiet] = await compacted;
    expect(busy).toBe(1);
    expect(quiet).toBeGreaterThanOrEqual(2);
  });
});
