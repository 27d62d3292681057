import * as Y from 'yjs';
import { WebSocket } from 'ws';
import { WebsocketProvider } from 'y-websocket';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  createTempDir,
  killServerProcesses,
  removeTempDirs,
  startServerProcess,
  startTcpProxy,
  type ServerProcess,
  type TcpProxy,
} from '@quire/test-utils';
import type { ConnectionCloseEvent, ProviderStatus } from '../src/index.ts';
import { createNodeProvider, destroyNodeProviders, nextClose, waitForAllSaved, waitForSynced } from './helpers/node-provider.ts';

const proxies: TcpProxy[] = [];
const stockProviders = new Set<WebsocketProvider>();

afterEach(async () => {
  for (const provider of stockProviders) {
    provider.destroy();
    provider.doc.destroy();
  }
  stockProviders.clear();
  destroyNodeProviders();
  await Promise.all(proxies.splice(0).map((proxy) => proxy.close()));
  await killServerProcesses();
  await removeTempDirs();
});

/**
 * A server whose keep-alive alone would take 30–60 s to drop a half-open
 * socket: far longer than any wait below, so a recovery here is the work of
 * the ownership probe, not of the sweep.
 */
async function startSlowKeepAliveServer(): Promise<{ server: ServerProcess; proxy: TcpProxy }> {
  const server = await startServerProcess({ dataDir: await createTempDir(), args: ['--keep-alive-ms', '30000'] });
  const proxy = await startTcpProxy({ targetPort: server.port });
  proxies.push(proxy);
  return { server, proxy };
}

/** What a fresh client, connected straight to the server, reads from the document. */
async function readBack(server: ServerProcess, document: string): Promise<string> {
  const reader = createNodeProvider({ url: server.url, document });
  await waitForSynced(reader);
  const text = reader.doc.getText('t').toJSON();
  reader.destroy();
  return text;
}

describe('a client whose previous socket the server still holds half-open', () => {
  it('gets its edit saved through a reconnect instead of stopping (@quire/provider)', async () => {
    const { server, proxy } = await startSlowKeepAliveServer();
    const provider = createNodeProvider({ url: proxy.url, document: 'stale' });
    const closes: ConnectionCloseEvent[] = [];
    const statuses: ProviderStatus[] = [];
    provider.on('connection-close', (event) => closes.push(event));
    provider.on('status', ({ status }) => statuses.push(status));
    await waitForSynced(provider);
    provider.doc.getText('t').insert(0, 'before');
    // Saved: the server's connection now owns the provider's client ID.
    await waitForAllSaved(provider);

    // A network change: the provider's socket is gone, the server's side stays open and silent.
    const cut = nextClose(provider);
    proxy.halfOpenAll();
    await cut;
    provider.doc.getText('t').insert(6, ' after');
    expect(provider.unsavedChanges).toBe(1);

    await vi.waitFor(
      () => {
        expect(provider.unsavedChanges).toBe(0);
        expect(provider.status).toBe('connected');
      },
      { timeout: 20_000, interval: 50 },
    );
    expect(await readBack(server, 'stale')).toBe('before after');
    // Every close along the way was followed by a retry: the provider never gave up.
    expect(closes.length).toBeGreaterThan(0);
    for (const close of closes) expect(close.reconnectDelayMs, `close ${close.code}`).not.toBeNull();
    expect(statuses).not.toContain('disconnected');
    expect(provider.status).toBe('connected');
    // The half-open socket went because it failed the server's probe, not its keep-alive.
    expect(server.logs.map((line) => line.msg)).toContain(
      'client-ID owner did not answer the liveness probe; socket dropped',
    );
  });

  it('gets the edit of a stock y-websocket client through as well', async () => {
    const { server, proxy } = await startSlowKeepAliveServer();
    const stock = new WebsocketProvider(proxy.url, 'stale-stock', new Y.Doc(), {
      WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
      disableBc: true,
    });
    stockProviders.add(stock);
    await new Promise<void>((resolve) => stock.once('sync', (synced: boolean) => synced && resolve()));
    stock.doc.getText('t').insert(0, 'before');
    // The server holds the edit (and its connection owns the client ID) once a reader sees it.
    await vi.waitFor(async () => expect(await readBack(server, 'stale-stock')).toBe('before'), { timeout: 10_000 });

    const cut = new Promise<void>((resolve) =>
      stock.on('status', ({ status }: { status: string }) => status === 'disconnected' && resolve()),
    );
    proxy.halfOpenAll();
    await cut;
    stock.doc.getText('t').insert(6, ' after');

    await vi.waitFor(async () => expect(await readBack(server, 'stale-stock')).toBe('before after'), {
      timeout: 20_000,
      interval: 200,
    });
  });
});
