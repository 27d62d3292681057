import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { createRoomDocument } from './room-document.ts';

describe('createRoomDocument', () => {
  it('emits to listeners as Yjs does: updates, observers, destroy', () => {
    const doc = createRoomDocument();
    const updates: Uint8Array[] = [];
    const observed: string[] = [];
    doc.on('update', (update: Uint8Array) => updates.push(update));
    doc.on('afterTransaction', () => observed.push('afterTransaction'));
    doc.getText('text').observe(() => observed.push('text'));
    doc.getText('text').insert(0, 'hello');
    expect(updates).toHaveLength(1);
    expect(observed).toEqual(['text', 'afterTransaction']);
    const replica = new Y.Doc();
    Y.applyUpdate(replica, updates[0]!);
    expect(replica.getText('text').toString()).toBe('hello');
    let destroyed = false;
    doc.on('destroy', () => (destroyed = true));
    doc.destroy();
    expect(destroyed).toBe(true);
  });

  it('calls only the listeners there were when the event began, and none after they are removed', () => {
    const doc = createRoomDocument();
    const calls: string[] = [];
    const late = (): void => void calls.push('late');
    const first = (): void => {
      calls.push('first');
      doc.on('update', late);
    };
    doc.on('update', first);
    doc.getText('text').insert(0, 'a');
    expect(calls).toEqual(['first']);
    doc.off('update', first);
    doc.getText('text').insert(0, 'b');
    expect(calls).toEqual(['first', 'late']);
    doc.off('update', late);
    doc.getText('text').insert(0, 'c');
    expect(calls).toEqual(['first', 'late']);
    expect(doc.getText('text').toString()).toBe('cba');
  });
});
