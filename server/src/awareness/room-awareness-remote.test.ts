import * as Y from 'yjs';
import * as awarenessProtocol from 'y-protocols/awareness';
import * as encoding from 'lib0/encoding';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { RoomAwareness } from './room-awareness.ts';
import { decodeAwarenessUpdate } from './awareness-guard.ts';
import { LOCAL_PUBLISH_INTERVAL_MS } from './local-awareness-outbox.ts';
import type { Connection } from '../room/connection.ts';
import type { SharedMessage } from '../room/shared-message.ts';
import type { AwarenessLimits } from './awareness-guard.ts';

/** A connection as RoomAwareness uses it, counting what the fan-out sends it. */
function fakeConnection(id: number): Connection & { readonly received: Uint8Array[] } {
  const received: Uint8Array[] = [];
  const connection = {
    id,
    awarenessIntervalMs: 0,
    isClosed: false,
    received,
    send: (message: Uint8Array) => received.push(message),
    sendShared: (message: SharedMessage) => received.push(message.bytes),
  };
  return connection as unknown as Connection & { readonly received: Uint8Array[] };
}

/** A client's Awareness with a fixed client ID and a state set twice (a clock above 0). */
function client(clientId: number, state: Record<string, unknown>): awarenessProtocol.Awareness {
  const doc = new Y.Doc();
  doc.clientID = clientId;
  const awareness = new awarenessProtocol.Awareness(doc);
  awareness.setLocalState(state);
  return awareness;
}

const updateOf = (awareness: awarenessProtocol.Awareness): Uint8Array =>
  awarenessProtocol.encodeAwarenessUpdate(awareness, [awareness.clientID]);

function entriesOf(update: Uint8Array | undefined): { clientId: number; clock: number; state: unknown }[] {
  if (update === undefined) return [];
  const decoded = decodeAwarenessUpdate(update);
  if (!decoded.ok) throw new Error(decoded.detail);
  return decoded.entries.map((entry) => ({ clientId: entry.clientId, clock: entry.clock, state: JSON.parse(entry.stateJson) as unknown }));
}

const opened: awarenessProtocol.Awareness[] = [];
afterEach(() => {
  for (const awareness of opened.splice(0)) awareness.destroy();
});

function room(limits: Omit<AwarenessLimits, 'reservedClientIds'> = {}) {
  const awareness = new awarenessProtocol.Awareness(new Y.Doc());
  opened.push(awareness);
  const connections: Connection[] = [];
  const roomAwareness = new RoomAwareness(awareness, limits, { connections, beforeSend: () => undefined });
  const published: Uint8Array[] = [];
  roomAwareness.onLocalUpdate((update) => published.push(update));
  const connect = (id: number) => {
    const connection = fakeConnection(id);
    connections.push(connection);
    return connection;
  };
  return { awareness, roomAwareness, published, connect };
}

describe('RoomAwareness across nodes', () => {
  it('applies another node’s clients, sends them to this node’s connections, and never publishes or encodes them as local', () => {
    const { awareness, roomAwareness, published, connect } = room();
    const viewer = connect(1);
    const remote = client(7, { user: 'remote' });
    opened.push(remote);

    roomAwareness.applyRemote(updateOf(remote));
    expect(awareness.getStates().get(7)).toEqual({ user: 'remote' });
    expect(viewer.received).toHaveLength(1);
    expect(published).toEqual([]);
    expect(roomAwareness.encodeLocal()).toBeUndefined();
  });

  it('ignores malformed or over-limit updates, the room’s own ID and IDs of this node’s connections', () => {
    const { awareness, roomAwareness, connect } = room({ maxStateBytes: 64 });
    const local = connect(1);
    roomAwareness.receive(local, updateOf(client(5, { user: 'local' })));

    roomAwareness.applyRemote(new Uint8Array([1, 2, 3]));
    roomAwareness.applyRemote(updateOf(client(7, { blob: 'x'.repeat(100) })));
    roomAwareness.applyRemote(updateOf(client(awareness.clientID, { ghost: true })));
    const spoof = client(5, { user: 'spoofed' });
    spoof.setLocalState({ user: 'spoofed', again: true });
    roomAwareness.applyRemote(updateOf(spoof));

    expect(awareness.getStates().get(5)).toEqual({ user: 'local' });
    expect(awareness.getStates().has(7)).toBe(false);
    expect(awareness.getLocalState()).toBeNull();
    opened.push(spoof);
  });

  it('holds at most maxEntries remote clients', () => {
    const { awareness, roomAwareness } = room({ maxEntries: 2 });
    for (const clientId of [11, 12, 13]) roomAwareness.applyRemote(updateOf(client(clientId, { n: clientId })));
    expect([...awareness.getStates().keys()].filter((id) => id !== awareness.clientID).sort()).toEqual([11, 12]);
  });

  it('refuses a local connection an ID another node’s client holds, until that client is removed', () => {
    const { awareness, roomAwareness, connect } = room();
    const remote = client(7, { user: 'remote' });
    opened.push(remote);
    roomAwareness.applyRemote(updateOf(remote));

    const impostor = connect(2);
    const forged = client(7, { user: 'forged' });
    forged.setLocalState({ user: 'forged', clock: 'higher' });
    forged.setLocalState({ user: 'forged', clock: 'higher still' });
    opened.push(forged);
    roomAwareness.receive(impostor, updateOf(forged));
    expect(awareness.getStates().get(7)).toEqual({ user: 'remote' });

    roomAwareness.removeRemote([7]);
    expect(awareness.getStates().has(7)).toBe(false);
    forged.setLocalState({ user: 'moved here' });
    roomAwareness.receive(impostor, updateOf(forged));
    expect(awareness.getStates().get(7)).toEqual({ user: 'moved here' });
  });

  it('removeRemote removes only other nodes’ clients and tells this node’s connections', () => {
    const { awareness, roomAwareness, published, connect } = room();
    const local = connect(1);
    roomAwareness.receive(local, updateOf(client(5, { user: 'local' })));
    published.length = 0;
    roomAwareness.applyRemote(updateOf(client(7, { user: 'remote' })));
    const before = local.received.length;

    roomAwareness.removeRemote([5, 7, 99]);
    expect(awareness.getStates().has(7)).toBe(false);
    expect(awareness.getStates().get(5)).toEqual({ user: 'local' });
    expect(local.received.length).toBe(before + 1);
    expect(published).toEqual([]);
  });

  it('takes back a removed remote client its node announces again with the same clock', () => {
    const { awareness, roomAwareness } = room();
    const remote = client(7, { user: 'remote' });
    opened.push(remote);
    roomAwareness.applyRemote(updateOf(remote));
    roomAwareness.removeRemote([7]);
    roomAwareness.applyRemote(updateOf(remote));
    expect(awareness.getStates().get(7)).toEqual({ user: 'remote' });
  });

  it('encodeLocal gives the states of this node’s connections only', () => {
    const { roomAwareness, connect } = room();
    expect(roomAwareness.encodeLocal()).toBeUndefined();
    roomAwareness.receive(connect(1), updateOf(client(5, { user: 'a' })));
    roomAwareness.receive(connect(2), updateOf(client(6, { user: 'b' })));
    roomAwareness.applyRemote(updateOf(client(7, { user: 'remote' })));
    expect(entriesOf(roomAwareness.encodeLocal()).map(({ clientId, state }) => [clientId, state])).toEqual([
      [5, { user: 'a' }],
      [6, { user: 'b' }],
    ]);
  });

  it('publishes this node’s clients’ changes at once, then at most one update per interval with the newest states, and removals on release', async () => {
    const { roomAwareness, published, connect } = room();
    const local = connect(1);
    const own = client(5, { caret: 0 });
    opened.push(own);

    roomAwareness.receive(local, updateOf(own));
    expect(entriesOf(published[0])).toMatchObject([{ clientId: 5, state: { caret: 0 } }]);

    for (let caret = 1; caret <= 5; caret++) {
      own.setLocalState({ caret });
      roomAwareness.receive(local, updateOf(own));
    }
    expect(published).toHaveLength(1);
    await vi.waitFor(() => expect(published).toHaveLength(2), { timeout: LOCAL_PUBLISH_INTERVAL_MS * 10, interval: 5 });
    expect(entriesOf(published[1])).toMatchObject([{ clientId: 5, state: { caret: 5 } }]);

    roomAwareness.release(local);
    await vi.waitFor(() => expect(published).toHaveLength(3), { timeout: LOCAL_PUBLISH_INTERVAL_MS * 10, interval: 5 });
    expect(entriesOf(published[2])).toMatchObject([{ clientId: 5, state: null }]);
  });

  it('publishes a renewal of an unchanged state', () => {
    const { roomAwareness, published, connect } = room();
    const local = connect(1);
    const own = client(5, { caret: 0 });
    opened.push(own);
    roomAwareness.receive(local, updateOf(own));
    published.length = 0;
    // A renewal: the same state with the next clock, as y-protocols sends every 15 s.
    const encoder = encoding.createEncoder();
    encoding.writeVarUint(encoder, 1);
    encoding.writeVarUint(encoder, 5);
    encoding.writeVarUint(encoder, 2);
    encoding.writeVarString(encoder, '{"caret":0}');
    roomAwareness.receive(local, encoding.toUint8Array(encoder));
    return vi.waitFor(() => expect(entriesOf(published.at(-1))).toMatchObject([{ clientId: 5, clock: 2 }]), {
      timeout: LOCAL_PUBLISH_INTERVAL_MS * 10,
      interval: 5,
    });
  });

  it('drops a held update when destroyed', async () => {
    const { roomAwareness, published, connect } = room();
    const local = connect(1);
    const own = client(5, { caret: 0 });
    opened.push(own);
    roomAwareness.receive(local, updateOf(own));
    own.setLocalState({ caret: 1 });
    roomAwareness.receive(local, updateOf(own));
    roomAwareness.destroy();
    await new Promise((resolve) => setTimeout(resolve, LOCAL_PUBLISH_INTERVAL_MS * 3));
    expect(published).toHaveLength(1);
  });
});
