import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { Awareness, applyAwarenessUpdate, encodeAwarenessUpdate } from 'y-protocols/awareness';
import { presenceOf } from './presence.ts';

/** A remote client's awareness state, delivered as it would be over the wire. */
function receiveRemoteState(local: Awareness, state: unknown): number {
  const remote = new Awareness(new Y.Doc());
  remote.setLocalState(state as Record<string, unknown>);
  applyAwarenessUpdate(local, encodeAwarenessUpdate(remote, [remote.clientID]), 'remote');
  remote.destroy();
  return remote.clientID;
}

describe('presenceOf', () => {
  it('lists this tab first, then the others by name, with their colours', () => {
    const awareness = new Awareness(new Y.Doc());
    awareness.setLocalStateField('user', { name: 'Zoe', color: '#112233' });
    const grace = receiveRemoteState(awareness, { user: { name: 'Grace', color: '#0284c7' } });
    const ada = receiveRemoteState(awareness, { user: { name: 'Ada', color: '#e11d48' } });
    expect(presenceOf(awareness)).toEqual([
      { clientId: awareness.clientID, name: 'Zoe', color: '#112233', self: true },
      { clientId: ada, name: 'Ada', color: '#e11d48', self: false },
      { clientId: grace, name: 'Grace', color: '#0284c7', self: false },
    ]);
    awareness.destroy();
  });

  it('leaves out states without a usable user: other clients control them', () => {
    const awareness = new Awareness(new Y.Doc());
    awareness.setLocalState(null);
    const hostile = [
      {},
      { user: null },
      { user: 'Ada' },
      { user: { name: 42, color: '#e11d48' } },
      { user: { name: '   ', color: '#e11d48' } },
      { user: { name: 'Eve', color: 'red; background: url(https://evil.example)' } },
      { user: { name: 'Eve', color: '#e11d48"><script>' } },
    ];
    for (const state of hostile) receiveRemoteState(awareness, state);
    expect(presenceOf(awareness)).toEqual([]);
    awareness.destroy();
  });

  it('cuts long names to 64 characters, counting characters, not UTF-16 units', () => {
    const awareness = new Awareness(new Y.Doc());
    awareness.setLocalState(null);
    receiveRemoteState(awareness, { user: { name: '😀'.repeat(100), color: '#e11d48' } });
    const [entry] = presenceOf(awareness);
    expect(Array.from(entry?.name ?? '')).toHaveLength(64);
    awareness.destroy();
  });
});
