import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterEach, describe, expect, it } from 'vitest';
import { createMemoryStore } from '@quire/storage';
import { QUIRE_SUBPROTOCOL } from '@quire/protocol';
import { createSilentLogger } from '../src/logger.ts';
import { RoomRegistry } from '../src/room/room-registry.ts';
import { resolveSyncServerOptions, roomLimitsOf } from '../src/server-options.ts';
import { WsTransport } from '../src/transport/ws-transport.ts';
import { RawClient } from './helpers/raw-client.ts';

// A garbage collector the test can call: vitest's workers do not run with --expose-gc.
setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

/** Collects garbage until `ref` is cleared, at most `rounds` times. */
async function isCollected(ref: WeakRef<object>, rounds = 20): Promise<boolean> {
  for (let round = 0; round < rounds; round++) {
    collectGarbage();
    if (ref.deref() === undefined) return true;
    await new Promise((resolve) => setImmediate(resolve));
  }
  return false;
}

/**
 * What an open, idle connection keeps: the upgrade request (its headers, raw
 * headers, URL and parser state) must not outlive the upgrade, for stock
 * clients and quire.v1 clients alike, while the socket stays open and synced.
 */
describe('connection footprint', () => {
  let httpServer: Server | undefined;
  let transport: WsTransport | undefined;
  const clients: RawClient[] = [];

  afterEach(async () => {
    for (const client of clients.splice(0)) client.close();
    transport?.stopAccepting();
    await transport?.waitForSockets(1_000);
    await new Promise<void>((resolve) => (httpServer === undefined ? resolve() : httpServer.close(() => resolve())));
    httpServer = undefined;
    transport = undefined;
  });

  async function start(): Promise<{ url: string; requests: WeakRef<IncomingMessage>[] }> {
    const options = resolveSyncServerOptions({ host: '127.0.0.1', port: 0, store: createMemoryStore() }, createSilentLogger);
    const registry = new RoomRegistry({
      store: options.store,
      logger: options.logger,
      roomIdleMs: options.roomIdleMs,
      roomLimits: roomLimitsOf(options),
    });
    const started = new WsTransport({ registry, logger: options.logger, options });
    transport = started;
    const requests: WeakRef<IncomingMessage>[] = [];
    const server = createServer();
    httpServer = server;
    server.on('upgrade', (request: IncomingMessage, socket, head: Buffer) => {
      requests.push(new WeakRef(request));
      started.handleUpgrade(request, socket, head);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    return { url: `ws://127.0.0.1:${port}`, requests };
  }

  it.each([
    ['a stock client', []],
    ['a quire.v1 client', [QUIRE_SUBPROTOCOL]],
  ])('lets go of the upgrade request of %s once its socket is open', async (_label, protocols) => {
    const { url, requests } = await start();
    const client = new RawClient(`${url}/footprint?token=unused`, protocols);
    clients.push(client);
    await client.opened;
    await client.next('sync-step-1');
    expect(requests).toHaveLength(1);
    expect(await isCollected(requests[0]!)).toBe(true);
    // Still a working connection afterwards.
    expect(transport?.connectionCount).toBe(1);
  });
});
