import * as Y from 'yjs';
import { listenersOf, replaceEmit } from './ydoc-internals.ts';

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
  const listeners = listenersOf(doc);
  replaceEmit(doc, (name, args) => {
    const named = listeners.get(name);
    if (named === undefined || named.size === 0) return;
    for (const listener of Array.from(named)) listener(...args);
  });
  return doc;
}
