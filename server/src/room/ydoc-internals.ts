import type * as Y from 'yjs';

// Yjs's Y.Doc is a lib0 Observable: its listeners live in the private
// `_observers` map and every event goes through its `emit` method. The room
// document replaces `emit` (room-document.ts) and reads the map; this file
// is the only place that touches them, and ydoc-internals.test.ts fails by
// name when they change.

export type Listener = (...args: unknown[]) => void;

/** The document's listeners by event name, as lib0's Observable keeps them. */
export function listenersOf(doc: Y.Doc): Map<string, Set<Listener>> {
  const observers = (doc as unknown as { _observers?: unknown })._observers;
  if (!(observers instanceof Map)) {
    throw new Error('yjs internals changed: Y.Doc._observers is no longer a Map of listener sets (server/src/room/ydoc-internals.ts)');
  }
  return observers as Map<string, Set<Listener>>;
}

/** Replaces the method every event of the document goes through. */
export function replaceEmit(doc: Y.Doc, emit: (name: string, args: unknown[]) => void): void {
  if (typeof (doc as unknown as { emit?: unknown }).emit !== 'function') {
    throw new Error('yjs internals changed: Y.Doc has no emit method to replace (server/src/room/ydoc-internals.ts)');
  }
  (doc as unknown as { emit: typeof emit }).emit = emit;
}
