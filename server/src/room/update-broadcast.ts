import { encodeSyncUpdate } from '@quire/protocol';
import {
  concatenateUpdates,
  inspectUpdate,
  type InspectedUpdate,
  type ResolvedUpdateLimits,
  type UpdateInspection,
} from '@quire/yjs-update';
import { SharedMessage } from './shared-message.ts';

/** A connection as the broadcast sees it. */
export interface BroadcastReceiver {
  sendShared(message: SharedMessage, now: number): void;
}

interface QueuedUpdate {
  readonly update: Uint8Array;
  readonly origin: unknown;
  /** Undefined until needed; null when the update cannot be inspected (then it is never joined). */
  inspection: UpdateInspection | null | undefined;
}

/**
 * The document changes a room takes in during one event-loop turn, sent to
 * the room's other connections once the turn's socket reads are done
 * (`setImmediate` runs right after the poll phase, so nothing waits for a
 * timer). When several changes are queued, each receiver gets them as one
 * update: one frame and one socket write instead of one per change. A room
 * whose last busy turn brought a single change sends the next one at once
 * (see `add`), so a lone writer's edits are not held back at all.
 *
 * A receiver never gets its own changes back: a connection whose changes are
 * in the batch gets a join of everyone else's. Joining copies bytes
 * (`concatenateUpdates`); where that is not possible, the changes go out one
 * by one, in the order they were applied.
 */
export class UpdateBroadcast {
  private queued: QueuedUpdate[] = [];
  /** Changes added since the current turn began; 0 when none has been this turn. */
  private turnChanges = 0;
  /** How many changes the last turn that had any brought. */
  private previousTurnChanges = 0;

  constructor(
    private readonly receivers: Iterable<BroadcastReceiver>,
    private readonly limits: ResolvedUpdateLimits,
  ) {}

  /**
   * Sends a change, or queues it for the end of the turn; `inspection` saves
   * inspecting it again should it be joined. The first change of a turn goes
   * out at once when the previous turn brought only one (one person typing:
   * nothing to join, so no reason to wait); otherwise changes wait for the
   * turn's end to be joined.
   */
  add(update: Uint8Array, origin: unknown, inspection?: UpdateInspection): void {
    if (this.turnChanges++ === 0) {
      setImmediate(this.endTurn);
      if (this.previousTurnChanges <= 1) {
        this.sendOne(update, origin, Date.now());
        return;
      }
    }
    this.queued.push({ update, origin, inspection });
  }

  /** Drops what is queued (the room stopped serving). */
  clear(): void {
    this.queued = [];
  }

  /** Sends what is queued now: at the end of the turn, and before anything that must follow it. */
  flush(): void {
    const queued = this.queued;
    if (queued.length === 0) return;
    this.queued = [];
    const now = Date.now();
    if (queued.length === 1) this.sendOne(queued[0]!.update, queued[0]!.origin, now);
    else this.sendBatch(queued, now);
  }

  private readonly endTurn = (): void => {
    this.flush();
    this.previousTurnChanges = this.turnChanges;
    this.turnChanges = 0;
  };

  private sendOne(update: Uint8Array, origin: unknown, now: number): void {
    const message = new SharedMessage(encodeSyncUpdate(update));
    for (const receiver of this.receivers) {
      if (receiver !== origin) receiver.sendShared(message, now);
    }
  }

  private sendBatch(queued: readonly QueuedUpdate[], now: number): void {
    const singles: (SharedMessage | undefined)[] = [];
    const single = (index: number): SharedMessage =>
      (singles[index] ??= new SharedMessage(encodeSyncUpdate(queued[index]!.update)));
    let whole: SharedMessage | null | undefined;
    for (const receiver of this.receivers) {
      const others: number[] = [];
      for (let index = 0; index < queued.length; index++) {
        if (queued[index]!.origin !== receiver) others.push(index);
      }
      if (others.length === 0) continue;
      let joined: SharedMessage | null;
      if (others.length === queued.length) joined = whole === undefined ? (whole = this.join(queued)) : whole;
      else if (others.length === 1) joined = single(others[0]!);
      else joined = this.join(others.map((index) => queued[index]!));
      if (joined !== null) receiver.sendShared(joined, now);
      else for (const index of others) receiver.sendShared(single(index), now);
    }
  }

  private join(entries: readonly QueuedUpdate[]): SharedMessage | null {
    const inspected: InspectedUpdate[] = [];
    for (const entry of entries) {
      if (entry.inspection === undefined) {
        // A change Yjs encoded (not the client's bytes): inspected only now that it may be joined.
        const result = inspectUpdate(entry.update, this.limits);
        entry.inspection = result.ok ? result : null;
      }
      if (entry.inspection === null) return null;
      inspected.push({ update: entry.update, inspection: entry.inspection });
    }
    const update = concatenateUpdates(inspected);
    return update === undefined ? null : new SharedMessage(encodeSyncUpdate(update));
  }
}
