import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createMemoryStore } from '@quire/storage';
import { createSyncHandler, createSyncServer, type SyncHandler, type SyncServer } from '../src/index.ts';
import { roomsOf } from './helpers/test-server.ts';
import { connectStockClient, destroyStockClients, waitForSynced } from './helpers/stock-client.ts';

// Quire on an app's HTTP server: createSyncServer({ server }) and
// createSyncHandler. What is under the prefix is Quire's, everything else the
// app's, and closing Quire never closes the app's server.

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  destroyStockClients();
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function appHandler(request: IncomingMessage, response: ServerResponse): void {
  response.writeHead(200, { 'content-type': 'text/plain' });
  response.end(`app: ${request.method} ${request.url}`);
}

async function listening(server: Server): Promise<string> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  cleanups.push(() => {
    server.closeAllConnections();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return `127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** Sends a raw upgrade request; resolves with the first response bytes, or 'open' if the socket was left alone. */
async function rawUpgrade(address: string, path: string): Promise<string> {
  const [host, port] = address.split(':');
  const socket: Socket = connect(Number(port), host);
  cleanups.push(() => void socket.destroy());
  await once(socket, 'connect');
  socket.write(
    `GET ${path} HTTP/1.1\r\nHost: ${address}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n` +
      'Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n',
  );
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve('open'), 300);
    socket.once('data', (data: Buffer) => {
      clearTimeout(timer);
      resolve(data.toString('latin1').split('\r\n')[0]!);
    });
  });
}

describe('createSyncServer({ server })', () => {
  it('syncs under its prefix, answers its endpoints there and hands every other request to the app', async () => {
    const httpServer = createServer(appHandler);
    const server = await createSyncServer({ server: httpServer, store: createMemoryStore(), pathPrefix: '/collab' });
    cleanups.push(() => server.close());
    expect(server.url).toBe('');
    const address = await listening(httpServer);
    expect(server.url).toBe(`ws://${address}`);
    expect(server.port).toBe((httpServer.address() as AddressInfo).port);

    expect(await (await fetch(`http://${address}/collab/healthz`)).json()).toEqual({ status: 'ok' });
    expect((await fetch(`http://${address}/collab/readyz`)).status).toBe(200);
    expect((await fetch(`http://${address}/collab/metrics`)).status).toBe(200);
    expect((await fetch(`http://${address}/collab/healthz`, { method: 'POST' })).status).toBe(405);
    expect(await (await fetch(`http://${address}/healthz`)).text()).toBe('app: GET /healthz');
    expect(await (await fetch(`http://${address}/collab/other`, { method: 'POST' })).text()).toBe('app: POST /collab/other');

    const client = connectStockClient(`${server.url}/collab`, 'notes');
    await waitForSynced(client);
    client.doc.getText('text').insert(0, 'hi');
    await vi.waitFor(() => expect(roomsOf(server).get('notes')?.doc.getText('text').toString()).toBe('hi'));
    expect(server.connectionCount).toBe(1);
  });

  it('refuses upgrades outside its prefix with 404 when the server has no other upgrade listener', async () => {
    const httpServer = createServer(appHandler);
    const server = await createSyncServer({ server: httpServer, store: createMemoryStore(), pathPrefix: '/collab' });
    cleanups.push(() => server.close());
    const address = await listening(httpServer);
    expect(await rawUpgrade(address, '/elsewhere')).toBe('HTTP/1.1 404 Not Found');
    expect(await rawUpgrade(address, '/collaborate')).toBe('HTTP/1.1 404 Not Found');
    expect(await rawUpgrade(address, '/collab/')).toBe('HTTP/1.1 400 Bad Request');
  });

  it('hands upgrades outside its prefix, and only those, to the server’s upgrade listeners', async () => {
    const httpServer = createServer(appHandler);
    const seen: string[] = [];
    httpServer.on('upgrade', (request: IncomingMessage, socket: Socket) => {
      seen.push(request.url!);
      socket.end('HTTP/1.1 418 Teapot\r\n\r\n');
    });
    const server = await createSyncServer({ server: httpServer, store: createMemoryStore(), pathPrefix: '/collab' });
    cleanups.push(() => server.close());
    const address = await listening(httpServer);
    expect(await rawUpgrade(address, '/elsewhere')).toBe('HTTP/1.1 418 Teapot');
    expect(await rawUpgrade(address, '/collab/')).toBe('HTTP/1.1 400 Bad Request');
    const client = connectStockClient(`${server.url}/collab`, 'notes');
    await waitForSynced(client);
    expect(seen).toEqual(['/elsewhere']);
  });

  it('answers 404 on a server without a request handler of its own', async () => {
    const httpServer = createServer();
    const server = await createSyncServer({ server: httpServer, store: createMemoryStore() });
    cleanups.push(() => server.close());
    const address = await listening(httpServer);
    expect((await fetch(`http://${address}/healthz`)).status).toBe(200);
    expect((await fetch(`http://${address}/anything`)).status).toBe(404);
  });

  it('closes without closing the app’s server, and gives the server its request handler back', async () => {
    const httpServer = createServer(appHandler);
    httpServer.on('upgrade', (_request: IncomingMessage, socket: Socket) => void socket.destroy());
    const before = httpServer.listeners('request');
    const upgradeBefore = httpServer.listeners('upgrade');
    const server = await createSyncServer({ server: httpServer, store: createMemoryStore(), pathPrefix: '/collab' });
    const address = await listening(httpServer);
    const client = connectStockClient(`${server.url}/collab`, 'notes');
    await waitForSynced(client);
    const codes: number[] = [];
    client.provider.on('connection-close', (event: { code: number } | null) => event && codes.push(event.code));
    client.provider.on('status', ({ status }: { status: string }) => {
      if (status === 'disconnected') client.provider.shouldConnect = false;
    });

    await server.close();
    expect(httpServer.listening).toBe(true);
    expect(httpServer.listeners('request')).toEqual(before);
    expect(httpServer.listeners('upgrade')).toEqual(upgradeBefore);
    await vi.waitFor(() => expect(codes).toEqual([1001]));
    expect(await (await fetch(`http://${address}/collab/healthz`)).text()).toBe('app: GET /collab/healthz');
  });

  it('refuses the options of a server of its own', async () => {
    const httpServer = createServer();
    for (const option of [{ port: 1 }, { host: '0.0.0.0' }, { staticDir: '.' }, { handshakeTimeoutMs: 5 }]) {
      await expect(createSyncServer({ server: httpServer, store: createMemoryStore(), ...option })).rejects.toThrow(TypeError);
    }
    expect(httpServer.listenerCount('upgrade')).toBe(0);
  });
});

describe('createSyncHandler', () => {
  function handler(pathPrefix?: string): SyncHandler {
    const created = createSyncHandler({ store: createMemoryStore(), ...(pathPrefix === undefined ? {} : { pathPrefix }) });
    cleanups.push(() => created.close());
    return created;
  }

  it('resolves false, without touching the response, for paths that are not its own', async () => {
    const quire = handler('/collab');
    const httpServer = createServer((request, response) => {
      void quire.handleRequest(request, response).then((handled) => {
        if (handled) return;
        expect(response.headersSent).toBe(false);
        appHandler(request, response);
      });
    });
    const address = await listening(httpServer);
    expect(await (await fetch(`http://${address}/collab/healthz`)).json()).toEqual({ status: 'ok' });
    expect(await (await fetch(`http://${address}/collab/api/documents`)).json()).toEqual({ documents: [] });
    expect(await (await fetch(`http://${address}/collab/healthz/x`)).text()).toBe('app: GET /collab/healthz/x');
    expect(await (await fetch(`http://${address}/healthz`)).text()).toBe('app: GET /healthz');
  });

  it('takes only upgrades under its prefix, and every one without a prefix', async () => {
    const prefixed = handler('/collab');
    const everything = handler();
    const taken: string[] = [];
    const serve = async (quire: SyncHandler): Promise<string> => {
      const httpServer = createServer();
      httpServer.on('upgrade', (request: IncomingMessage, socket: Socket, head: Buffer) => {
        if (quire.handleUpgrade(request, socket, head)) return;
        taken.push(`app: ${request.url}`);
        socket.end('HTTP/1.1 418 Teapot\r\n\r\n');
      });
      return listening(httpServer);
    };
    const prefixedAddress = await serve(prefixed);
    const client = connectStockClient(`ws://${prefixedAddress}/collab`, 'notes');
    await waitForSynced(client);
    expect(prefixed.connectionCount).toBe(1);
    expect(await rawUpgrade(prefixedAddress, '/notes')).toBe('HTTP/1.1 418 Teapot');

    const everythingAddress = await serve(everything);
    const other = connectStockClient(`ws://${everythingAddress}`, 'notes');
    await waitForSynced(other);
    expect(everything.connectionCount).toBe(1);
    // Under `/` every path is a document path; a bad name is refused by Quire, as the standalone server does.
    expect(await rawUpgrade(everythingAddress, '/a//b')).toBe('HTTP/1.1 400 Bad Request');
    expect(taken).toEqual(['app: /notes']);
  });

  it('answers upgrades with 503 once closing, and its server keeps listening', async () => {
    const quire = handler('/collab');
    const httpServer: Server = createServer();
    httpServer.on('upgrade', quire.handleUpgrade);
    const address = await listening(httpServer);
    await quire.close();
    expect(await rawUpgrade(address, '/collab/notes')).toBe('HTTP/1.1 503 Service Unavailable');
    expect(httpServer.listening).toBe(true);
  });

  it('has the server’s documents and events', async () => {
    const quire = handler('/collab');
    const loaded: string[] = [];
    quire.on('documentLoaded', ({ documentName }) => void loaded.push(documentName));
    await quire.documents.change('notes', (doc) => doc.getText('text').insert(0, 'from the server'));
    await vi.waitFor(() => expect(loaded).toEqual(['notes']));
    expect(quire.pathPrefix).toBe('/collab');
  });

  it('refuses the options of a server of its own', () => {
    expect(() => createSyncHandler({ store: createMemoryStore(), ...{ port: 1 } })).toThrow(TypeError);
  });
});

// The standalone server (no `server`) is covered by every other test; this
// only checks its shape did not grow.
it('keeps the standalone server’s members', async () => {
  const server: SyncServer = await createSyncServer({ store: createMemoryStore(), port: 0 });
  cleanups.push(() => server.close());
  expect(Object.keys(server).sort()).toEqual(['close', 'connectionCount', 'documents', 'host', 'off', 'on', 'port', 'url']);
});
