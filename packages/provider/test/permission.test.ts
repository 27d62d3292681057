import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { encodeError, encodePermissionDenied, QUIRE_SUBPROTOCOL } from '@quire/protocol';
import type { PermissionDeniedEvent, QuireProvider } from '../src/index.ts';
import { createCountingWebSockets } from './helpers/counting-websocket.ts';
import { FakeEventTarget } from './helpers/fake-event-target.ts';
import { createNodeProvider, destroyNodeProviders } from './helpers/node-provider.ts';
import { closeScriptedServers, startScriptedServer, type ScriptedServer } from './helpers/scripted-server.ts';

// Fake timers with real sockets: the provider's retries and heartbeats become
// countable and can be fast-forwarded, while network I/O runs for real.
beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval'] });
});
afterEach(async () => {
  destroyNodeProviders();
  vi.useRealTimers();
  await closeScriptedServers();
});

function denied(provider: QuireProvider): Promise<PermissionDeniedEvent> {
  return new Promise((resolve) => provider.once('permission-denied', resolve));
}

const online = new FakeEventTarget();

async function expectStoppedAndClean(
  provider: QuireProvider,
  server: ScriptedServer,
  sockets: ReturnType<typeof createCountingWebSockets>,
): Promise<void> {
  expect(provider.status).toBe('disconnected');
  // An hour of retry opportunities, and the network coming back: nothing is attempted.
  online.dispatch('online');
  vi.advanceTimersByTime(3_600_000);
  expect(sockets.sockets).toHaveLength(1);
  expect(server.connections).toHaveLength(1);

  provider.destroy();
  await Promise.all(sockets.sockets.map((record) => record.closed));
  await vi.waitFor(() => expect(server.wss.clients.size).toBe(0));
  expect(vi.getTimerCount()).toBe(0);
}

describe('permission denied', () => {
  it('stops the retries after a y-protocols auth message and reports the reason', async () => {
    const server = await startScriptedServer((socket) => {
      socket.send(encodePermissionDenied('no access to team/secret'));
    });
    const sockets = createCountingWebSockets();
    const provider = createNodeProvider({
      url: server.url,
      document: 'team/secret',
      WebSocketPolyfill: sockets.WebSocket,
      onlineTarget: online,
    });
    expect(await denied(provider)).toEqual({ url: `${server.url}/team/secret`, reason: 'no access to team/secret' });
    await expectStoppedAndClean(provider, server, sockets);
  });

  it.each([4401, 4403])('stops the retries after close %d and reports the error message reason', async (code) => {
    const server = await startScriptedServer(
      (socket) => {
        socket.send(encodeError(code, 'ERR_AUTH_TOKEN_REJECTED'));
        socket.close(code, code === 4401 ? 'unauthorized' : 'forbidden');
      },
      { handleProtocols: (protocols) => (protocols.has(QUIRE_SUBPROTOCOL) ? QUIRE_SUBPROTOCOL : false) },
    );
    const sockets = createCountingWebSockets();
    const provider = createNodeProvider({
      url: server.url,
      document: 'private',
      token: 'stale',
      WebSocketPolyfill: sockets.WebSocket,
      onlineTarget: online,
    });
    const event = await denied(provider);
    expect(event.reason).toBe('ERR_AUTH_TOKEN_REJECTED');
    expect(provider.lastServerError).toEqual({ code, reason: 'ERR_AUTH_TOKEN_REJECTED' });
    await expectStoppedAndClean(provider, server, sockets);
  });

  it('keeps retrying a server that closes for a transient reason (the control case)', async () => {
    const server = await startScriptedServer((socket) => socket.close(1013, 'try again later'));
    const sockets = createCountingWebSockets();
    const provider = createNodeProvider({ url: server.url, document: 'busy', WebSocketPolyfill: sockets.WebSocket });
    await new Promise((resolve) => provider.once('connection-close', resolve));
    expect(provider.status).toBe('connecting');
    vi.advanceTimersByTime(10_000);
    expect(sockets.sockets.length).toBeGreaterThan(1);
  });
});
