import { ObservableV2 } from 'lib0/observable';
import type { ProviderStatus, QuireProviderEvents, ServerErrorInfo } from './provider-events.ts';

/**
 * The observable part of a provider: each value changes only through its
 * setter, which emits the matching event when — and only when — the value
 * actually changes.
 */
export class ProviderState extends ObservableV2<QuireProviderEvents> {
  private currentStatus: ProviderStatus = 'disconnected';
  private isSynced = false;
  private isSavedSupported = false;
  private lastError: ServerErrorInfo | null = null;

  get status(): ProviderStatus {
    return this.currentStatus;
  }

  /** Whether the doc holds everything the server had, as of the current connection. */
  get synced(): boolean {
    return this.isSynced;
  }

  /** Whether the current server acknowledges saves: it answered a quire.v1 ping or sent a `saved`. */
  get savedSupported(): boolean {
    return this.isSavedSupported;
  }

  /** The last quire.v1 `error` message a server sent before closing, or null. */
  get lastServerError(): ServerErrorInfo | null {
    return this.lastError;
  }

  protected setStatus(status: ProviderStatus): void {
    if (this.currentStatus === status) return;
    this.currentStatus = status;
    this.emit('status', [{ status }]);
  }

  protected setSynced(synced: boolean): void {
    if (this.isSynced === synced) return;
    this.isSynced = synced;
    this.emit('sync', [synced]);
    this.emit('synced', [synced]);
  }

  protected setSavedSupported(supported: boolean): void {
    if (this.isSavedSupported === supported) return;
    this.isSavedSupported = supported;
    this.emit('saved-supported', [supported]);
  }

  protected setLastServerError(error: ServerErrorInfo): void {
    this.lastError = error;
  }
}
