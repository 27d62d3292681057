import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { frameBinary, writesFramesDirectly } from './ws-internals.ts';

// The broadcast fast path writes frames built by `ws`'s Sender.frame straight
// to the upgraded TCP socket, between `ws`'s own sends. These tests pin the
// `ws` behaviour that relies on: if an upgrade of `ws` changes it, they fail
// here, by name, instead of corrupting frames in production.

const servers: Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});

/** A `ws` server connection, the TCP socket the upgrade handed over, and a client. */
async function connectedPair(): Promise<{ serverSide: WebSocket; stream: Duplex; client: WebSocket; received: Buffer[] }> {
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });
  const http = createServer();
  servers.push(http);
  const accepted = new Promise<{ serverSide: WebSocket; stream: Duplex }>((resolve) => {
    http.on('upgrade', (request, stream, head) => {
      wss.handleUpgrade(request, stream, head, (serverSide) => resolve({ serverSide, stream }));
    });
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const client = new WebSocket(`ws://127.0.0.1:${(http.address() as AddressInfo).port}`);
  const received: Buffer[] = [];
  client.on('message', (data: Buffer) => received.push(data));
  await new Promise((resolve) => client.once('open', resolve));
  return { ...(await accepted), client, received };
}

describe('ws internals the broadcast relies on', () => {
  it('Sender.frame builds a frame a client reads as the message, in order with ws.send', async () => {
    const { serverSide, stream, client, received } = await connectedPair();
    expect(writesFramesDirectly(serverSide)).toBe(true);
    serverSide.send(Buffer.from('first'));
    stream.write(frameBinary(new TextEncoder().encode('second, framed here')));
    serverSide.send(Buffer.from('third'));
    stream.write(frameBinary(new Uint8Array(70_000).fill(7)));
    await vi.waitFor(() => expect(received).toHaveLength(4));
    expect(received.slice(0, 3).map((data) => data.toString())).toEqual(['first', 'second, framed here', 'third']);
    expect(received[3]!.equals(Buffer.alloc(70_000, 7))).toBe(true);
    client.close();
  });

  it('bytes written to the socket directly count in ws.bufferedAmount, which the slow-consumer limit reads', async () => {
    const { serverSide, stream, client } = await connectedPair();
    // A client that stops reading: the server's socket buffers what it writes.
    (client as unknown as { _socket: Duplex })._socket.pause();
    const chunk = frameBinary(new Uint8Array(1024 * 1024));
    for (let index = 0; index < 32; index++) stream.write(chunk);
    expect(serverSide.bufferedAmount).toBeGreaterThan(1024 * 1024);
    client.terminate();
  });

  it('is not used once the socket is closing', async () => {
    const { serverSide, client } = await connectedPair();
    serverSide.close(1000);
    expect(writesFramesDirectly(serverSide)).toBe(false);
    client.terminate();
  });
});
