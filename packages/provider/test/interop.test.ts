import * as Y from 'yjs';
import { WebSocket } from 'ws';
import { WebsocketProvider } from 'y-websocket';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createTempDir, killServerProcesses, removeTempDirs, startServerProcess } from '@quire/test-utils';
import { closeScriptedServers } from './helpers/scripted-server.ts';
import { startStockServer } from './helpers/stock-server.ts';
import { createNodeProvider, destroyNodeProviders, waitForConvergence, waitForSynced } from './helpers/node-provider.ts';

const stockProviders = new Set<WebsocketProvider>();

afterEach(async () => {
  for (const provider of stockProviders) {
    provider.destroy();
    provider.doc.destroy();
  }
  stockProviders.clear();
  destroyNodeProviders();
  vi.restoreAllMocks();
  await closeScriptedServers();
  await killServerProcesses();
  await removeTempDirs();
});

function connectStock(serverUrl: string, docName: string): WebsocketProvider {
  const provider = new WebsocketProvider(serverUrl, docName, new Y.Doc(), {
    WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
    disableBc: true,
  });
  stockProviders.add(provider);
  return provider;
}

async function stockSynced(provider: WebsocketProvider): Promise<void> {
  if (provider.synced) return;
  await new Promise<void>((resolve) => provider.once('sync', (synced: boolean) => synced && resolve()));
}

describe('the stock y-websocket client and the Quire provider', () => {
  it('co-edit one document on a Quire server, carets included', async () => {
    const server = await startServerProcess({ dataDir: await createTempDir() });
    // The stock client logs "Unable to compute message" for any type it does not know.
    const consoleError = vi.spyOn(console, 'error');
    const stock = connectStock(server.url, 'shared');
    const quire = createNodeProvider({ url: server.url, document: 'shared' });
    const other = createNodeProvider({ url: server.url, document: 'shared' });
    await Promise.all([stockSynced(stock), waitForSynced(quire, other)]);

    stock.doc.getText('t').insert(0, 'stock ');
    quire.doc.getText('t').insert(0, 'quire ');
    stock.awareness.setLocalStateField('user', 'stock');
    quire.awareness.setLocalStateField('user', 'quire');
    // Extension traffic in the same room: a stateless message and saved acknowledgements.
    const relayed = new Promise<string>((resolve) => other.once('stateless', resolve));
    expect(quire.sendStateless('{"ping":1}')).toBe(true);
    expect(await relayed).toBe('{"ping":1}');

    await waitForConvergence([stock.doc, quire.doc, other.doc]);
    expect(stock.doc.getText('t').toString()).toBe(quire.doc.getText('t').toString());
    expect(stock.doc.getText('t').toString()).toMatch(/^(stock quire |quire stock )$/u);
    await vi.waitFor(() => {
      expect(stock.awareness.getStates().get(quire.awareness.clientID)).toEqual({ user: 'quire' });
      expect(quire.awareness.getStates().get(stock.awareness.clientID)).toEqual({ user: 'stock' });
    });
    await vi.waitFor(() => expect(quire.unsavedChanges).toBe(0));
    expect(consoleError).not.toHaveBeenCalled();
  });

  it('sync against a server without the extensions, which acknowledges nothing', async () => {
    const server = await startStockServer();
    const stock = connectStock(server.url, 'plain');
    const quire = createNodeProvider({ url: server.url, document: 'plain' });
    await Promise.all([stockSynced(stock), waitForSynced(quire)]);
    quire.doc.getText('t').insert(0, 'from quire ');
    stock.doc.getText('t').insert(0, 'from stock ');
    await waitForConvergence([stock.doc, quire.doc]);
    expect(quire.doc.getText('t').toString()).toContain('from stock');
    // ws echoes the offered subprotocol, but the server never answers a ping or acknowledges:
    // the provider does not claim the edits are stored.
    expect(quire.savedSupported).toBe(false);
    expect(quire.unsavedChanges).toBe(1);
    expect(quire.sendStateless('nobody listens')).toBe(true);
  });
});
