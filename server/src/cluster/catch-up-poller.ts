import type { SequencedDocumentStore } from '@quire/storage';
import type { Logger } from '../logger.ts';
import type { DocumentFeed } from './document-feed.ts';

// The check runs every poll interval even while the streams work: entries
// Redis lost (a FLUSHALL, a restart without persistence) and the commits of
// a node that cannot reach Redis itself (the others' streams work, so they
// do not poll) are then found within two intervals, not at the next edit.
// The streams get one interval to deliver an entry storage already reports
// before the check fetches it, so a working bus costs one small query per
// interval and no backfills.

export interface CatchUpPollerOptions {
  readonly store: Pick<SequencedDocumentStore, 'latestSequences'>;
  /** The joined documents' feeds. */
  readonly feeds: () => ReadonlyMap<string, DocumentFeed>;
  /** Whether the streams deliver now: the check then gives them a grace of one interval; else it polls. */
  readonly streamsDeliver: () => boolean;
  /** Called at every tick first. */
  readonly beforeCheck?: () => void;
  readonly pollIntervalMs: number;
  readonly logger: Logger;
}

/**
 * Asks storage for the latest sequence number of every joined document in
 * one query every poll interval, and has each feed that is behind catch up:
 * at once when polling is the delivery (Redis away, or none configured),
 * after a grace of one interval when it is only the check behind the
 * streams. One tick at a time.
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
    this.timer = setTimeout(() => void this.tick(), this.options.pollIntervalMs);
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
      else feed?.behind(seq, 'catch-up', this.options.pollIntervalMs);
    }
  }
}
