import * as Y from 'yjs';
import { Awareness, applyAwarenessUpdate, encodeAwarenessUpdate, removeAwarenessStates } from 'y-protocols/awareness';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  encodeAwareness,
  encodeError,
  encodeMessage,
  encodePong,
  encodeQueryAwareness,
  encodeSaved,
  encodeStateless,
  encodeSyncStep1,
  encodeSyncStep2,
  encodeSyncUpdate,
  type Message,
} from '@quire/protocol';
import { createFakeProvider, destroyFakeProviders } from './helpers/fake-provider.ts';

afterEach(() => {
  destroyFakeProviders();
});

function only<T extends Message['type']>(messages: Message[], type: T): Extract<Message, { type: T }>[] {
  return messages.filter((message): message is Extract<Message, { type: T }> => message.type === type);
}

function serverDoc(text: string): Y.Doc {
  const doc = new Y.Doc();
  doc.getText('t').insert(0, text);
  return doc;
}

describe('sync, as a y-websocket client does it', () => {
  it('sends step 1 and its awareness on open, answers the server step 1, and is synced by the server step 2', () => {
    const { provider, doc, sockets } = createFakeProvider();
    doc.getText('t').insert(0, 'local ');
    provider.awareness.setLocalStateField('user', 'Ada');
    const synced = vi.fn();
    provider.on('sync', synced);
    const socket = sockets.last();
    expect(socket.url).toBe('ws://quire.test/notes');
    expect(socket.protocols).toEqual(['quire.v1']);
    expect(provider.status).toBe('connecting');

    socket.accept();
    expect(provider.status).toBe('connected');
    expect(socket.messages().map((message) => message.type)).toEqual(['ping', 'sync-step-1', 'awareness']);
    expect(only(socket.messages(), 'sync-step-1')[0]?.stateVector).toEqual(Y.encodeStateVector(doc));

    const server = serverDoc('server');
    socket.clearSent();
    socket.receive(encodeSyncStep1(Y.encodeStateVector(server)));
    const [step2] = only(socket.messages(), 'sync-step-2');
    Y.applyUpdate(server, step2?.update ?? new Uint8Array());
    expect(server.getText('t').toString()).toContain('local ');

    expect(provider.synced).toBe(false);
    socket.receive(encodeSyncStep2(Y.encodeStateAsUpdate(server, Y.encodeStateVector(doc))));
    expect(provider.synced).toBe(true);
    expect(synced).toHaveBeenCalledWith(true);
    expect(doc.getText('t').toString()).toBe(server.getText('t').toString());
  });

  it('sends local updates as they happen and never echoes what came from the server', () => {
    const { doc, sockets } = createFakeProvider();
    const socket = sockets.last();
    socket.accept();
    socket.receive(encodeSyncStep1(new Uint8Array([0])));
    socket.clearSent();
    doc.getText('t').insert(0, 'typed');
    expect(only(socket.messages(), 'sync-update')).toHaveLength(1);
    socket.receive(encodeSyncUpdate(Y.encodeStateAsUpdate(serverDoc('remote'))));
    expect(doc.getText('t').toString()).toContain('remote');
    expect(only(socket.messages(), 'sync-update')).toHaveLength(1);
  });

  it('answers a query for awareness with every state it knows', () => {
    const { provider, sockets } = createFakeProvider();
    provider.awareness.setLocalStateField('user', 'Ada');
    const socket = sockets.last();
    socket.accept();
    const peer = new Awareness(new Y.Doc());
    peer.setLocalState({ user: 'Grace' });
    socket.receive(encodeAwareness(encodeAwarenessUpdate(peer, [peer.clientID])));
    socket.clearSent();
    socket.receive(encodeQueryAwareness());
    const [reply] = only(socket.messages(), 'awareness');
    const target = new Awareness(new Y.Doc());
    applyAwarenessUpdate(target, reply?.update ?? new Uint8Array(), null);
    expect(target.getStates().get(peer.clientID)).toEqual({ user: 'Grace' });
    expect(target.getStates().get(provider.awareness.clientID)).toEqual({ user: 'Ada' });
    peer.destroy();
    target.destroy();
  });

  it('sends its own awareness changes but never relays states it received', () => {
    const { provider, sockets } = createFakeProvider();
    const socket = sockets.last();
    socket.accept();
    socket.clearSent();
    const peer = new Awareness(new Y.Doc());
    peer.setLocalState({ user: 'Grace' });
    socket.receive(encodeAwareness(encodeAwarenessUpdate(peer, [peer.clientID])));
    expect(provider.awareness.getStates().get(peer.clientID)).toEqual({ user: 'Grace' });
    expect(socket.messages()).toEqual([]);
    provider.awareness.setLocalStateField('cursor', 3);
    expect(only(socket.messages(), 'awareness')).toHaveLength(1);
    peer.destroy();
  });

  it('re-announces itself on every connection and forgets remote states when one ends', () => {
    const { provider, sockets } = createFakeProvider({ minBackoffMs: 0, maxBackoffMs: 0 });
    vi.useFakeTimers();
    try {
      provider.awareness.setLocalStateField('user', 'Ada');
      const first = sockets.last();
      first.accept();
      const firstAnnouncement = only(first.messages(), 'awareness')[0]?.update ?? new Uint8Array();
      const peer = new Awareness(new Y.Doc());
      peer.setLocalState({ user: 'Grace' });
      first.receive(encodeAwareness(encodeAwarenessUpdate(peer, [peer.clientID])));
      expect(provider.awareness.getStates().size).toBe(2);
      first.drop(1001);
      expect([...provider.awareness.getStates().keys()]).toEqual([provider.awareness.clientID]);
      vi.runOnlyPendingTimers();
      const second = sockets.last();
      expect(second).not.toBe(first);
      second.accept();
      const [announcement] = only(second.messages(), 'awareness');
      // A peer that saw the first announcement and dropped the state when that connection
      // ended takes the new one: the clock moved on.
      const target = new Awareness(new Y.Doc());
      applyAwarenessUpdate(target, firstAnnouncement, null);
      removeAwarenessStates(target, [provider.awareness.clientID], null);
      applyAwarenessUpdate(target, announcement?.update ?? new Uint8Array(), null);
      expect(target.getStates().get(provider.awareness.clientID)).toEqual({ user: 'Ada' });
      peer.destroy();
      target.destroy();
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('unsaved changes and saved acknowledgements', () => {
  it('counts local updates until a saved covers the messages that carried them', () => {
    const { provider, doc, sockets } = createFakeProvider();
    const counts: number[] = [];
    provider.on('unsaved-changes', (count) => counts.push(count));
    const socket = sockets.last();
    socket.accept();
    socket.receive(encodeSyncStep1(new Uint8Array([0]))); // our step 2 is message 1
    doc.getText('t').insert(0, 'a'); // message 2
    doc.getText('t').insert(1, 'b'); // message 3
    expect(provider.unsavedChanges).toBe(2);
    socket.receive(encodeSaved(1));
    expect(provider.unsavedChanges).toBe(2);
    socket.receive(encodeSaved(2));
    expect(provider.unsavedChanges).toBe(1);
    socket.receive(encodeSaved(3));
    expect(provider.unsavedChanges).toBe(0);
    expect(counts).toEqual([1, 2, 1, 0]);
  });

  it('carries offline edits in the step 2 of the next connection and settles them by its number', () => {
    const { provider, doc, sockets } = createFakeProvider({ connect: false });
    doc.getText('t').insert(0, 'offline');
    doc.getText('t').insert(0, 'more ');
    expect(provider.unsavedChanges).toBe(2);
    provider.connect();
    const socket = sockets.last();
    socket.accept();
    // Open, but the server's step 1 has not come: this edit builds on the offline ones the
    // server lacks, so it is held back rather than sent ahead of them.
    doc.getText('t').insert(0, '!');
    expect(socket.messages('sync-update')).toEqual([]);
    socket.receive(encodeSyncStep1(new Uint8Array([0]))); // step 2 = message 1, carrying all three
    const [step2] = only(socket.messages(), 'sync-step-2');
    const server = new Y.Doc();
    Y.applyUpdate(server, step2?.update ?? new Uint8Array());
    expect(server.getText('t').toString()).toBe('!more offline');
    doc.getText('t').insert(0, '?'); // message 2
    expect(socket.messages('sync-update')).toHaveLength(1);
    socket.receive(encodeSaved(1));
    expect(provider.unsavedChanges).toBe(1);
    socket.receive(encodeSaved(2));
    expect(provider.unsavedChanges).toBe(0);
  });

  it('counts content the doc held before the provider as one unsaved change', () => {
    const doc = serverDoc('loaded from an offline copy');
    const { provider, sockets } = createFakeProvider({ doc });
    expect(provider.unsavedChanges).toBe(1);
    const socket = sockets.last();
    socket.accept();
    socket.receive(encodeSyncStep1(new Uint8Array([0])));
    socket.receive(encodeSaved(1));
    expect(provider.unsavedChanges).toBe(0);
  });

  it('confirms acknowledgements only once the server answers the opening ping', () => {
    const { provider, sockets } = createFakeProvider();
    const socket = sockets.last();
    socket.accept();
    expect(provider.savedSupported).toBe(false);
    const [ping] = only(socket.messages(), 'ping');
    socket.receive(encodePong(ping?.id ?? -1));
    expect(provider.savedSupported).toBe(true);
  });

  it('against a server without quire.v1: no extension message either way, nothing acknowledged', () => {
    const { provider, doc, sockets } = createFakeProvider();
    const stateless = vi.fn();
    provider.on('stateless', stateless);
    const socket = sockets.last();
    socket.accept('');
    expect(socket.messages().map((message) => message.type)).toEqual(['sync-step-1', 'awareness']);
    socket.receive(encodeSyncStep1(new Uint8Array([0])));
    doc.getText('t').insert(0, 'x');
    for (const message of [encodeSaved(5), encodePong(0), encodeStateless('hi')]) socket.receive(message);
    expect(provider.savedSupported).toBe(false);
    expect(provider.unsavedChanges).toBe(1);
    expect(stateless).not.toHaveBeenCalled();
    expect(provider.sendStateless('hello')).toBe(false);
  });

  it('offers no subprotocol when extensions are off', () => {
    const { sockets } = createFakeProvider({ extensions: false });
    expect(sockets.last().protocols).toEqual([]);
  });
});

describe('stateless messages and errors', () => {
  it('sends and receives app-defined payloads on quire.v1', () => {
    const { provider, sockets } = createFakeProvider();
    const received: string[] = [];
    provider.on('stateless', (payload) => received.push(payload));
    expect(provider.sendStateless('too early')).toBe(false);
    const socket = sockets.last();
    socket.accept();
    expect(provider.sendStateless('{"cursor":1}')).toBe(true);
    expect(only(socket.messages(), 'stateless').map((message) => message.payload)).toEqual(['{"cursor":1}']);
    socket.receive(encodeStateless('{"from":"peer"}'));
    expect(received).toEqual(['{"from":"peer"}']);
  });

  it('exposes the error reason the server sends before it closes', () => {
    const { provider, sockets } = createFakeProvider();
    const closes = vi.fn();
    provider.on('connection-close', closes);
    const socket = sockets.last();
    socket.accept();
    socket.receive(encodeError(1011, 'ERR_STORAGE_WRITE_FAILED'));
    socket.drop(1011, 'internal error');
    expect(provider.lastServerError).toEqual({ code: 1011, reason: 'ERR_STORAGE_WRITE_FAILED' });
    expect(closes).toHaveBeenCalledWith(
      expect.objectContaining({
        cause: 'remote',
        code: 1011,
        serverError: { code: 1011, reason: 'ERR_STORAGE_WRITE_FAILED' },
        reconnectDelayMs: 50,
      }),
    );
  });

  it('ignores unknown message types and replaces the connection after a malformed message', () => {
    const { provider, sockets } = createFakeProvider();
    const errors = vi.fn();
    provider.on('connection-error', errors);
    const socket = sockets.last();
    socket.accept();
    socket.receive(encodeMessage({ type: 'unknown', messageType: 200 }));
    expect(provider.status).toBe('connected');
    socket.receive(new Uint8Array([0, 7, 0]));
    expect(errors).toHaveBeenCalledOnce();
    expect(provider.status).toBe('connecting');
    expect(socket.closeCalls).toEqual([1000]);
  });
});
