import type { Awareness } from 'y-protocols/awareness';
import type { EventTargetLike, QuireProvider } from '@quire/provider';
import { connectionStateOf, type ConnectionState } from './connection-state.ts';
import { presenceOf, samePresence, type PresenceEntry } from './presence.ts';
import { saveStateOf, type SaveState } from './save-state.ts';

/** Everything a status bar shows, as one immutable snapshot. */
export interface EditorStatus {
  readonly connection: ConnectionState;
  readonly save: SaveState;
  /** Local edits the server has not yet confirmed as stored. */
  readonly unsavedChanges: number;
  /** The editor holds everything the server had, as of the current connection. */
  readonly synced: boolean;
}

export type StatusListener = (status: EditorStatus) => void;
export type PresenceListener = (presence: readonly PresenceEntry[]) => void;

export interface StatusTrackerOptions {
  readonly provider: Pick<QuireProvider, 'status' | 'synced' | 'unsavedChanges' | 'on' | 'off'>;
  readonly awareness: Awareness;
  /** Where `online`/`offline` events come from; null ignores them. */
  readonly onlineTarget: EventTargetLike | null;
  /** Whether the browser believes it is online. */
  readonly isBrowserOnline: () => boolean;
}

function sameStatus(a: EditorStatus, b: EditorStatus): boolean {
  return a.connection === b.connection && a.save === b.save && a.unsavedChanges === b.unsavedChanges && a.synced === b.synced;
}

/**
 * Follows a provider, its awareness and the browser's online state, and
 * tells listeners when the status or the presence list actually changed.
 */
export class StatusTracker {
  private failedSinceSync = false;
  private currentStatus: EditorStatus;
  private currentPresence: readonly PresenceEntry[];
  private readonly statusListeners = new Set<StatusListener>();
  private readonly presenceListeners = new Set<PresenceListener>();
  private destroyed = false;

  constructor(private readonly options: StatusTrackerOptions) {
    this.currentStatus = this.compute();
    this.currentPresence = presenceOf(options.awareness);
    const { provider, awareness, onlineTarget } = options;
    provider.on('status', this.refresh);
    provider.on('sync', this.handleSync);
    provider.on('unsaved-changes', this.refresh);
    provider.on('connection-close', this.handleClose);
    awareness.on('change', this.refreshPresence);
    onlineTarget?.addEventListener('online', this.refresh);
    onlineTarget?.addEventListener('offline', this.refresh);
  }

  get status(): EditorStatus {
    return this.currentStatus;
  }

  get presence(): readonly PresenceEntry[] {
    return this.currentPresence;
  }

  onStatus(listener: StatusListener): () => void {
    this.statusListeners.add(listener);
    return () => this.statusListeners.delete(listener);
  }

  onPresence(listener: PresenceListener): () => void {
    this.presenceListeners.add(listener);
    return () => this.presenceListeners.delete(listener);
  }

  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    const { provider, awareness, onlineTarget } = this.options;
    provider.off('status', this.refresh);
    provider.off('sync', this.handleSync);
    provider.off('unsaved-changes', this.refresh);
    provider.off('connection-close', this.handleClose);
    awareness.off('change', this.refreshPresence);
    onlineTarget?.removeEventListener('online', this.refresh);
    onlineTarget?.removeEventListener('offline', this.refresh);
    this.statusListeners.clear();
    this.presenceListeners.clear();
  }

  private compute(): EditorStatus {
    const { provider, isBrowserOnline } = this.options;
    const connection = connectionStateOf({
      providerStatus: provider.status,
      synced: provider.synced,
      browserOnline: isBrowserOnline(),
      failedSinceSync: this.failedSinceSync,
    });
    return {
      connection,
      save: saveStateOf(provider.unsavedChanges, connection),
      unsavedChanges: provider.unsavedChanges,
      synced: provider.synced,
    };
  }

  private readonly refresh = (): void => {
    if (this.destroyed) return;
    const next = this.compute();
    if (sameStatus(next, this.currentStatus)) return;
    this.currentStatus = next;
    for (const listener of [...this.statusListeners]) listener(next);
  };

  private readonly handleSync = (synced: boolean): void => {
    if (synced) this.failedSinceSync = false;
    this.refresh();
  };

  private readonly handleClose = (): void => {
    this.failedSinceSync = true;
    this.refresh();
  };

  private readonly refreshPresence = (): void => {
    if (this.destroyed) return;
    const next = presenceOf(this.options.awareness);
    if (samePresence(next, this.currentPresence)) return;
    this.currentPresence = next;
    for (const listener of [...this.presenceListeners]) listener(next);
  };
}
