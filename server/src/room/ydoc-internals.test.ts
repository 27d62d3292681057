import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { listenersOf, replaceEmit } from './ydoc-internals.ts';

// Pins the Yjs internals the room document relies on (see ydoc-internals.ts).
describe('Y.Doc internals the room document relies on', () => {
  it('keeps its listeners in _observers, one Set per event, the same Map for the life of the document', () => {
    const doc = new Y.Doc();
    const listeners = listenersOf(doc);
    const onUpdate = (): void => undefined;
    doc.on('update', onUpdate);
    expect(listeners.get('update')).toBeInstanceOf(Set);
    expect(listeners.get('update')!.has(onUpdate)).toBe(true);
    doc.off('update', onUpdate);
    expect(listeners.get('update')?.has(onUpdate) ?? false).toBe(false);
    expect(listenersOf(doc)).toBe(listeners);
  });

  it('sends every event through emit, so a replaced emit sees them all', () => {
    const doc = new Y.Doc();
    const seen: string[] = [];
    replaceEmit(doc, (name) => seen.push(name));
    // Yjs encodes an update only while someone listens for one.
    doc.on('update', () => undefined);
    doc.getText('text').insert(0, 'a');
    doc.destroy();
    expect(seen).toEqual(expect.arrayContaining(['beforeTransaction', 'afterTransaction', 'update', 'destroy']));
  });
});
