import { afterEach, describe, expect, it, vi } from 'vitest';
import { closeTestServers, roomsOf, startTestServer } from './helpers/test-server.ts';
import { connectStockClient, destroyStockClients, waitForSynced } from './helpers/stock-client.ts';

afterEach(async () => {
  destroyStockClients();
  await closeTestServers();
});

describe('awareness', () => {
  it('relays a state to the other client and removes it as soon as its owner closes', async () => {
    const server = await startTestServer();
    const alice = connectStockClient(server.url, 'presence');
    const bob = connectStockClient(server.url, 'presence');
    await waitForSynced(alice, bob);

    alice.provider.awareness.setLocalStateField('user', { name: 'Alice', color: '#f00' });
    const aliceId = alice.doc.clientID;
    await vi.waitFor(() => expect(bob.provider.awareness.getStates().get(aliceId)).toMatchObject({ user: { name: 'Alice' } }));

    // Drop the socket without the client's own goodbye: the server must do the cleanup.
    alice.provider.shouldConnect = false;
    (alice.provider.ws as unknown as { terminate(): void } | null)?.terminate();
    await vi.waitFor(() => expect(bob.provider.awareness.getStates().has(aliceId)).toBe(false), { timeout: 5_000 });
  });

  it('sends the current states to a client that joins later', async () => {
    const server = await startTestServer();
    const alice = connectStockClient(server.url, 'presence-late');
    await waitForSynced(alice);
    alice.provider.awareness.setLocalStateField('user', { name: 'Alice' });
    await vi.waitFor(() => {
      const room = roomsOf(server).get('presence-late');
      expect(room?.awareness.getStates().has(alice.doc.clientID)).toBe(true);
    });

    const carol = connectStockClient(server.url, 'presence-late');
    await waitForSynced(carol);
    await vi.waitFor(() =>
      expect(carol.provider.awareness.getStates().get(alice.doc.clientID)).toMatchObject({ user: { name: 'Alice' } }),
    );
  });
});
