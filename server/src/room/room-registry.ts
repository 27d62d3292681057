import type * as Y from 'yjs';
import type { CloseCode } from '@quire/protocol';
import type { DocumentStore } from '@quire/storage';
import type { Logger } from '../logger.ts';
import type { ServerMetrics } from '../metrics/server-metrics.ts';
import { ServerError } from '../server-error.ts';
import type { NodeLink } from './document-link.ts';
import type { RoomEventSink } from './room-events.ts';
import { Room, type RoomLimits } from './room.ts';
import type { OutsideChange } from './update-channel.ts';

// Appends since load below which a log is left as is on unload: merging a
// handful of entries at the next load costs less than a compaction now.
const COMPACT_ON_UNLOAD_AFTER = 16;

export interface RoomRegistryOptions {
  readonly store: DocumentStore;
  readonly logger: Logger;
  readonly metrics?: ServerMetrics;
  /** How long an empty room stays loaded, in case someone comes back. */
  readonly roomIdleMs: number;
  /** Document-level limits every room enforces. */
  readonly roomLimits: RoomLimits;
  /** Told by every room when its document is loaded, changed and stored (room-events.ts). */
  readonly events?: RoomEventSink;
  /** How rooms reach the other nodes serving their documents; absent on a single node. */
  readonly link?: NodeLink;
}

/**
 * The open documents. A room is created on first use and unloaded (after its
 * writes are flushed) once it has been empty for `roomIdleMs`, so memory
 * follows active documents.
 */
export class RoomRegistry {
  private readonly rooms = new Map<string, Room>();
  private readonly idleTimers = new Map<Room, NodeJS.Timeout>();
  private readonly unloading = new Set<Promise<void>>();
  /** Rooms kept open by server-side changes in progress, with how many. */
  private readonly inUse = new Map<Room, number>();
  private closed = false;
  private readonly options: RoomRegistryOptions;

  constructor(options: RoomRegistryOptions) {
    this.options = options;
  }

  get size(): number {
    return this.rooms.size;
  }

  get(docName: string): Room | undefined {
    return this.rooms.get(docName);
  }

  values(): IterableIterator<Room> {
    return this.rooms.values();
  }

  /** The room for `docName`, created and loading if it was not open. */
  acquire(docName: string): Room {
    let room = this.rooms.get(docName);
    if (room === undefined) {
      room = new Room({
        docName,
        store: this.options.store,
        logger: this.options.logger,
        onFailed: (failed) => this.forget(failed),
        ...(this.options.metrics === undefined ? {} : { metrics: this.options.metrics }),
        limits: this.options.roomLimits,
        ...(this.options.events === undefined ? {} : { events: this.options.events }),
        ...(this.options.link === undefined ? {} : { link: this.options.link }),
      });
      this.rooms.set(docName, room);
    }
    this.cancelIdleTimer(room);
    return room;
  }

  /**
   * Changes `docName` on the server's behalf: `change` runs in one Yjs
   * transaction on the room's document (opened and loaded first if need be),
   * and what it changes is broadcast to every connection and stored, like a
   * client's edit. Resolves once storage confirmed it; rejects if the room
   * cannot load or store it, or with what `change` threw. The room is not
   * unloaded meanwhile.
   */
  change(docName: string, change: (doc: Y.Doc) => void): Promise<void> {
    return this.enter(docName, change);
  }

  /** Applies a Yjs update (V1) to `docName`, inspected like a client's update first; as `change`. */
  applyUpdate(docName: string, update: Uint8Array): Promise<void> {
    return this.enter(docName, update);
  }

  private async enter(docName: string, change: OutsideChange): Promise<void> {
    if (this.closed) throw new ServerError('ERR_SERVER_CLOSED', 'the server is closing');
    const room = this.acquire(docName);
    this.inUse.set(room, (this.inUse.get(room) ?? 0) + 1);
    try {
      await room.enter(change);
    } finally {
      const left = this.inUse.get(room)! - 1;
      if (left > 0) this.inUse.set(room, left);
      else {
        this.inUse.delete(room);
        this.release(room);
      }
    }
  }

  /** Called after a connection or a server-side change left `room`; starts the idle countdown when it is unused. */
  release(room: Room): void {
    if (!room.isEmpty || this.inUse.has(room)) return;
    if (this.rooms.get(room.docName) !== room) {
      // A failed room was already forgotten; it only waited for its sockets.
      room.destroy();
      return;
    }
    this.cancelIdleTimer(room);
    const timer = setTimeout(() => {
      this.idleTimers.delete(room);
      this.track(this.unload(room));
    }, this.options.roomIdleMs);
    timer.unref();
    this.idleTimers.set(room, timer);
  }

  private async unload(room: Room): Promise<void> {
    await room.flush();
    // Someone may have joined, or a server-side change begun, while the writes were flushing; the room stays.
    if (!room.isEmpty || this.inUse.has(room) || this.rooms.get(room.docName) !== room) return;
    this.rooms.delete(room.docName);
    room.destroy();
    this.options.logger.debug({ docName: room.docName }, 'room unloaded');
    await this.compactAfterUse(room);
  }

  /**
   * A document whose log grew while it was open is compacted as it unloads
   * (or the server stops), off every client's path, so that the next load
   * reads one merged entry instead of merging up to a threshold's worth.
   */
  private async compactAfterUse(room: Room): Promise<void> {
    if (room.appendedUpdates < COMPACT_ON_UNLOAD_AFTER) return;
    try {
      await this.options.store.compact(room.docName);
    } catch (error) {
      this.options.logger.warn({ docName: room.docName, err: error }, 'compaction after use failed');
    }
  }

  private forget(room: Room): void {
    this.cancelIdleTimer(room);
    if (this.rooms.get(room.docName) === room) this.rooms.delete(room.docName);
    if (room.isEmpty && !this.inUse.has(room)) room.destroy();
  }

  private cancelIdleTimer(room: Room): void {
    const timer = this.idleTimers.get(room);
    if (timer === undefined) return;
    clearTimeout(timer);
    this.idleTimers.delete(room);
  }

  private track(work: Promise<void>): void {
    this.unloading.add(work);
    const settle = (): void => {
      this.unloading.delete(work);
    };
    work.then(settle, (error: unknown) => {
      settle();
      this.options.logger.error({ err: error }, 'room unload failed');
    });
  }

  /** Closes every connection with `closeCode`, flushes every room and unloads it. */
  async closeAll(closeCode: CloseCode): Promise<void> {
    this.closed = true;
    for (const timer of this.idleTimers.values()) clearTimeout(timer);
    this.idleTimers.clear();
    const rooms = [...this.rooms.values()];
    this.rooms.clear();
    for (const room of rooms) room.closeAll(closeCode);
    await Promise.all([...rooms.map((room) => room.flush()), ...this.unloading]);
    await Promise.all(rooms.map((room) => this.compactAfterUse(room)));
    for (const room of rooms) room.destroy();
  }
}
