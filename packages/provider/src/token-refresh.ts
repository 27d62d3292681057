import { readTokenExpiry } from './token-expiry.ts';

/** Where fresh tokens come from: the application's token service. */
export type TokenSource = () => string | Promise<string>;

export interface TokenRefreshOptions {
  readonly source: TokenSource;
  /** Refresh this long before the token's `exp` (at most half its remaining life). */
  readonly marginMs: number;
  readonly now: () => number;
  /** Sends a fresh token on the current connection; false when it could not go out. */
  readonly send: (token: string) => boolean;
  readonly onError: (error: unknown) => void;
}

/** Node and browsers cap timer delays at 2^31 − 1 ms; longer ones fire at once. */
const MAX_TIMER_MS = 2 ** 31 - 1;
const MIN_REFRESH_DELAY_MS = 1_000;

/**
 * Keeps a quire.v1 connection's credentials fresh: schedules a refresh
 * before the current token's `exp`, fetches a new token from the source and
 * sends it in an `auth-token` message. Holds at most one timer; `stop()`
 * clears it, and a fetch that settles after `stop()` is discarded.
 */
export class TokenRefresh {
  private timer: ReturnType<typeof setTimeout> | undefined;
  /** Bumped by every start/stop, so a stale fetch knows it is stale. */
  private generation = 0;

  constructor(private readonly options: TokenRefreshOptions) {}

  /** Asks the source for a token (for opening a connection). */
  async fetch(): Promise<string> {
    const token = await this.options.source();
    if (typeof token !== 'string' || token.length === 0) throw new TypeError('the token source returned no token');
    return token;
  }

  /** A connection opened with `token`: plan its refresh. */
  start(token: string): void {
    this.stop();
    this.schedule(token);
  }

  /** Fetches and sends a fresh token now; resolves with whether it went out. */
  async refreshNow(): Promise<boolean> {
    const generation = this.generation;
    let token: string;
    try {
      token = await this.fetch();
    } catch (error) {
      if (generation === this.generation) this.options.onError(error);
      return false;
    }
    if (generation !== this.generation) return false;
    const sent = this.options.send(token);
    if (sent) {
      this.clearTimer();
      this.schedule(token);
    }
    return sent;
  }

  stop(): void {
    this.generation += 1;
    this.clearTimer();
  }

  private schedule(token: string): void {
    const expiresAt = readTokenExpiry(token);
    if (expiresAt === undefined) return;
    const remaining = expiresAt - this.options.now();
    // The margin before `exp`, but never earlier than half-way (short-lived
    // tokens), and never sooner than a second (a source handing out expired
    // tokens must not turn into a message flood).
    const delay = Math.min(Math.max(remaining - this.options.marginMs, remaining / 2, MIN_REFRESH_DELAY_MS), MAX_TIMER_MS);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.refreshNow();
    }, delay);
  }

  private clearTimer(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
