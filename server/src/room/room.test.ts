import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { CLOSE_POLICY_VIOLATION, decodeMessage, encodeAwareness, encodeSyncStep1, encodeSyncStep2, encodeSyncUpdate } from '@quire/protocol';
import { createSilentLogger } from '../logger.ts';
import { roomLimitsOf, SYNC_SERVER_DEFAULTS } from '../server-options.ts';
import { ClientReplica, HeldStore, fakeConnection, turns, type FakeSocket } from '../../test/helpers/room-kit.ts';
import { MAX_PRE_AUTH_MESSAGES } from './inbox.ts';
import { Room } from './room.ts';

const rooms: Room[] = [];
afterEach(() => {
  for (const room of rooms.splice(0)) room.destroy();
});

function openRoom(held: HeldStore, docName = 'doc'): Room {
  const room = new Room({
    docName,
    store: held.store,
    logger: createSilentLogger(),
    onFailed: () => undefined,
    limits: roomLimitsOf(SYNC_SERVER_DEFAULTS),
  });
  rooms.push(room);
  return room;
}

/** Each client's edit as a sync update: `counter` set to 0, 1, 2… in order. */
function counterEdits(count: number): Uint8Array[] {
  const client = new ClientReplica();
  return Array.from({ length: count }, (_, index) => encodeSyncUpdate(client.edit((doc) => doc.getMap('m').set('counter', index))));
}

function stepTwoText(socket: FakeSocket): Y.Doc {
  const doc = new Y.Doc();
  for (const message of socket.of('sync-step-2')) Y.applyUpdate(doc, message.update);
  return doc;
}

describe('the inbox', () => {
  it('holds what arrives while the document loads and hands it over in order, after the handshake', async () => {
    const held = new HeldStore();
    held.holdLoads();
    const room = openRoom(held);
    const { connection, socket } = fakeConnection();
    room.addConnection(connection);
    for (const message of counterEdits(20)) room.receive(connection, message);
    room.receive(connection, encodeSyncStep1(new Uint8Array([0])));
    expect(connection.pendingMessages).toHaveLength(21);
    expect(socket.received).toEqual([]);

    held.releaseLoads();
    await room.loaded;
    expect(socket.received[0]?.type).toBe('sync-step-1');
    // The last write wins only if the held updates were applied in order.
    expect(stepTwoText(socket).getMap('m').get('counter')).toBe(19);
    expect(connection.pendingMessages).toHaveLength(0);
  });

  it('counts no clock gap in what was held while the document loaded: the client resyncs instead of a 1008', async () => {
    // A client whose first ten edits the server lost (a write that failed)
    // keeps typing while its room reloads: each held edit lacks history.
    const held = new HeldStore();
    held.holdLoads();
    const room = openRoom(held);
    const { connection, socket } = fakeConnection();
    room.addConnection(connection);
    const edits = counterEdits(20);
    const client = new Y.Doc();
    for (const message of edits.slice(10)) room.receive(connection, message);
    expect(edits.slice(10).length).toBeGreaterThan(roomLimitsOf(SYNC_SERVER_DEFAULTS).maxClockGaps);

    held.releaseLoads();
    await room.loaded;
    expect(socket.closedWith).toBeUndefined();
    // The handshake's step 1 and one for the held gaps, not one per gap.
    expect(socket.of('sync-step-1')).toHaveLength(2);
    // The client answers with everything the server lacks.
    for (const message of edits) {
      const decoded = decodeMessage(message);
      if (decoded.ok && decoded.message.type === 'sync-update') Y.applyUpdate(client, decoded.message.update);
    }
    room.receive(connection, encodeSyncStep2(Y.encodeStateAsUpdate(client, Y.encodeStateVector(room.integrateQueuedChanges()))));
    expect(room.integrateQueuedChanges().getMap('m').get('counter')).toBe(19);
    expect(socket.closedWith).toBeUndefined();
  });

  it('holds what arrives before authorization and hands it over once the connection joins', async () => {
    const held = new HeldStore();
    const room = openRoom(held);
    await room.loaded;
    const { connection, socket } = fakeConnection();
    const [edit] = counterEdits(1);
    connection.holdMessage(edit!, 'auth');
    connection.holdMessage(encodeSyncStep1(new Uint8Array([0])), 'auth');
    room.addConnection(connection);
    expect(socket.received.map((message) => message.type)).toEqual(['sync-step-1', 'sync-step-2']);
    expect(stepTwoText(socket).getMap('m').get('counter')).toBe(0);
  });

  it('closes with 1008 past maxQueuedMessages while the document loads', () => {
    const held = new HeldStore();
    held.holdLoads();
    const room = openRoom(held);
    const { connection, socket } = fakeConnection({ maxQueuedMessages: 3 });
    room.addConnection(connection);
    for (const message of counterEdits(4)) room.receive(connection, message);
    expect(connection.pendingMessages).toHaveLength(3);
    expect(socket.closedWith?.code).toBe(CLOSE_POLICY_VIOLATION.code);
    expect(socket.of('error')).toEqual([{ type: 'error', code: CLOSE_POLICY_VIOLATION.code, reason: 'ERR_QUEUE_FULL' }]);
  });

  it('closes with 1008 past its pre-authorization bound, and never holds more than maxQueuedMessages', () => {
    const early = fakeConnection({ maxQueuedMessages: 1000 });
    const ping = encodeAwareness(new Uint8Array([0]));
    for (let index = 0; index <= MAX_PRE_AUTH_MESSAGES; index++) early.connection.holdMessage(ping, 'auth');
    expect(early.connection.pendingMessages).toHaveLength(MAX_PRE_AUTH_MESSAGES);
    expect(early.socket.of('error')[0]?.reason).toBe('ERR_PRE_AUTH_QUEUE_FULL');

    const small = fakeConnection({ maxQueuedMessages: 2 });
    for (let index = 0; index < 3; index++) small.connection.holdMessage(ping, 'auth');
    expect(small.connection.pendingMessages).toHaveLength(2);
    expect(small.socket.of('error')[0]?.reason).toBe('ERR_QUEUE_FULL');
  });

  it('keeps the edits of a connection that left while the document loaded: applied and stored after the load', async () => {
    const held = new HeldStore();
    held.holdLoads();
    const room = openRoom(held);
    const { connection } = fakeConnection();
    room.addConnection(connection);
    for (const message of counterEdits(3)) room.receive(connection, message);
    room.receive(connection, encodeAwareness(new Uint8Array([0])));
    room.removeConnection(connection);
    expect(room.connections.size).toBe(0);

    held.releaseLoads();
    await room.flush();
    expect(room.doc.getMap('m').get('counter')).toBe(2);
    const stored = new Y.Doc();
    Y.applyUpdate(stored, (await held.inner.load('doc'))!.update);
    expect(stored.getMap('m').get('counter')).toBe(2);
    expect(room.awareness.getStates().size).toBe(0);
  });
});

describe('acknowledgements through the room', () => {
  it('follow the appends: a later update stored first is not acknowledged before the earlier one', async () => {
    const held = new HeldStore();
    const room = openRoom(held);
    await room.loaded;
    held.holdingAppends = true;
    const { connection, socket } = fakeConnection();
    room.addConnection(connection);
    const client = new ClientReplica();
    room.receive(connection, encodeSyncUpdate(client.type('one')));
    // Turns enough for the store to have taken the first batch: the second is another.
    await turns();
    room.receive(connection, encodeSyncUpdate(client.type(' two')));
    // A join with nothing new is acknowledged after both.
    room.receive(connection, encodeSyncStep2(Y.encodeStateAsUpdate(new Y.Doc())));
    await turns();
    expect(held.heldBatches).toBe(2);

    held.release(1);
    await turns();
    expect(socket.saved).toEqual([]);
    held.release(0);
    await turns();
    expect(socket.saved).toEqual([3]);
  });
});

describe('the document', () => {
  it('is read without side effects; integrateQueuedChanges integrates what was accepted this turn', async () => {
    const room = openRoom(new HeldStore());
    await room.loaded;
    const { connection } = fakeConnection();
    room.addConnection(connection);
    room.receive(connection, encodeSyncUpdate(new ClientReplica().type('queued')));
    expect(room.doc.getText('t').toString()).toBe('');
    expect(room.doc.getText('t').toString()).toBe('');
    expect(room.integrateQueuedChanges().getText('t').toString()).toBe('queued');
    expect(room.appendedUpdates).toBe(1);
  });
});
