export interface TokenBucketOptions {
  /** Tokens added per second: the sustained rate. */
  readonly ratePerSecond: number;
  /** The most tokens the bucket holds, and what it starts with: the burst allowed after a quiet spell. */
  readonly burst: number;
  /** A monotonic clock in milliseconds. Default `performance.now`. */
  readonly now?: () => number;
}

// One clock function for every bucket: a closure per instance would cost
// memory on each of thousands of idle connections.
const performanceNow = (): number => performance.now();

/**
 * A token bucket for per-connection rates (messages per second, bytes per
 * second). Pure apart from reading the injected clock; it schedules nothing.
 *
 * A cost above `burst` (one message larger than the byte burst) is granted
 * only from a full bucket and leaves it in debt, so the message passes once
 * but the long-run rate still holds: the debt is repaid before anything else
 * passes.
 */
export class TokenBucket {
  private readonly ratePerMillisecond: number;
  private readonly burst: number;
  private readonly now: () => number;
  private balance: number;
  private updatedAt: number;

  constructor(options: TokenBucketOptions) {
    const { ratePerSecond, burst } = options;
    if (!(Number.isFinite(ratePerSecond) && ratePerSecond > 0)) {
      throw new RangeError(`ratePerSecond must be a positive finite number, got ${String(ratePerSecond)}`);
    }
    if (!(Number.isFinite(burst) && burst > 0)) {
      throw new RangeError(`burst must be a positive finite number, got ${String(burst)}`);
    }
    this.ratePerMillisecond = ratePerSecond / 1000;
    this.burst = burst;
    this.now = options.now ?? performanceNow;
    this.balance = burst;
    this.updatedAt = this.now();
  }

  /** Tokens available now; negative while the bucket is in debt. */
  get tokens(): number {
    this.refill();
    return this.balance;
  }

  /** Takes `cost` tokens if they are there; otherwise takes nothing and returns false. */
  tryTake(cost = 1): boolean {
    checkCost(cost);
    this.refill();
    if (this.balance < Math.min(cost, this.burst)) return false;
    this.balance -= cost;
    return true;
  }

  /** Milliseconds until `tryTake(cost)` would succeed; 0 if it would now (for a retry-after hint). */
  msUntilAvailable(cost = 1): number {
    checkCost(cost);
    this.refill();
    const missing = Math.min(cost, this.burst) - this.balance;
    return missing <= 0 ? 0 : Math.ceil(missing / this.ratePerMillisecond);
  }

  private refill(): void {
    const now = this.now();
    // A clock that steps back adds nothing rather than draining the bucket.
    if (now <= this.updatedAt) return;
    this.balance = Math.min(this.burst, this.balance + (now - this.updatedAt) * this.ratePerMillisecond);
    this.updatedAt = now;
  }
}

function checkCost(cost: number): void {
  if (!(Number.isFinite(cost) && cost >= 0)) {
    throw new RangeError(`cost must be a non-negative finite number, got ${String(cost)}`);
  }
}
