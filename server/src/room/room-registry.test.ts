import { afterEach, describe, expect, it, vi } from 'vitest';
import * as Y from 'yjs';
import { CLOSE_GOING_AWAY, encodeSyncUpdate } from '@quire/protocol';
import { createSilentLogger } from '../logger.ts';
import { roomLimitsOf, SYNC_SERVER_DEFAULTS } from '../server-options.ts';
import { ClientReplica, HeldStore, fakeConnection, turns } from '../../test/helpers/room-kit.ts';
import type { ChangeAuthor, RoomEventSink } from './room-events.ts';
import { RoomRegistry } from './room-registry.ts';

type Recorded = ['loaded', string] | ['changed', string, string, ChangeAuthor] | ['stored', string];

/** A sink recording every call; `changed` records the text of a replica built from the reported updates alone. */
function recordingSink(): RoomEventSink & { calls: Recorded[] } {
  const calls: Recorded[] = [];
  const replica = new Y.Doc();
  return {
    calls,
    loaded: (docName) => void calls.push(['loaded', docName]),
    changed: (docName, update, author) => {
      Y.applyUpdate(replica, update);
      calls.push(['changed', docName, replica.getText('t').toString(), author]);
    },
    stored: (docName) => void calls.push(['stored', docName]),
  };
}

const registries: { registry: RoomRegistry; held: HeldStore }[] = [];
afterEach(async () => {
  for (const { registry, held } of registries.splice(0)) {
    held.releaseAll();
    await registry.closeAll(CLOSE_GOING_AWAY);
  }
});

function registryOn(held: HeldStore, options: { roomIdleMs?: number; events?: RoomEventSink } = {}): RoomRegistry {
  const registry = new RoomRegistry({
    store: held.store,
    logger: createSilentLogger(),
    roomIdleMs: options.roomIdleMs ?? 60_000,
    roomLimits: roomLimitsOf(SYNC_SERVER_DEFAULTS),
    ...(options.events === undefined ? {} : { events: options.events }),
  });
  registries.push({ registry, held });
  return registry;
}

async function storedText(held: HeldStore, docName: string): Promise<string> {
  const stored = await held.inner.load(docName);
  const doc = new Y.Doc();
  if (stored !== null) Y.applyUpdate(doc, stored.update);
  return doc.getText('t').toString();
}

describe('RoomRegistry.change', () => {
  it('opens the document, applies the change, sends it to every connection, and resolves once it is stored', async () => {
    const held = new HeldStore();
    const registry = registryOn(held);
    const room = registry.acquire('notes');
    const ada = fakeConnection({ docName: 'notes' });
    const bob = fakeConnection({ docName: 'notes', extensions: false });
    room.addConnection(ada.connection);
    room.addConnection(bob.connection);
    await room.loaded;
    held.holdingAppends = true;

    let settled = false;
    const changed = registry.change('notes', (doc) => doc.getText('t').insert(0, 'from the server')).then(() => (settled = true));
    await turns();
    for (const { socket } of [ada, bob]) {
      const replica = new Y.Doc();
      for (const message of socket.of('sync-update')) Y.applyUpdate(replica, message.update);
      expect(replica.getText('t').toString()).toBe('from the server');
    }
    expect(settled).toBe(false);
    held.release(0);
    await changed;
    expect(await storedText(held, 'notes')).toBe('from the server');
    expect(registry.get('notes')?.doc.getText('t').toString()).toBe('from the server');
  });

  it('loads a document that is not open, after what clients stored, and keeps it open until the change is stored', async () => {
    const held = new HeldStore();
    const client = new ClientReplica();
    await held.inner.append('closed', client.type('stored '));
    const registry = registryOn(held, { roomIdleMs: 0 });
    held.holdingAppends = true;
    const changed = registry.change('closed', (doc) => doc.getText('t').insert(doc.getText('t').length, 'and changed'));
    await turns();
    expect(registry.get('closed')).toBeDefined();
    held.release(0);
    await changed;
    expect(await storedText(held, 'closed')).toBe('stored and changed');
    // Unused once the change is stored: unloaded after its idle time.
    await vi.waitFor(() => expect(registry.get('closed')).toBeUndefined());
  });

  it('keeps a room whose last connection left while it loaded from unloading under the change', async () => {
    const held = new HeldStore();
    held.holdLoads();
    const registry = registryOn(held, { roomIdleMs: 0 });
    const room = registry.acquire('left');
    const { connection } = fakeConnection({ docName: 'left' });
    room.addConnection(connection);
    room.removeConnection(connection);
    registry.release(room);
    // The idle timer fires and the unload waits for the load, as the change does.
    await new Promise((resolve) => setTimeout(resolve, 0));
    const changed = registry.change('left', (doc) => doc.getText('t').insert(0, 'x'));
    held.releaseLoads();
    await changed;
    expect(registry.get('left')).toBe(room);
    expect(room.state).toBe('ready');
    await vi.waitFor(() => expect(registry.get('left')).toBeUndefined());
    expect(await storedText(held, 'left')).toBe('x');
  });

  it('rejects when the document cannot be loaded', async () => {
    const held = new HeldStore();
    held.holdLoads();
    const registry = registryOn(held);
    const changed = registry.change('broken', (doc) => doc.getText('t').insert(0, 'x'));
    held.failLoads(new Error('disk on fire'));
    await expect(changed).rejects.toMatchObject({ code: 'ERR_DOCUMENT_UNAVAILABLE' });
  });

  it('rejects when the change cannot be stored', async () => {
    const held = new HeldStore();
    const registry = registryOn(held);
    await registry.acquire('lost').loaded;
    held.holdingAppends = true;
    const changed = registry.change('lost', (doc) => doc.getText('t').insert(0, 'x'));
    await turns();
    const failure = new Error('disk full');
    held.failBatch(0, failure);
    await expect(changed).rejects.toBe(failure);
    expect(registry.get('lost')).toBeUndefined();
  });

  it('rejects with what the change threw; what it had done is still sent and stored', async () => {
    const held = new HeldStore();
    const registry = registryOn(held);
    const mistake = new Error('half done');
    await expect(
      registry.change('partial', (doc) => {
        doc.getText('t').insert(0, 'half');
        throw mistake;
      }),
    ).rejects.toBe(mistake);
    await registry.get('partial')!.flush();
    expect(await storedText(held, 'partial')).toBe('half');
  });

  it('integrates the changes clients sent this turn before its own', async () => {
    const held = new HeldStore();
    const registry = registryOn(held);
    const room = registry.acquire('turn');
    await room.loaded;
    const { connection } = fakeConnection({ docName: 'turn' });
    room.addConnection(connection);
    room.receive(connection, encodeSyncUpdate(new ClientReplica().type('client ')));
    await registry.change('turn', (doc) => doc.getText('t').insert(doc.getText('t').length, 'server'));
    expect(await storedText(held, 'turn')).toBe('client server');
  });
});

describe('RoomRegistry.applyUpdate', () => {
  it('applies, sends and stores an update the inspector accepts', async () => {
    const held = new HeldStore();
    const registry = registryOn(held);
    const room = registry.acquire('applied');
    const { connection, socket } = fakeConnection({ docName: 'applied' });
    room.addConnection(connection);
    await registry.applyUpdate('applied', new ClientReplica().type('imported'));
    expect(await storedText(held, 'applied')).toBe('imported');
    expect(socket.of('sync-update')).toHaveLength(1);
  });

  it('rejects a malformed update and one that builds on content the document lacks, applying nothing', async () => {
    const held = new HeldStore();
    const registry = registryOn(held);
    await expect(registry.applyUpdate('checked', new Uint8Array([1, 200, 200, 200]))).rejects.toMatchObject({
      name: 'ServerError',
    });
    const client = new ClientReplica();
    client.type('missing');
    await expect(registry.applyUpdate('checked', client.type(' gap'))).rejects.toMatchObject({ code: 'ERR_UPDATE_CLOCK_GAP' });
    expect(registry.get('checked')?.doc.getText('t').toString()).toBe('');
    expect(await held.inner.load('checked')).toBeNull();
  });
});

describe('room events', () => {
  it('reports loaded, each change with its author, and stored once every change so far is durable', async () => {
    const held = new HeldStore();
    const sink = recordingSink();
    const registry = registryOn(held, { events: sink });
    const room = registry.acquire('evented');
    await room.loaded;
    const { connection } = fakeConnection({ docName: 'evented', subject: 'ada' });
    room.addConnection(connection);
    held.holdingAppends = true;
    const client = new ClientReplica();
    // Two edits in one turn: integrated and stored joined, reported one by one.
    room.receive(connection, encodeSyncUpdate(client.type('a')));
    room.receive(connection, encodeSyncUpdate(client.type('b')));
    await turns();
    // A deletion is applied at once and re-encoded by Yjs.
    room.receive(connection, encodeSyncUpdate(client.edit((doc) => doc.getText('t').delete(0, 1))));
    const serverChange = registry.change('evented', (doc) => doc.getText('t').insert(0, 's'));
    await turns();
    const author: ChangeAuthor = { kind: 'connection', connectionId: connection.id, subject: 'ada' };
    expect(sink.calls).toEqual([
      ['loaded', 'evented'],
      ['changed', 'evented', 'a', author],
      ['changed', 'evented', 'ab', author],
      ['changed', 'evented', 'b', author],
      ['changed', 'evented', 'sb', { kind: 'server' }],
    ]);
    held.release(0);
    await turns();
    expect(sink.calls.filter(([event]) => event === 'stored')).toEqual([]);
    held.releaseAll();
    await serverChange;
    await turns();
    expect(sink.calls.at(-1)).toEqual(['stored', 'evented']);
    expect(sink.calls.filter(([event]) => event === 'stored')).toHaveLength(1);
  });

  it('a sink that throws never breaks the room', async () => {
    const held = new HeldStore();
    const registry = registryOn(held, {
      events: {
        loaded: () => {
          throw new Error('listener bug');
        },
        changed: () => {
          throw new Error('listener bug');
        },
        stored: () => Promise.reject(new Error('async listener bug')) as unknown as void,
      },
    });
    const room = registry.acquire('sturdy');
    const { connection, socket } = fakeConnection({ docName: 'sturdy' });
    room.addConnection(connection);
    await room.loaded;
    room.receive(connection, encodeSyncUpdate(new ClientReplica().type('kept')));
    await registry.change('sturdy', (doc) => doc.getText('t').insert(0, '!'));
    await turns();
    expect(socket.saved).toEqual([1]);
    expect(await storedText(held, 'sturdy')).toBe('!kept');
  });
});
