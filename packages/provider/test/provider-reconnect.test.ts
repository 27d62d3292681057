import * as Y from 'yjs';
import { Awareness, applyAwarenessUpdate, encodeAwarenessUpdate } from 'y-protocols/awareness';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { encodeError, encodePermissionDenied, encodePong, encodeSyncStep2 } from '@quire/protocol';
import { QuireProvider, type ConnectionCloseEvent, type ProviderStatus } from '../src/index.ts';
import { createFakeProvider, destroyFakeProviders } from './helpers/fake-provider.ts';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  destroyFakeProviders();
  vi.useRealTimers();
});

function recordCloses(provider: QuireProvider): ConnectionCloseEvent[] {
  const closes: ConnectionCloseEvent[] = [];
  provider.on('connection-close', (event) => closes.push(event));
  return closes;
}

describe('reconnecting', () => {
  it('backs off exponentially with full jitter and moves to the next server after each failure', () => {
    const { provider, sockets } = createFakeProvider({
      url: undefined,
      urls: ['ws://one.test', 'ws://two.test'],
      minBackoffMs: 100,
      maxBackoffMs: 1_000,
    });
    const closes = recordCloses(provider);
    for (let attempt = 0; attempt < 6; attempt++) {
      sockets.last().drop(1006);
      vi.runOnlyPendingTimers();
    }
    // random() is pinned to 0.5: half of each window 100, 200, 400, 800, 1000, 1000.
    expect(closes.map((event) => event.reconnectDelayMs)).toEqual([50, 100, 200, 400, 500, 500]);
    expect(sockets.sockets.map((socket) => new URL(socket.url).host)).toEqual([
      'one.test', 'two.test', 'one.test', 'two.test', 'one.test', 'two.test', 'one.test',
    ]);
    expect(provider.status).toBe('connecting');
  });

  it('waits out the drawn delay and no longer', () => {
    const { sockets } = createFakeProvider({ minBackoffMs: 1_000, random: () => 0.25 });
    sockets.last().drop(1001);
    vi.advanceTimersByTime(249);
    expect(sockets.sockets).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(sockets.sockets).toHaveLength(2);
  });

  it('starts from the smallest window again after a connection synced', () => {
    const { provider, sockets } = createFakeProvider({ minBackoffMs: 100 });
    const closes = recordCloses(provider);
    sockets.last().drop(1006);
    vi.runOnlyPendingTimers();
    sockets.last().drop(1006);
    vi.runOnlyPendingTimers();
    const socket = sockets.last();
    socket.accept();
    socket.receive(encodeSyncStep2(Y.encodeStateAsUpdate(new Y.Doc())));
    socket.drop(1001);
    expect(closes.map((event) => event.reconnectDelayMs)).toEqual([50, 100, 50]);
  });

  it('retries after 1013 ERR_CLIENT_ID_IN_USE with a window that keeps growing although each connection synced', () => {
    const { provider, sockets } = createFakeProvider({ minBackoffMs: 100, maxBackoffMs: 1_000 });
    const closes = recordCloses(provider);
    // The socket the server still holds is cut on this side first; then every
    // attempt syncs and is turned away while the server checks the old socket.
    sockets.last().accept();
    sockets.last().receive(encodeSyncStep2(Y.encodeStateAsUpdate(new Y.Doc())));
    sockets.last().drop(1006);
    for (let attempt = 0; attempt < 4; attempt++) {
      vi.runOnlyPendingTimers();
      const socket = sockets.last();
      socket.accept();
      socket.receive(encodeSyncStep2(Y.encodeStateAsUpdate(new Y.Doc())));
      expect(provider.synced).toBe(true);
      socket.receive(encodeError(1013, 'ERR_CLIENT_ID_IN_USE'));
      socket.drop(1013, 'try again later');
      expect(provider.status).toBe('connecting');
    }
    expect(closes.map((event) => event.reconnectDelayMs)).toEqual([50, 100, 200, 400, 500]);
    expect(provider.lastServerError).toEqual({ code: 1013, reason: 'ERR_CLIENT_ID_IN_USE' });
    // Once a connection is accepted and synced, the next failure starts small again.
    vi.runOnlyPendingTimers();
    sockets.last().accept();
    sockets.last().receive(encodeSyncStep2(Y.encodeStateAsUpdate(new Y.Doc())));
    sockets.last().drop(1006);
    expect(closes.at(-1)?.reconnectDelayMs).toBe(50);
  });

  it('reports status changes: connecting while it tries, connected while open', () => {
    const { provider, sockets } = createFakeProvider({ connect: false });
    const statuses: ProviderStatus[] = [];
    provider.on('status', ({ status }) => statuses.push(status));
    provider.connect();
    sockets.last().accept();
    sockets.last().drop(1006);
    vi.runOnlyPendingTimers();
    sockets.last().accept();
    provider.disconnect();
    expect(statuses).toEqual(['connecting', 'connected', 'connecting', 'connected', 'disconnected']);
  });

  it('replaces a connection that brings no message within the window, quire.v1 or not', () => {
    for (const protocol of ['quire.v1', '']) {
      const { provider, sockets } = createFakeProvider({ messageTimeoutMs: 3_000, heartbeatIntervalMs: 1_000 });
      const closes = recordCloses(provider);
      const socket = sockets.last();
      socket.accept(protocol);
      vi.advanceTimersByTime(2_999);
      expect(provider.status).toBe('connected');
      vi.advanceTimersByTime(1);
      expect(socket.terminated).toBe(true);
      expect(closes[0]?.cause).toBe('timeout');
      expect(provider.status).toBe('connecting');
    }
  });

  it('abandons an opening handshake that gets no answer within the window', () => {
    const { provider, sockets } = createFakeProvider({ messageTimeoutMs: 3_000, heartbeatIntervalMs: 1_000 });
    const closes = recordCloses(provider);
    vi.advanceTimersByTime(2_999);
    expect(closes).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(sockets.sockets[0]?.terminated).toBe(true);
    expect(closes[0]?.cause).toBe('timeout');
  });

  it('keeps a quiet quire.v1 connection alive by ping and pong', () => {
    const { provider, sockets } = createFakeProvider({ messageTimeoutMs: 3_000, heartbeatIntervalMs: 1_000 });
    const socket = sockets.last();
    socket.accept();
    for (let second = 0; second < 30; second++) {
      vi.advanceTimersByTime(1_000);
      const pings = socket.messages('ping');
      const last = pings.at(-1);
      if (last?.type === 'ping') socket.receive(encodePong(last.id));
    }
    expect(provider.status).toBe('connected');
    expect(socket.messages('ping').length).toBeGreaterThanOrEqual(10);
  });

  it('retries at once when the browser comes back online', () => {
    const { sockets, online } = createFakeProvider({ minBackoffMs: 10_000, maxBackoffMs: 10_000 });
    sockets.last().drop(1006);
    expect(sockets.sockets).toHaveLength(1);
    online.dispatch('online');
    expect(sockets.sockets).toHaveLength(2);
    // A connected provider has nothing to hurry.
    sockets.last().accept();
    online.dispatch('online');
    expect(sockets.sockets).toHaveLength(2);
  });

  it('replaces the connection at once when the page is visible again after a long hidden period', () => {
    const { provider, sockets, visibility } = createFakeProvider({ longHiddenMs: 60_000 });
    const closes = recordCloses(provider);
    const first = sockets.last();
    first.accept();
    visibility.setVisibility('hidden');
    vi.setSystemTime(Date.now() + 59_999);
    visibility.setVisibility('visible');
    expect(sockets.sockets).toHaveLength(1);
    visibility.setVisibility('hidden');
    vi.setSystemTime(Date.now() + 60_000);
    visibility.setVisibility('visible');
    expect(first.closeCalls).toEqual([1000]);
    expect(closes.at(-1)).toMatchObject({ cause: 'wake', reconnectDelayMs: 0 });
    vi.advanceTimersByTime(0);
    expect(sockets.sockets).toHaveLength(2);
    expect(sockets.last().url).toBe(first.url);
  });
});

describe('stopping', () => {
  it('stops for good on a permission-denied message and reports the reason', () => {
    const { provider, sockets } = createFakeProvider();
    const denied = vi.fn();
    provider.on('permission-denied', denied);
    const socket = sockets.last();
    socket.accept();
    socket.receive(encodePermissionDenied('token expired'));
    expect(provider.status).toBe('disconnected');
    expect(denied).toHaveBeenCalledWith({ url: 'ws://quire.test/notes', reason: 'token expired' });
    expect(socket.closeCalls).toEqual([1000]);
    vi.advanceTimersByTime(3_600_000);
    expect(sockets.sockets).toHaveLength(1);
  });

  it.each([4401, 4403])('stops for good on close %d and reports the error message reason', (code) => {
    const { provider, sockets, online } = createFakeProvider();
    const denied = vi.fn();
    provider.on('permission-denied', denied);
    const socket = sockets.last();
    socket.accept();
    socket.receive(encodeError(code, 'ERR_AUTH_DENIED'));
    socket.drop(code, 'unauthorized');
    expect(provider.status).toBe('disconnected');
    expect(denied).toHaveBeenCalledWith({ url: 'ws://quire.test/notes', reason: 'ERR_AUTH_DENIED' });
    online.dispatch('online');
    vi.advanceTimersByTime(3_600_000);
    expect(sockets.sockets).toHaveLength(1);
  });

  it('stops on a close code that says retrying cannot help, until connect()', () => {
    const { provider, sockets } = createFakeProvider();
    const closes = recordCloses(provider);
    sockets.last().drop(4404, 'invalid document name');
    expect(provider.status).toBe('disconnected');
    expect(closes[0]?.reconnectDelayMs).toBeNull();
    vi.advanceTimersByTime(3_600_000);
    expect(sockets.sockets).toHaveLength(1);
    provider.connect();
    expect(sockets.sockets).toHaveLength(2);
  });

  it('retries one malformed-message close and stops at the second in a row', () => {
    const { provider, sockets } = createFakeProvider();
    sockets.last().drop(1007);
    expect(provider.status).toBe('connecting');
    vi.runOnlyPendingTimers();
    sockets.last().drop(1007);
    expect(provider.status).toBe('disconnected');
  });

  it('disconnect() says goodbye in awareness, closes with 1000 and does not retry', () => {
    const { provider, sockets } = createFakeProvider();
    provider.awareness.setLocalStateField('user', 'Ada');
    const socket = sockets.last();
    socket.accept();
    socket.clearSent();
    const observer = new Awareness(new Y.Doc());
    applyAwarenessUpdate(observer, encodeAwarenessUpdate(provider.awareness, [provider.awareness.clientID]), null);
    expect(observer.getStates().has(provider.awareness.clientID)).toBe(true);
    provider.disconnect();
    const [goodbye] = socket.messages('awareness');
    applyAwarenessUpdate(observer, goodbye?.type === 'awareness' ? goodbye.update : new Uint8Array(), null);
    expect(observer.getStates().has(provider.awareness.clientID)).toBe(false);
    expect(socket.closeCalls).toEqual([1000]);
    expect(provider.status).toBe('disconnected');
    vi.advanceTimersByTime(3_600_000);
    expect(sockets.sockets).toHaveLength(1);
    observer.destroy();
  });
});

describe('destroy()', () => {
  it('leaves no timer, listener or open socket behind', () => {
    const doc = new Y.Doc();
    const baseline = {
      docUpdate: doc._observers.get('update')?.size ?? 0,
      timers: vi.getTimerCount(),
    };
    const { provider, sockets, online, visibility } = createFakeProvider({
      doc,
      messageTimeoutMs: 3_000,
      heartbeatIntervalMs: 1_000,
    });
    const first = sockets.last();
    first.accept(); // heartbeat running, awareness interval running
    first.drop(1006); // a retry pending
    expect(vi.getTimerCount()).toBeGreaterThan(baseline.timers);
    expect(online.listenerCount).toBe(1);
    expect(visibility.listenerCount).toBe(1);
    vi.runOnlyPendingTimers();
    const second = sockets.last();
    second.accept();

    provider.destroy();
    expect(vi.getTimerCount()).toBe(baseline.timers);
    expect(doc._observers.get('update')?.size ?? 0).toBe(baseline.docUpdate);
    expect(online.listenerCount).toBe(0);
    expect(visibility.listenerCount).toBe(0);
    expect(second.readyState).toBe(3);
    expect(second.onmessage).toBeNull();
    expect(provider.status).toBe('disconnected');
    expect(() => provider.connect()).toThrow();
  });

  it('leaves an awareness it was given to its owner', () => {
    const doc = new Y.Doc();
    const awareness = new Awareness(doc);
    const { provider } = createFakeProvider({ doc, awareness });
    // lib0's Observable, which Awareness extends, types its listener sets as `any`.
    const updateListeners = (): number => (awareness._observers.get('update') as Set<unknown> | undefined)?.size ?? 0;
    const listenersBefore = updateListeners();
    provider.destroy();
    expect(updateListeners()).toBe(listenersBefore - 1);
    awareness.setLocalStateField('still', 'usable');
    expect(awareness.getLocalState()).toEqual({ still: 'usable' });
    awareness.destroy();
  });
});

describe('options', () => {
  it.each([
    [{ url: 'ws://a.test', urls: ['ws://b.test'] }, TypeError],
    [{ url: undefined }, TypeError],
    [{ urls: [] as string[], url: undefined }, TypeError],
    [{ document: 'a//b' }, TypeError],
    [{ url: 'ftp://a.test' }, TypeError],
    [{ minBackoffMs: -1 }, RangeError],
    [{ minBackoffMs: 500, maxBackoffMs: 100 }, RangeError],
    [{ messageTimeoutMs: 0 }, RangeError],
    [{ heartbeatIntervalMs: 30_000, messageTimeoutMs: 30_000 }, RangeError],
  ])('rejects %j', (options, error) => {
    expect(() => createFakeProvider(options)).toThrow(error);
  });

  it('puts the token and params in the URL', () => {
    const { provider } = createFakeProvider({ token: 'secret token', params: { region: 'eu' } });
    const url = new URL(provider.url);
    expect(url.searchParams.get('token')).toBe('secret token');
    expect(url.searchParams.get('region')).toBe('eu');
  });
});
