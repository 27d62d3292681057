import type { SequencedDocumentStore } from '@quire/storage';
import type { Logger } from '../logger.ts';
import type { DocumentFeed } from './document-feed.ts';

// While the streams work, entries lost by Redis (a FLUSHALL, a restart
// without persistence) are found by this slower check, not by the next edit.
export const CATCH_UP_INTERVAL_MS = 5_000;
// Time the streams get to deliver an entry storage already reports, before the check fetches it.
export const CATCH_UP_GRACE_MS = 1_000;

export interface CatchUpPollerOptions {
  readonly store: Pick<SequencedDocumentStore, 'latestSequences'>;
  /** The joined documents' feeds. */
  readonly feeds: () => ReadonlyMap<string, DocumentFeed>;
  /** Whether the streams deliver now: a slow catch-up check then; else polling every `pollIntervalMs`. */
  readonly streamsDeliver: () => boolean;
  /** Called at every tick first. */
  readonly beforeCheck?: () => void;
  readonly pollIntervalMs: number;
  readonly logger: Logger;
}

/**
 * Asks storage for the latest sequence number of every joined document in
 * one query, and has each feed that is behind catch up: at once when
 * polling is the delivery (Redis away, or none configured), after a grace
 * when it is only the check behind the streams. One tick at a time.
 */
export class CatchUpPoller {
  private timer: NodeJS.Timeout | undefined;
  private ticking = false;
  private stopped = true;
  private lastFailure: string | undefined;

  constructor(private readonly options: CatchUpPollerOptions) {}

  start(): void {
    this.stopped = false;
    this.schedule();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** The delivery changed: the next tick follows its interval from now. */
  reschedule(): void {
    if (this.stopped || this.ticking) return;
    this.schedule();
  }

  private schedule(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    const interval = this.options.streamsDeliver() ? CATCH_UP_INTERVAL_MS : this.options.pollIntervalMs;
    this.timer = setTimeout(() => void this.tick(), interval);
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    this.timer = undefined;
    this.ticking = true;
    try {
      await this.check();
    } finally {
      this.ticking = false;
      if (!this.stopped) this.schedule();
    }
  }

  private async check(): Promise<void> {
    this.options.beforeCheck?.();
    const feeds = this.options.feeds();
    if (feeds.size === 0) return;
    let latest: ReadonlyMap<string, number>;
    try {
      latest = await this.options.store.latestSequences([...feeds.keys()]);
      this.lastFailure = undefined;
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if (message !== this.lastFailure) this.options.logger.warn({ err: error }, 'reading the latest sequence numbers failed');
      this.lastFailure = message;
      return;
    }
    const polling = !this.options.streamsDeliver();
    for (const [docName, seq] of latest) {
      const feed = this.options.feeds().get(docName);
      if (polling) feed?.behind(seq, 'poll', 0);
      else feed?.behind(seq, 'catch-up', CATCH_UP_GRACE_MS);
    }
  }
}
