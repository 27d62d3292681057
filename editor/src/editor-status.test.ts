import { describe, expect, it } from 'vitest';
import { ObservableV2 } from 'lib0/observable';
import * as Y from 'yjs';
import { Awareness, applyAwarenessUpdate, encodeAwarenessUpdate, removeAwarenessStates } from 'y-protocols/awareness';
import type { ProviderStatus, QuireProviderEvents } from '@quire/provider';
import { StatusTracker, type EditorStatus } from './editor-status.ts';
import type { PresenceEntry } from './presence.ts';

/** The provider's observable surface, driven by hand: the tracker sees only its events and getters. */
class ProviderDouble extends ObservableV2<QuireProviderEvents> {
  status: ProviderStatus = 'connecting';
  synced = false;
  unsavedChanges = 0;

  setStatus(status: ProviderStatus): void {
    this.status = status;
    this.emit('status', [{ status }]);
  }

  setSynced(synced: boolean): void {
    this.synced = synced;
    this.emit('sync', [synced]);
  }

  setUnsaved(count: number): void {
    this.unsavedChanges = count;
    this.emit('unsaved-changes', [count]);
  }

  closeConnection(): void {
    this.synced = false;
    this.status = 'connecting';
    this.emit('status', [{ status: 'connecting' }]);
    this.emit('connection-close', [
      { url: 'ws://x/doc', cause: 'remote', code: 1006, reason: '', serverError: null, reconnectDelayMs: 100 },
    ]);
  }
}

class OnlineTarget extends EventTarget {
  online = true;
  set(online: boolean): void {
    this.online = online;
    this.dispatchEvent(new Event(online ? 'online' : 'offline'));
  }
}

function setup() {
  const provider = new ProviderDouble();
  const awareness = new Awareness(new Y.Doc());
  const onlineTarget = new OnlineTarget();
  const tracker = new StatusTracker({ provider, awareness, onlineTarget, isBrowserOnline: () => onlineTarget.online });
  const statuses: EditorStatus[] = [];
  const presences: (readonly PresenceEntry[])[] = [];
  tracker.onStatus((status) => statuses.push(status));
  tracker.onPresence((presence) => presences.push(presence));
  return { provider, awareness, onlineTarget, tracker, statuses, presences };
}

describe('StatusTracker', () => {
  it('goes connecting → connected, and saving → saved as edits are acknowledged', () => {
    const { provider, tracker, statuses } = setup();
    expect(tracker.status).toEqual({ connection: 'connecting', save: 'saved', unsavedChanges: 0, synced: false });
    provider.setStatus('connected');
    provider.setSynced(true);
    provider.setUnsaved(2);
    provider.setUnsaved(0);
    expect(statuses.map((status) => `${status.connection}/${status.save}`)).toEqual([
      'connected/saved',
      'connected/saving',
      'connected/saved',
    ]);
  });

  it('shows offline after a lost connection until the next sync, with edits kept as unsaved', () => {
    const { provider, tracker } = setup();
    provider.setStatus('connected');
    provider.setSynced(true);
    provider.closeConnection();
    provider.setUnsaved(1);
    expect(tracker.status).toMatchObject({ connection: 'offline', save: 'unsaved', unsavedChanges: 1 });
    provider.setStatus('connected');
    expect(tracker.status.connection).toBe('connecting');
    provider.setSynced(true);
    expect(tracker.status).toMatchObject({ connection: 'connected', save: 'saving' });
    provider.setUnsaved(0);
    expect(tracker.status).toMatchObject({ connection: 'connected', save: 'saved' });
  });

  it('follows the browser going offline and online', () => {
    const { provider, onlineTarget, tracker } = setup();
    provider.setStatus('connected');
    provider.setSynced(true);
    onlineTarget.set(false);
    expect(tracker.status.connection).toBe('offline');
    onlineTarget.set(true);
    expect(tracker.status.connection).toBe('connected');
  });

  it('tells listeners only about real changes', () => {
    const { provider, statuses } = setup();
    provider.setUnsaved(0);
    provider.setStatus('connecting');
    expect(statuses).toEqual([]);
  });

  it('reports people coming and going', () => {
    const { awareness, tracker, presences } = setup();
    awareness.setLocalStateField('user', { name: 'Ada', color: '#e11d48' });
    const remote = new Awareness(new Y.Doc());
    remote.setLocalStateField('user', { name: 'Grace', color: '#0284c7' });
    applyAwarenessUpdate(awareness, encodeAwarenessUpdate(remote, [remote.clientID]), 'remote');
    expect(tracker.presence.map((entry) => entry.name)).toEqual(['Ada', 'Grace']);
    removeAwarenessStates(awareness, [remote.clientID], 'remote');
    expect(presences.map((presence) => presence.map((entry) => entry.name))).toEqual([['Ada'], ['Ada', 'Grace'], ['Ada']]);
    remote.destroy();
    awareness.destroy();
  });

  it('removes every listener it added on destroy', () => {
    const { provider, awareness, onlineTarget, tracker, statuses } = setup();
    const before = { status: provider._observers.get('status')?.size ?? 0 };
    expect(before.status).toBe(1);
    tracker.destroy();
    for (const event of ['status', 'sync', 'unsaved-changes', 'connection-close'] as const) {
      expect(provider._observers.get(event)?.size ?? 0).toBe(0);
    }
    // lib0's Observable, which Awareness extends, types its listener sets as `any`.
    expect((awareness._observers.get('change') as Set<unknown> | undefined)?.size ?? 0).toBe(0);
    onlineTarget.set(false);
    provider.setStatus('connected');
    expect(statuses).toEqual([]);
    awareness.destroy();
  });
});
