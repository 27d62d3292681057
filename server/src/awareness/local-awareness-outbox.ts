import * as awarenessProtocol from 'y-protocols/awareness';
import { CoalescingThrottle } from '../limits/coalescing-throttle.ts';

/** At most one update of a room's own clients to other nodes per this interval. */
export const LOCAL_PUBLISH_INTERVAL_MS = 50;

export type LocalUpdateListener = (update: Uint8Array) => void;

const unionOf = (held: ReadonlySet<number>, next: ReadonlySet<number>): ReadonlySet<number> => new Set([...held, ...next]);

/**
 * Collects which of this node's clients' awareness changed and hands the
 * listeners one encoded update per interval: the first change goes at once,
 * later ones within the interval are held, and the held client IDs are
 * encoded when they go, so the newest state (or its removal) is what leaves.
 */
export class LocalAwarenessOutbox {
  private readonly listeners: LocalUpdateListener[] = [];
  private readonly throttle: CoalescingThrottle<ReadonlySet<number>>;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly awareness: awarenessProtocol.Awareness,
    intervalMs: number = LOCAL_PUBLISH_INTERVAL_MS,
  ) {
    this.throttle = new CoalescingThrottle({ minIntervalMs: intervalMs, merge: unionOf });
  }

  listen(listener: LocalUpdateListener): void {
    this.listeners.push(listener);
  }

  /** Notes that these clients' states changed (set, renewed or removed). */
  changed(clientIds: readonly number[]): void {
    if (this.listeners.length === 0 || clientIds.length === 0) return;
    const ready = this.throttle.offer(new Set(clientIds));
    if (ready !== undefined) this.send(ready);
    else this.schedule();
  }

  /** Stops the timer and drops what is held (the room is gone). */
  dispose(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.throttle.clear();
  }

  private schedule(): void {
    const dueAt = this.throttle.dueAt;
    if (this.timer !== undefined || dueAt === undefined) return;
    this.timer = setTimeout(
      () => {
        this.timer = undefined;
        const held = this.throttle.takeDue();
        if (held !== undefined) this.send(held);
        else this.schedule();
      },
      Math.max(0, Math.ceil(dueAt - performance.now())),
    );
    this.timer.unref();
  }

  private send(clientIds: ReadonlySet<number>): void {
    // Encoding needs a clock, which Awareness keeps for every ID it has seen.
    const known = [...clientIds].filter((clientId) => this.awareness.meta.has(clientId));
    if (known.length === 0) return;
    const update = awarenessProtocol.encodeAwarenessUpdate(this.awareness, known);
    for (const listener of this.listeners) listener(update);
  }
}
