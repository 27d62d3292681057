import { connect } from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { WebSocket } from 'ws';
import { QUIRE_SUBPROTOCOL, encodeSyncUpdate } from '@quire/protocol';
import { AuthError, type Authorize, type SyncServer } from '../../src/index.ts';
import { closeTestServers, roomsOf, startTestServer } from '../helpers/test-server.ts';
import { textUpdate } from '../hostile/harness.ts';
import { rawRequest, upgradeRequest } from '../hostile/raw-http.ts';

// Resource leaks (rows 3, 31, 43): after thousands of connections, refused
// handshakes and abandoned documents, rooms, sockets, timers and heap come
// back to their baseline. In-process, so the server's own state can be read.

setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

afterEach(async () => {
  await closeTestServers();
});

const authorize: Authorize = ({ token }) =>
  token === 'ok'
    ? Promise.resolve({ access: 'write', expiresAt: Date.now() + 3_600_000 })
    : Promise.reject(new AuthError('ERR_AUTH_UNAUTHORIZED', 'bad-signature'));

function heapMiB(): number {
  collectGarbage();
  collectGarbage();
  return process.memoryUsage().heapUsed / 1024 / 1024;
}

function timerCount(): number {
  return process.getActiveResourcesInfo().filter((resource) => resource === 'Timeout').length;
}

async function settle(server: SyncServer): Promise<void> {
  await vi.waitFor(
    () => {
      expect(server.connectionCount).toBe(0);
      expect(roomsOf(server).size).toBe(0);
    },
    { timeout: 20_000, interval: 20 },
  );
}

/** One cycle of a kind chosen by `index`: a full session, an abandoned auth, or an abandoned handshake. */
async function cycle(server: SyncServer, index: number): Promise<void> {
  const kind = index % 4;
  if (kind === 3) {
    // Mid-handshake: half an upgrade request, then gone.
    await new Promise<void>((resolve) => {
      const socket = connect({ host: '127.0.0.1', port: server.port }, () => {
        socket.write(`GET /leak-${index % 50} HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n`);
        socket.destroy();
        resolve();
      });
      socket.on('error', () => resolve());
    });
    return;
  }
  const url = kind === 2 ? `${server.url}/leak-${index % 50}` : `${server.url}/leak-${index % 50}?token=ok`;
  const ws = new WebSocket(url, kind === 0 ? [] : [QUIRE_SUBPROTOCOL]);
  await new Promise<void>((resolve) => {
    ws.once('open', () => {
      // kind 2 is mid-auth: a quire.v1 socket that leaves before sending its token.
      if (kind === 0) ws.send(encodeSyncUpdate(textUpdate('x')));
      ws.close();
    });
    ws.once('close', () => resolve());
    ws.once('error', () => resolve());
  });
}

describe('resource leaks', () => {
  it('10,000 connect/disconnect cycles (full, mid-auth, mid-handshake) leave nothing behind', async () => {
    const server = await startTestServer({ authorize, roomIdleMs: 0, keepAliveIntervalMs: 0 });
    // Warm up code paths and pools before measuring.
    for (let index = 0; index < 200; index++) await cycle(server, index);
    await settle(server);
    const heapBefore = heapMiB();
    const timersBefore = timerCount();

    for (let batch = 0; batch < 200; batch++) {
      await Promise.all(Array.from({ length: 50 }, (_, index) => cycle(server, batch * 50 + index)));
    }
    await settle(server);
    expect(timerCount()).toBeLessThanOrEqual(timersBefore);
    // Generous: a leak of even 1 KiB per cycle would show as 10 MiB.
    expect(heapMiB() - heapBefore).toBeLessThan(8);
  }, 90_000);

  it('2,000 abandoned documents are all unloaded, with their timers', async () => {
    const server = await startTestServer({ authorize, roomIdleMs: 0, keepAliveIntervalMs: 0 });
    const heapBefore = heapMiB();
    const timersBefore = timerCount();
    for (let batch = 0; batch < 40; batch++) {
      await Promise.all(
        Array.from(
          { length: 50 },
          (_, index) =>
            new Promise<void>((resolve) => {
              const ws = new WebSocket(`${server.url}/abandoned/${batch * 50 + index}?token=ok`);
              ws.once('open', () => {
                ws.send(encodeSyncUpdate(textUpdate('left behind')));
                // An awareness state too, whose renewal timer must go with the room.
                ws.send(new Uint8Array([1, 13, 1, 1, 1, 9, ...Buffer.from('{"u":"A"}')]));
                ws.close();
              });
              ws.once('close', () => resolve());
            }),
        ),
      );
    }
    await settle(server);
    expect(timerCount()).toBeLessThanOrEqual(timersBefore);
    expect(heapMiB() - heapBefore).toBeLessThan(8);
  }, 90_000);

  it('row 3: 10,000 upgrades with a missing or malformed key keep no state', async () => {
    const server = await startTestServer({ authorize, keepAliveIntervalMs: 0 });
    const bad = upgradeRequest('/doc?token=ok', {}, ['Sec-WebSocket-Key']);
    for (let index = 0; index < 200; index++) await rawRequest(server.port, bad);
    const heapBefore = heapMiB();
    for (let batch = 0; batch < 200; batch++) {
      const answers = await Promise.all(Array.from({ length: 50 }, () => rawRequest(server.port, bad)));
      for (const answer of answers) expect(answer.status).toBe(400);
    }
    await settle(server);
    expect(heapMiB() - heapBefore).toBeLessThan(8);
  }, 90_000);
});
