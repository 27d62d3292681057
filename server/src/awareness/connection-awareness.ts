import { CoalescingThrottle } from '../limits/coalescing-throttle.ts';
import { mergeAwarenessEntries, type AwarenessEntry } from './awareness-guard.ts';

/**
 * What a room's awareness keeps for one connection that sent awareness: the
 * client IDs it announced (their states are removed when it leaves), and the
 * throttle that forwards its updates at a bounded rate, with the timer that
 * releases a held one. Made on the connection's first awareness update: most
 * connections of a large room only read.
 */
export class ConnectionAwareness {
  /** Awareness client IDs this connection set and has not removed. */
  readonly clientIds = new Set<number>();
  /** Forwards this connection's awareness at a bounded rate; newer states merge into a held one. */
  readonly throttle: CoalescingThrottle<readonly AwarenessEntry[]>;
  /** Releases a held update when the throttle allows it; undefined when none is scheduled. */
  timer: NodeJS.Timeout | undefined;

  constructor(minIntervalMs: number) {
    this.throttle = new CoalescingThrottle<readonly AwarenessEntry[]>({ minIntervalMs, merge: mergeAwarenessEntries });
  }

  /** Stops the timer and drops the held update: the connection is gone. */
  dispose(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.throttle.clear();
  }
}
