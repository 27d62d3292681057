export interface CoalescingThrottleOptions<T> {
  /** The least time between two values let through: 100 for at most 10 per second. */
  readonly minIntervalMs: number;
  /**
   * Combines a held value with a newer one. Default: the newer one wins. For
   * awareness, merge entry lists per client ID (`mergeAwarenessEntries`).
   */
  readonly merge?: (held: T, next: T) => T;
  /** A monotonic clock in milliseconds. Default `performance.now`. */
  readonly now?: () => number;
}

// Shared defaults: per-instance closures would cost memory on every connection.
const performanceNow = (): number => performance.now();
const newerWins = <T>(_held: T, next: T): T => next;

/**
 * Lets at most one value through per `minIntervalMs` and coalesces what
 * arrives in between into one held value, so a client sending awareness at
 * 100 Hz is forwarded at 10 Hz with its latest state, and nothing is queued
 * without bound. It owns no timer: when `offer` holds a value, the caller
 * schedules one for `dueAt` and then calls `takeDue`.
 */
export class CoalescingThrottle<T> {
  private readonly minIntervalMs: number;
  private readonly merge: (held: T, next: T) => T;
  private readonly now: () => number;
  private lastSentAt = Number.NEGATIVE_INFINITY;
  private held: { value: T } | undefined;

  constructor(options: CoalescingThrottleOptions<T>) {
    if (!(Number.isFinite(options.minIntervalMs) && options.minIntervalMs >= 0)) {
      throw new RangeError(`minIntervalMs must be a non-negative finite number, got ${String(options.minIntervalMs)}`);
    }
    this.minIntervalMs = options.minIntervalMs;
    this.merge = options.merge ?? newerWins;
    this.now = options.now ?? performanceNow;
  }

  /** Whether a value is held back. */
  get hasPending(): boolean {
    return this.held !== undefined;
  }

  /** When the held value may go (clock milliseconds); undefined when nothing is held. */
  get dueAt(): number | undefined {
    return this.held === undefined ? undefined : this.lastSentAt + this.minIntervalMs;
  }

  /**
   * Returns the value to send now, or undefined when it is held (merged into
   * what was already held). While something is held, newer values always
   * join it, so order is kept.
   */
  offer(value: T): T | undefined {
    if (this.held !== undefined) {
      this.held = { value: this.merge(this.held.value, value) };
      return this.takeDue();
    }
    const now = this.now();
    if (now - this.lastSentAt >= this.minIntervalMs) {
      this.lastSentAt = now;
      return value;
    }
    this.held = { value };
    return undefined;
  }

  /** The held value if its time has come (and counts it as sent); otherwise undefined. */
  takeDue(): T | undefined {
    if (this.held === undefined) return undefined;
    const now = this.now();
    if (now - this.lastSentAt < this.minIntervalMs) return undefined;
    const { value } = this.held;
    this.held = undefined;
    this.lastSentAt = now;
    return value;
  }

  /** Drops what is held (the connection closed). */
  clear(): void {
    this.held = undefined;
  }
}
