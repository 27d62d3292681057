export interface BackoffOptions {
  /** Upper bound of the first retry's delay, in milliseconds. */
  readonly minDelayMs: number;
  /** The bound stops doubling here. */
  readonly maxDelayMs: number;
  /** Returns a number in [0, 1); injectable so tests can pin the jitter. */
  readonly random: () => number;
}

/**
 * Exponential backoff with full jitter: the n-th consecutive retry waits a
 * uniformly random time in [0, min(max, min · 2^n)). Full jitter (rather than
 * "base plus a little noise") is what spreads a crowd of clients that lost
 * the same server at the same instant across the whole window instead of
 * sending them back in one wave.
 */
export class Backoff {
  private failures = 0;

  constructor(private readonly options: BackoffOptions) {}

  /** Consecutive failures since the last reset. */
  get attempt(): number {
    return this.failures;
  }

  /** The current window's upper bound, before jitter. */
  get windowMs(): number {
    const { minDelayMs, maxDelayMs } = this.options;
    // 2^failures overflows to Infinity long after the cap applies; min() absorbs it.
    return Math.min(maxDelayMs, minDelayMs * 2 ** this.failures);
  }

  /** Draws the delay for the next retry and widens the window for the one after. */
  next(): number {
    const delay = Math.floor(this.options.random() * this.windowMs);
    this.failures++;
    return delay;
  }

  reset(): void {
    this.failures = 0;
  }
}
