import * as Y from 'yjs';
import { concatenateUpdates, type UpdateInspection } from '@quire/yjs-update';

/** A change of new structs only (update-admission.ts, onlyNewStructs), checked and waiting to be integrated. */
export interface QueuedChange<Source> {
  readonly update: Uint8Array;
  readonly inspection: UpdateInspection;
  /** Who sent it and what the room needs afterwards; the queue does not read it. */
  readonly source: Source;
}

/** A change Yjs threw on partway: what it integrated, as an update. */
export interface FailedChange<Source, Change extends QueuedChange<Source> = QueuedChange<Source>> {
  readonly change: Change;
  readonly integrated: Uint8Array;
  readonly error: unknown;
}

/** What one end-of-turn apply did. */
export interface AppliedTurn<Source, Change extends QueuedChange<Source> = QueuedChange<Source>> {
  /** Every change of the turn, in arrival order, failed ones included. */
  readonly changes: readonly Change[];
  readonly failures: readonly FailedChange<Source, Change>[];
  /**
   * The changes joined into one update, when they were integrated as such
   * (then none failed): it holds exactly what they hold, so it may be stored
   * in their place.
   */
  readonly joined: Uint8Array | undefined;
  readonly seconds: number;
}

/**
 * Integrates the turn's changes of new structs in one Yjs transaction at the
 * end of the event-loop turn. Yjs allocates a transaction's bookkeeping (its
 * maps of before and after states, changed types, delete set) per
 * transaction, not per change: one per turn instead of one per keystroke is
 * most of the garbage a busy room made.
 *
 * Until then, the document lags behind what the room accepted. `clockOf`
 * answers with the queued changes counted, so the checks of the next change
 * see them; anything that reads the document itself calls `applyAll` first
 * (the room's `integrateQueuedChanges`).
 * Changes are integrated in arrival order, so one that builds on an earlier
 * queued change finds it in place.
 */
export class TurnApplyQueue<Source, Change extends QueuedChange<Source> = QueuedChange<Source>> {
  private queue: Change[] = [];
  /** Each queued client's clock once the queue is integrated; made on the first change (most open rooms are idle). */
  private queuedClocks: Map<number, number> | undefined;
  private scheduled: NodeJS.Immediate | undefined;

  constructor(
    private readonly doc: Y.Doc,
    private readonly onApplied: (turn: AppliedTurn<Source, Change>) => void,
    /** Called instead of onApplied when the transaction itself threw (not one change): nothing of the turn is known to be integrated. */
    private readonly onTurnFailed: (error: unknown) => void,
  ) {}

  /** The document's clock for a client, queued changes included. */
  clockOf(clientId: number): number {
    return this.queuedClocks?.get(clientId) ?? Y.getState(this.doc.store, clientId);
  }

  /** Queues a change whose structs start, for every client in it, at `clockOf`. */
  add(change: Change): void {
    this.queue.push(change);
    const queuedClocks = (this.queuedClocks ??= new Map());
    for (const [clientId, range] of change.inspection.clients) queuedClocks.set(clientId, range.endClock);
    this.scheduled ??= setImmediate(this.applyAll);
  }

  /** Integrates every queued change now (a no-op when none is queued). */
  readonly applyAll = (): void => {
    if (this.scheduled !== undefined) {
      clearImmediate(this.scheduled);
      this.scheduled = undefined;
    }
    if (this.queue.length === 0) return;
    const changes = this.queue;
    this.queue = [];
    this.queuedClocks?.clear();
    const failures: FailedChange<Source, Change>[] = [];
    let joined: Uint8Array | undefined;
    const start = performance.now();
    try {
      // Each applyUpdate joins the enclosing transaction.
      Y.transact(this.doc, () => {
        joined = this.applyJoined(changes);
        if (joined !== undefined) return;
        for (const change of changes) {
          try {
            Y.applyUpdate(this.doc, change.update);
          } catch (error) {
            failures.push({ change, integrated: this.integratedPart(change.inspection), error });
          }
        }
      });
    } catch (error) {
      this.onTurnFailed(error);
      return;
    }
    this.onApplied({ changes, failures, joined, seconds: (performance.now() - start) / 1000 });
  };

  /**
   * Integrates the changes as one update when they join (they should: each
   * starts where the queue had left its clients): Yjs then reads one update
   * instead of one per change, each read allocating its own maps. Returns
   * the joined update; undefined when they do not join, or Yjs stopped
   * partway: the caller then applies them one by one, and Yjs skips whatever
   * of them is already in place.
   */
  private applyJoined(changes: readonly Change[]): Uint8Array | undefined {
    if (changes.length < 2) return undefined;
    const joined = concatenateUpdates(changes);
    if (joined === undefined) return undefined;
    try {
      Y.applyUpdate(this.doc, joined);
      return joined;
    } catch {
      return undefined;
    }
  }

  /** Drops the queued changes unapplied. */
  clear(): void {
    if (this.scheduled !== undefined) clearImmediate(this.scheduled);
    this.scheduled = undefined;
    this.queue = [];
    this.queuedClocks?.clear();
  }

  /**
   * What a change Yjs stopped on integrated (inspection should have refused
   * it): its clients' structs from where the change started, and the
   * delete set, as its update event would have had them.
   */
  private integratedPart(inspection: UpdateInspection): Uint8Array {
    const before = new Map<number, number>();
    for (const clientId of this.doc.store.clients.keys()) before.set(clientId, Y.getState(this.doc.store, clientId));
    for (const [clientId, range] of inspection.clients) before.set(clientId, range.firstClock);
    return Y.encodeStateAsUpdate(this.doc, Y.encodeStateVector(before));
  }
}
