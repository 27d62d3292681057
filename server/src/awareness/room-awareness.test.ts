import * as Y from 'yjs';
import * as awarenessProtocol from 'y-protocols/awareness';
import { afterEach, describe, expect, it } from 'vitest';
import { removeOutdatedStates, RoomAwareness } from './room-awareness.ts';

/** A server-side Awareness holding one remote client's state, received at `Date.now()`. */
function awarenessWithRemoteState(remoteClientId: number): awarenessProtocol.Awareness {
  const awareness = new awarenessProtocol.Awareness(new Y.Doc());
  awareness.setLocalState(null);
  const remote = new awarenessProtocol.Awareness(new Y.Doc());
  remote.clientID = remoteClientId;
  // Twice: a first state at clock 0 is not news to a peer that never saw the client.
  remote.setLocalState({ user: 'remote' });
  remote.setLocalState({ user: 'remote' });
  awarenessProtocol.applyAwarenessUpdate(awareness, awarenessProtocol.encodeAwarenessUpdate(remote, [remoteClientId]), 'test');
  remote.destroy();
  return awareness;
}

describe('outdated awareness states', () => {
  const opened: awarenessProtocol.Awareness[] = [];
  afterEach(() => {
    for (const awareness of opened.splice(0)) awareness.destroy();
  });

  it('keeps a state renewed within outdatedTimeout and removes it after, as y-protocols would', () => {
    const awareness = awarenessWithRemoteState(7);
    opened.push(awareness);
    const receivedAt = awareness.meta.get(7)!.lastUpdated;
    const removed: number[] = [];
    awareness.on('update', ({ removed: ids }: { removed: number[] }) => removed.push(...ids));

    removeOutdatedStates(awareness, receivedAt + awarenessProtocol.outdatedTimeout - 1);
    expect(awareness.getStates().has(7)).toBe(true);

    removeOutdatedStates(awareness, receivedAt + awarenessProtocol.outdatedTimeout);
    expect(awareness.getStates().has(7)).toBe(false);
    expect(removed).toEqual([7]);
  });

  it('never touches the room’s own client ID', () => {
    const awareness = awarenessWithRemoteState(7);
    opened.push(awareness);
    awareness.setLocalState({ own: true });
    removeOutdatedStates(awareness, Date.now() + 10 * awarenessProtocol.outdatedTimeout);
    expect(awareness.getLocalState()).toEqual({ own: true });
    expect(awareness.getStates().has(7)).toBe(false);
  });

  it('a room stops its Awareness’s own interval and still ends cleanly when destroyed', () => {
    const awareness = new awarenessProtocol.Awareness(new Y.Doc());
    new RoomAwareness(awareness, {});
    // A cleared Node timer is marked destroyed; y-protocols' would still be armed.
    expect((awareness._checkInterval as { _destroyed: boolean })._destroyed).toBe(true);
    awareness.destroy();
  });
});
