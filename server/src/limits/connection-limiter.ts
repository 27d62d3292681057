export interface ConnectionLimiterOptions {
  /** Open connections in total. */
  readonly maxConnections: number;
  /** Open connections from one client address. */
  readonly maxPerAddress: number;
}

/** Why a connection slot was refused: `total` → HTTP 503, `per-address` → HTTP 429. */
export type ConnectionRefusal = 'total' | 'per-address';

/**
 * Counts open connections in total and per client address. A slot is taken
 * when an upgrade request arrives (before authentication, which may be slow
 * or hostile) and given back when its socket closes, so a flood of
 * half-open handshakes is bounded too. Pure: it holds counts, nothing else.
 */
export class ConnectionLimiter {
  private total = 0;
  private readonly perAddress = new Map<string, number>();

  constructor(private readonly options: ConnectionLimiterOptions) {}

  get size(): number {
    return this.total;
  }

  /** Addresses with at least one open slot; zero counts are forgotten, so this stays bounded by `size`. */
  get addressCount(): number {
    return this.perAddress.size;
  }

  /** Takes a slot for `address`, or says why not. */
  tryAcquire(address: string): ConnectionRefusal | null {
    if (this.total >= this.options.maxConnections) return 'total';
    const current = this.perAddress.get(address) ?? 0;
    if (current >= this.options.maxPerAddress) return 'per-address';
    this.total += 1;
    this.perAddress.set(address, current + 1);
    return null;
  }

  /** Gives back a slot taken by `tryAcquire`; call exactly once per successful acquire. */
  release(address: string): void {
    const current = this.perAddress.get(address);
    if (current === undefined) return;
    this.total -= 1;
    if (current <= 1) this.perAddress.delete(address);
    else this.perAddress.set(address, current - 1);
  }
}
