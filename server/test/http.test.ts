import { afterEach, describe, expect, it, vi } from 'vitest';
import { closeTestServers, roomsOf, startTestServer } from './helpers/test-server.ts';
import { connectStockClient, destroyStockClients, waitForSynced } from './helpers/stock-client.ts';
import { RawClient } from './helpers/raw-client.ts';
import { request } from 'node:http';

afterEach(async () => {
  destroyStockClients();
  await closeTestServers();
});

const httpUrl = (wsUrl: string, path: string): string => `${wsUrl.replace(/^ws/, 'http')}${path}`;

describe('HTTP endpoints', () => {
  it('answers /healthz with 200 while serving', async () => {
    const server = await startTestServer();
    const response = await fetch(httpUrl(server.url, '/healthz'));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok' });
  });

  it('lists stored documents with their size and last change', async () => {
    const server = await startTestServer();
    const client = connectStockClient(server.url, 'listed/doc');
    await waitForSynced(client);
    client.doc.getText('text').insert(0, 'content');
    type Listed = { name: string; storedBytes: number; updatedAt: string };
    const documents = await vi.waitFor(async () => {
      const body = (await (await fetch(httpUrl(server.url, '/api/documents'))).json()) as { documents: Listed[] };
      expect(body.documents).toHaveLength(1);
      return body.documents;
    });
    expect(documents[0]?.name).toBe('listed/doc');
    expect(documents[0]?.storedBytes).toBeGreaterThan(0);
    expect(Number.isNaN(Date.parse(documents[0]?.updatedAt ?? ''))).toBe(false);
  });

  it('answers unknown paths with 404 and other methods with 405', async () => {
    const server = await startTestServer();
    expect((await fetch(httpUrl(server.url, '/nope'))).status).toBe(404);
    expect((await fetch(httpUrl(server.url, '/healthz'), { method: 'POST' })).status).toBe(405);
  });
});

describe('document names at upgrade', () => {
  const rejected = ['/', '/%20%20', '/a%00b', `/${'x'.repeat(300)}`, '/*', '/a//b', '/%E0%A4%A'];
  for (const path of rejected) {
    it(`refuses ${path.slice(0, 40)} with HTTP 400 and opens no room`, async () => {
      const server = await startTestServer();
      const client = new RawClient(`${server.url}${path}`);
      await expect(client.opened).rejects.toThrow('HTTP 400');
      expect(roomsOf(server).size).toBe(0);
    });
  }

  // WHATWG URL parsing (and so every WebSocket client) folds dot segments away
  // before sending; a hand-written request line still carries them.
  for (const path of ['/../x', '/a/../b', '/a/./b', '/%2e%2e/x']) {
    it(`refuses the raw request path ${path} with HTTP 400`, async () => {
      const server = await startTestServer();
      const status = await rawUpgradeStatus(server.url, path);
      expect(status).toBe(400);
      expect(roomsOf(server).size).toBe(0);
    });
  }

  it('accepts URL-encoded names with namespaces and unicode', async () => {
    const server = await startTestServer();
    const client = new RawClient(`${server.url}/${encodeURIComponent('team')}/${encodeURIComponent('Grüße 🎉')}`);
    await client.opened;
    await client.next('sync-step-1');
    expect(roomsOf(server).get('team/Grüße 🎉')).toBeDefined();
    client.close();
  });
});

/** Sends an upgrade request with the path exactly as given and returns the HTTP status. */
function rawUpgradeStatus(wsUrl: string, path: string): Promise<number> {
  const { hostname, port } = new URL(wsUrl);
  return new Promise((resolve, reject) => {
    const upgradeRequest = request({
      host: hostname,
      port,
      path,
      headers: {
        Connection: 'Upgrade',
        Upgrade: 'websocket',
        'Sec-WebSocket-Version': '13',
        'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==',
      },
    });
    upgradeRequest.on('upgrade', (_response, socket) => {
      socket.destroy();
      resolve(101);
    });
    upgradeRequest.on('response', (response) => {
      response.resume();
      resolve(response.statusCode ?? 0);
    });
    upgradeRequest.on('error', reject);
    upgradeRequest.end();
  });
}
