import { unexpectedCase } from '@quire/protocol';
import { Backoff } from './backoff.ts';
import type { CloseDecision } from './close-decision.ts';
import type { CloseCause } from './provider-events.ts';

export interface ReconnectSchedulerOptions {
  readonly urls: readonly string[];
  readonly minDelayMs: number;
  readonly maxDelayMs: number;
  readonly random: () => number;
  /** Runs when a scheduled attempt is due. */
  readonly attempt: () => void;
}

/**
 * When and where the next connection attempt goes: jittered exponential
 * backoff between attempts, and round robin over the server URLs, moving on
 * after every failure so a dead server costs one attempt per round.
 */
export class ReconnectScheduler {
  private readonly backoff: Backoff;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private urlIndex = 0;
  /** The current connection synced; its failure starts from the smallest window again. */
  private connectionSucceeded = false;

  constructor(private readonly options: ReconnectSchedulerOptions) {
    const { minDelayMs, maxDelayMs, random } = options;
    this.backoff = new Backoff({ minDelayMs, maxDelayMs, random });
  }

  get url(): string {
    return this.options.urls[this.urlIndex] as string;
  }

  get pending(): boolean {
    return this.timer !== undefined;
  }

  /** After a failure: the next server, after a backoff delay. Returns the delay. */
  afterFailure(): number {
    if (this.connectionSucceeded) this.backoff.reset();
    return this.retry();
  }

  /**
   * After the server turned the connection away for now (1013): as a
   * failure, but a sync before the refusal does not count as success, so a
   * refusal that lasts costs fewer and fewer attempts.
   */
  afterRefusal(): number {
    return this.retry();
  }

  /** Not the server's fault (the page woke up): the same server, at once. */
  immediately(): number {
    return this.schedule(0);
  }

  /**
   * The connection did useful work: unless the server then turns it away
   * (afterRefusal), the next failure waits the shortest window again.
   */
  succeeded(): void {
    this.connectionSucceeded = true;
  }

  /** Runs a pending attempt now instead of waiting out its delay. */
  hurry(): void {
    if (this.timer === undefined) return;
    this.cancel();
    this.options.attempt();
  }

  cancel(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private retry(): number {
    this.connectionSucceeded = false;
    this.urlIndex = (this.urlIndex + 1) % this.options.urls.length;
    return this.schedule(this.backoff.next());
  }

  private schedule(delay: number): number {
    this.cancel();
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.options.attempt();
    }, delay);
    return delay;
  }
}

/**
 * Acts on a close decision for the scheduler: milliseconds until the next
 * attempt, or null when the provider stops trying (and nothing stays
 * scheduled).
 */
export function scheduleAfterClose(scheduler: ReconnectScheduler, decision: CloseDecision, cause: CloseCause): number | null {
  switch (decision.kind) {
    case 'reconnect':
      // Waking from a long sleep is not the server's fault: same server, no waiting.
      return cause === 'wake' ? scheduler.immediately() : scheduler.afterFailure();
    case 'retry-later':
      return scheduler.afterRefusal();
    case 'stop':
    case 'permission-denied':
      scheduler.cancel();
      return null;
    default:
      return unexpectedCase(decision);
  }
}
