import { afterEach, describe, expect, it, vi } from 'vitest';
import { createMemoryStore } from '@quire/storage';
import { CLOSE_GOING_AWAY } from '@quire/protocol';
import { closeTestServers, roomsOf, startTestServer } from './helpers/test-server.ts';
import { connectStockClient, destroyStockClients, waitForSynced } from './helpers/stock-client.ts';

afterEach(async () => {
  destroyStockClients();
  await closeTestServers();
});

describe('graceful close', () => {
  it('closes sockets with 1001, flushes writes, unloads rooms and closes the store', async () => {
    const memory = createMemoryStore();
    let pendingAppends = 0;
    let closed = false;
    const store = {
      ...memory,
      load: memory.load.bind(memory),
      list: memory.list.bind(memory),
      compact: memory.compact.bind(memory),
      delete: memory.delete.bind(memory),
      append: async (docName: string, update: Uint8Array) => {
        pendingAppends++;
        await new Promise((resolve) => setImmediate(resolve));
        await memory.append(docName, update);
        pendingAppends--;
      },
      close: async () => {
        expect(pendingAppends).toBe(0);
        closed = true;
        await memory.close();
      },
    };
    const server = await startTestServer({ store });
    const client = connectStockClient(server.url, 'closing');
    await waitForSynced(client);
    const codes: number[] = [];
    client.provider.on('connection-close', (event: { code: number } | null) => event && codes.push(event.code));
    client.provider.on('status', ({ status }: { status: string }) => {
      if (status === 'disconnected') client.provider.shouldConnect = false;
    });
    client.doc.getText('text').insert(0, 'last words');
    await vi.waitFor(() => expect(roomsOf(server).get('closing')?.doc.getText('text').length).toBe(10));

    await server.close();
    expect(closed).toBe(true);
    expect(roomsOf(server).size).toBe(0);
    expect(server.connectionCount).toBe(0);
    await vi.waitFor(() => expect(codes).toEqual([CLOSE_GOING_AWAY.code]));
    const response = await fetch(server.url.replace('ws', 'http') + '/healthz').catch((error: unknown) => error);
    expect(response).toBeInstanceOf(Error);
  });
});
