import * as Y from 'yjs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createTempDir, killServerProcesses, removeTempDirs, startServerProcess } from '@quire/test-utils';
import type { ConnectionCloseEvent } from '../src/index.ts';
import { createCountingWebSockets } from './helpers/counting-websocket.ts';
import { createNodeProvider, destroyNodeProviders, waitForAllSaved, waitForSynced } from './helpers/node-provider.ts';

afterEach(async () => {
  destroyNodeProviders();
  vi.useRealTimers();
  await killServerProcesses();
  await removeTempDirs();
});

function openTcpSockets(): number {
  return process.getActiveResourcesInfo().filter((resource) => resource === 'TCPSocketWrap').length;
}

describe('destroy()', () => {
  it('leaves no timer, socket or listener behind after a full session', async () => {
    const server = await startServerProcess({ dataDir: await createTempDir() });
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval'] });
    const doc = new Y.Doc();
    const baseline = { sockets: openTcpSockets(), docListeners: doc._observers.get('update')?.size ?? 0 };
    const sockets = createCountingWebSockets();
    const provider = createNodeProvider({
      url: server.url,
      document: 'leaks',
      doc,
      WebSocketPolyfill: sockets.WebSocket,
    });
    await waitForSynced(provider);
    provider.awareness.setLocalStateField('user', 'Ada');
    doc.getText('t').insert(0, 'some work');
    await waitForAllSaved(provider);
    expect(vi.getTimerCount()).toBeGreaterThan(0);
    expect(openTcpSockets()).toBeGreaterThan(baseline.sockets);

    provider.destroy();
    await Promise.all(sockets.sockets.map((record) => record.closed));
    expect(vi.getTimerCount()).toBe(0);
    await vi.waitFor(() => expect(openTcpSockets()).toBe(baseline.sockets));
    expect(doc._observers.get('update')?.size ?? 0).toBe(baseline.docListeners);
    expect(provider.status).toBe('disconnected');
  });
});

describe('a dead link', () => {
  it('is detected on a quiet document by the heartbeat window, and the provider resumes after', async () => {
    // --keep-alive-ms 0: the server sends nothing on its own, so only pongs keep a quiet link alive.
    const server = await startServerProcess({ dataDir: await createTempDir(), args: ['--keep-alive-ms', '0'] });
    const options = {
      url: server.url,
      document: 'quiet',
      messageTimeoutMs: 2_000,
      heartbeatIntervalMs: 150,
      minBackoffMs: 20,
    };
    const pinging = createNodeProvider(options);
    // No extensions and no awareness state: a client the server never has a reason to talk to.
    const silent = createNodeProvider({ ...options, extensions: false });
    silent.awareness.setLocalState(null);
    const pingingCloses: ConnectionCloseEvent[] = [];
    pinging.on('connection-close', (event) => pingingCloses.push(event));
    await waitForSynced(pinging, silent);

    // The control: a live server, a quiet document. Without pings the window runs out
    // (twice here, so at least one full window passed for the pinging provider too);
    // with them it never does.
    const silentCloses: ConnectionCloseEvent[] = [];
    await new Promise<void>((resolve) => {
      silent.on('connection-close', (event) => {
        silentCloses.push(event);
        if (silentCloses.length === 2) resolve();
      });
    });
    expect(silentCloses.map((event) => event.cause)).toEqual(['timeout', 'timeout']);
    expect(pingingCloses).toEqual([]);

    // Now the server freezes: its kernel keeps the TCP connection, but nothing answers.
    server.child.kill('SIGSTOP');
    const deadClose = await new Promise<ConnectionCloseEvent>((resolve) => pinging.once('connection-close', resolve));
    expect(deadClose.cause).toBe('timeout');
    expect(pinging.status).toBe('connecting');
    pinging.doc.getText('t').insert(0, 'typed while the server was frozen');

    server.child.kill('SIGCONT');
    await waitForSynced(pinging);
    await waitForAllSaved(pinging);
    const reader = createNodeProvider({ url: server.url, document: 'quiet' });
    await waitForSynced(reader);
    expect(reader.doc.getText('t').toString()).toBe('typed while the server was frozen');
  });
});
