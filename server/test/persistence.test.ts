import { afterEach, describe, expect, it, vi } from 'vitest';
import * as Y from 'yjs';
import { encodeSyncStep1, encodeSyncUpdate, QUIRE_SUBPROTOCOL } from '@quire/protocol';
import { createTempDir, killServerProcesses, removeTempDirs, startServerProcess } from '@quire/test-utils';
import { RawClient } from './helpers/raw-client.ts';
import {
  connectStockClient,
  destroyStockClients,
  waitForConvergence,
  waitForSynced,
  type StockClient,
} from './helpers/stock-client.ts';

afterEach(async () => {
  destroyStockClients();
  await killServerProcesses();
  await removeTempDirs();
});

/** Opens a fresh stock client on `docName`, waits for its first sync and returns the doc. */
async function readBack(url: string, docName: string): Promise<Y.Doc> {
  const client = connectStockClient(url, docName);
  await waitForSynced(client);
  return client.doc;
}

describe('persistence across restarts (server as a child process, LevelDB on disk)', () => {
  it('brings every document back after SIGTERM and a restart on the same data directory', async () => {
    const dataDir = await createTempDir();
    const server = await startServerProcess({ dataDir });
    const names = ['a', 'team/b', 'ünïcödé'];
    const clients: StockClient[] = names.map((name) => connectStockClient(server.url, name));
    await waitForSynced(...clients);
    clients.forEach((client, index) => {
      client.doc.getText('text').insert(0, `text of ${names[index]}`);
      client.doc.getMap('map').set('index', index);
    });
    // A second client per document proves the server has applied the edits before the stop.
    const observers = names.map((name) => connectStockClient(server.url, name));
    await waitForSynced(...observers);
    for (let index = 0; index < names.length; index++) {
      await waitForConvergence([clients[index]!.doc, observers[index]!.doc]);
    }
    const closeCodes: number[] = [];
    for (const client of clients) {
      client.provider.on('connection-close', (event: { code: number } | null) => {
        if (event !== null) closeCodes.push(event.code);
      });
    }

    expect(await server.stop('SIGTERM')).toBe(0);
    await vi.waitFor(() => expect(closeCodes).toHaveLength(names.length));
    expect(new Set(closeCodes)).toEqual(new Set([1001]));
    destroyStockClients();

    const restarted = await startServerProcess({ dataDir });
    for (const [index, name] of names.entries()) {
      const doc = await readBack(restarted.url, name);
      expect(doc.getText('text').toString()).toBe(`text of ${name}`);
      expect(doc.getMap('map').get('index')).toBe(index);
    }
  });

  it('keeps every acknowledged update after SIGKILL', async () => {
    const dataDir = await createTempDir();
    const server = await startServerProcess({ dataDir });
    const client = new RawClient(`${server.url}/acked`, [QUIRE_SUBPROTOCOL]);
    await client.opened;
    await client.next('sync-step-1');
    const writer = new Y.Doc();
    const sent: number[] = [];
    writer.on('update', (update: Uint8Array) => client.send(encodeSyncUpdate(update)));
    let acknowledged = 0;
    for (let index = 1; index <= 250; index++) {
      writer.getMap('map').set(`key-${index}`, index);
      sent.push(index);
      if (index % 20 === 0 && index <= 200) {
        // Wait for the acknowledgement of everything sent so far on some rounds only,
        // so writes of later rounds are still in flight when the process dies.
        for (;;) {
          const saved = await client.next('saved');
          acknowledged = saved.count;
          if (saved.count >= index) break;
        }
      }
    }
    // Updates 201–250 were sent but not waited for: they may or may not survive.
    expect(acknowledged).toBeGreaterThanOrEqual(200);
    expect(await server.stop('SIGKILL')).toBe(null);

    const restarted = await startServerProcess({ dataDir });
    const doc = await readBack(restarted.url, 'acked');
    for (let index = 1; index <= acknowledged; index++) {
      expect(doc.getMap('map').get(`key-${index}`)).toBe(index);
    }
  });

  it('stores 200 documents with one client each and reloads them all after a restart', async () => {
    const dataDir = await createTempDir();
    const server = await startServerProcess({ dataDir, args: ['--room-idle-ms', '50'] });
    const names = Array.from({ length: 200 }, (_, index) => `many/doc-${index}`);
    const clients = names.map((name) => connectStockClient(server.url, name));
    await waitForSynced(...clients);
    clients.forEach((client, index) => client.doc.getText('text').insert(0, `content ${index}`));
    // When the clients leave, rooms flush and unload; the stop flushes the rest.
    await vi.waitFor(
      async () => {
        const response = await fetch(`${server.httpUrl}/api/documents`);
        const body = (await response.json()) as { documents: unknown[] };
        expect(body.documents).toHaveLength(200);
      },
      { timeout: 15_000, interval: 50 },
    );
    destroyStockClients();
    expect(await server.stop('SIGTERM')).toBe(0);

    const restarted = await startServerProcess({ dataDir });
    const readers = names.map((name) => connectStockClient(restarted.url, name));
    await waitForSynced(...readers);
    readers.forEach((reader, index) => expect(reader.doc.getText('text').toString()).toBe(`content ${index}`));
  });

  it('answers a reconnecting client with only what it lacks after a restart', async () => {
    const dataDir = await createTempDir();
    const server = await startServerProcess({ dataDir });
    const a = connectStockClient(server.url, 'resume');
    await waitForSynced(a);
    a.doc.getText('text').insert(0, 'x'.repeat(50_000));
    const watcher = connectStockClient(server.url, 'resume');
    await waitForSynced(watcher);
    await waitForConvergence([a.doc, watcher.doc]);
    expect(await server.stop('SIGTERM')).toBe(0);
    destroyStockClients();

    const restarted = await startServerProcess({ dataDir });
    const raw = new RawClient(`${restarted.url}/resume`);
    await raw.opened;
    await raw.next('sync-step-1');
    raw.send(encodeSyncStep1(Y.encodeStateVector(a.doc)));
    const reply = await raw.next('sync-step-2');
    // The client already holds everything: the diff is a few bytes, not 50 kB.
    expect(reply.update.byteLength).toBeLessThan(16);
    raw.close();
  });
});
