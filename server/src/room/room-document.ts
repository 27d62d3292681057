import * as Y from 'yjs';

type Listener = (...args: unknown[]) => void;

let roomDocuments = 0;

/**
 * The Y.Doc a room keeps. Yjs emits about six events per transaction
 * (before and after it, around observer calls, at cleanup), and lib0's
 * `emit` allocates a Map and an array for each even when nothing listens,
 * which a room's document mostly does not: that garbage was a visible part
 * of applying an update. This emit returns at once when no one listens and
 * otherwise behaves as lib0's: listeners are copied first, so one added
 * during the call is not called.
 */
export function createRoomDocument(): Y.Doc {
  // A guid of our own: Yjs's default is a random UUID made of about thirty
  // separate random draws, each with its own typed array. The guid only names subdocuments'
  // parents in memory; it is never sent or stored.
  const doc = new Y.Doc({ gc: true, guid: `quire-room-${++roomDocuments}` });
  const observers = (): Map<string, Set<Listener>> => (doc as unknown as { _observers: Map<string, Set<Listener>> })._observers;
  const emit = (name: string, args: unknown[]): void => {
    const listeners = observers().get(name);
    if (listeners === undefined || listeners.size === 0) return;
    for (const listener of Array.from(listeners)) listener(...args);
  };
  (doc as unknown as { emit: typeof emit }).emit = emit;
  return doc;
}
