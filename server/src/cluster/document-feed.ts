import type { SequencedDocumentStore } from '@quire/storage';
import type { Logger } from '../logger.ts';
import type { LinkedRoom } from '../room/document-link.ts';
import type { BackfillReason, ClusterMetrics } from './cluster-metrics.ts';
import type { StreamEntry } from './stream-entry.ts';
import { streamIdTime } from './stream-keys.ts';

// How long a gap may stay open before storage is asked: entries of two nodes
// are added to a stream in the order their XADDs arrive, not in commit order,
// so the missing one is usually a few milliseconds behind.
export const GAP_WAIT_MS = 50;
// Entries held ahead of a gap; past it they are dropped and fetched from storage instead.
const MAX_HELD_ENTRIES = 1_000;
// Backfills that failed in a row before the room is told it is out of step.
const MAX_BACKFILL_FAILURES = 5;
// Backfills run back to back by one call (more were asked for meanwhile) before the rest wait for a timer.
const MAX_BACKFILL_ROUNDS = 8;

/** An entry this node committed itself: already in the room's document, only counted. */
const OWN = Symbol('own commit');

export interface DocumentFeedOptions {
  readonly docName: string;
  readonly room: Pick<LinkedRoom, 'applyRemoteUpdate' | 'fail'>;
  /** The sequence number the room's loaded document covers. */
  readonly applied: number;
  readonly store: Pick<SequencedDocumentStore, 'changesAfter'>;
  readonly logger: Logger;
  readonly metrics: Pick<ClusterMetrics, 'backfilled' | 'streamLag'>;
  /** A stream entry the room refused to apply: copied aside (and counted) before the document is recovered from storage. */
  readonly quarantine: (entry: StreamEntry, reason: string) => void;
  /** Wait before retrying a failed backfill. */
  readonly retryMs: number;
}

/**
 * One joined document's way in: it knows the highest sequence number the
 * room's document holds (`applied`) and hands the room every later entry in
 * sequence order, exactly once. Entries that arrive ahead of a gap are held;
 * a gap that stays open is filled from storage (a backfill), and so is
 * anything the streams lost. The node's own commits count as applied without
 * being applied again.
 */
export class DocumentFeed {
  private appliedSeq: number;
  private readonly held = new Map<number, StreamEntry | typeof OWN>();
  private gapTimer: NodeJS.Timeout | undefined;
  private catchUpTimer: NodeJS.Timeout | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private backfilling: Promise<void> | undefined;
  private backfillAgain: BackfillReason | undefined;
  private failures = 0;
  private closed = false;

  constructor(private readonly options: DocumentFeedOptions) {
    this.appliedSeq = options.applied;
  }

  /** The highest sequence number the room's document holds, in order. */
  get applied(): number {
    return this.appliedSeq;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** This node committed `seq`: the room's document has it already. */
  own(seq: number): void {
    if (this.closed || seq <= this.appliedSeq) return;
    this.held.set(seq, OWN);
    this.advance();
  }

  /**
   * An entry read from the document's stream. This node's own are marked
   * by `own` before they are announced, so one not marked is applied,
   * whatever node id it carries (two nodes given the same id still converge).
   */
  receive(entry: StreamEntry): void {
    if (this.closed || entry.seq <= this.appliedSeq || this.held.has(entry.seq)) return;
    this.held.set(entry.seq, entry);
    if (this.held.size > MAX_HELD_ENTRIES) {
      // A gap storage could not fill yet: storage holds every one of these.
      this.held.clear();
      void this.backfill('gap');
      return;
    }
    this.advance();
  }

  /**
   * Storage's latest sequence number is `latest`: when the room is behind
   * it, catch up from storage, at once (`poll`) or after `graceMs` for the
   * streams to deliver first (`catch-up`).
   */
  behind(latest: number, reason: 'poll' | 'catch-up', graceMs: number): void {
    if (this.closed || latest <= this.appliedSeq) return;
    if (reason === 'poll' || graceMs <= 0) {
      void this.backfill(reason);
      return;
    }
    if (this.catchUpTimer !== undefined) return;
    this.catchUpTimer = setTimeout(() => {
      this.catchUpTimer = undefined;
      if (latest > this.appliedSeq) void this.backfill('catch-up');
    }, graceMs);
    this.catchUpTimer.unref();
  }

  /**
   * Reads what storage holds after `applied` and applies it in order
   * (checkpoint first, then the entries). One runs at a time; asked again
   * meanwhile, another round follows. Never rejects.
   */
  backfill(reason: BackfillReason): Promise<void> {
    if (this.closed) return Promise.resolve();
    if (this.backfilling !== undefined) {
      this.backfillAgain ??= reason;
      return this.backfilling;
    }
    this.clearTimer('gap');
    const running = this.runBackfills(reason).finally(() => {
      this.backfilling = undefined;
    });
    this.backfilling = running;
    return running;
  }

  /** Stops delivering (the room left or failed); timers are cleared. */
  close(): void {
    this.closed = true;
    this.held.clear();
    this.clearTimer('gap');
    this.clearTimer('catch-up');
    this.clearTimer('retry');
  }

  private async runBackfills(first: BackfillReason): Promise<void> {
    let reason: BackfillReason | undefined = first;
    for (let round = 0; reason !== undefined && !this.closed; round += 1) {
      if (round === MAX_BACKFILL_ROUNDS) {
        this.scheduleRetry(reason);
        return;
      }
      this.options.metrics.backfilled(reason);
      const ok = await this.backfillOnce(reason);
      if (!ok) return;
      reason = this.backfillAgain;
      this.backfillAgain = undefined;
    }
    this.advance();
  }

  /** One round; false when it failed (a retry is scheduled, or the room failed). */
  private async backfillOnce(reason: BackfillReason): Promise<boolean> {
    const { store, docName, logger } = this.options;
    let changes;
    try {
      changes = await store.changesAfter(docName, this.appliedSeq);
    } catch (error) {
      this.failures += 1;
      if (this.failures >= MAX_BACKFILL_FAILURES) {
        this.failRoom(error);
        return false;
      }
      logger.warn({ docName, err: error, reason, failures: this.failures }, 'catching a document up from storage failed; retrying');
      this.scheduleRetry(reason);
      return false;
    }
    if (this.closed) return false;
    this.failures = 0;
    try {
      // Read after the await: stream entries may have moved `applied` on meanwhile.
      if (changes.checkpoint !== undefined && changes.checkpointSeq > this.appliedSeq) {
        this.options.room.applyRemoteUpdate(changes.checkpoint);
        this.appliedSeq = changes.checkpointSeq;
      }
      for (const entry of changes.entries) {
        if (entry.seq <= this.appliedSeq) continue;
        if (entry.seq !== this.appliedSeq + 1) break;
        if (this.held.get(entry.seq) !== OWN) this.options.room.applyRemoteUpdate(entry.update);
        this.appliedSeq = entry.seq;
      }
    } catch (error) {
      // Storage's own copy does not apply: nothing can bring this room in step.
      this.failRoom(error);
      return false;
    }
    for (const seq of this.held.keys()) if (seq <= this.appliedSeq) this.held.delete(seq);
    return true;
  }

  /** Applies the held entries that follow `applied` without a gap; a gap left open is filled after GAP_WAIT_MS. */
  private advance(): void {
    for (let next = this.held.get(this.appliedSeq + 1); next !== undefined && !this.closed; next = this.held.get(this.appliedSeq + 1)) {
      const seq = this.appliedSeq + 1;
      this.held.delete(seq);
      if (next !== OWN) {
        try {
          this.options.room.applyRemoteUpdate(next.update);
        } catch (error) {
          this.poisoned(next, error);
          return;
        }
        this.options.metrics.streamLag((Date.now() - streamIdTime(next.id)) / 1000);
      }
      this.appliedSeq = seq;
    }
    if (this.closed) return;
    if (this.held.size === 0) this.clearTimer('gap');
    else if (this.gapTimer === undefined && this.backfilling === undefined) {
      this.gapTimer = setTimeout(() => {
        this.gapTimer = undefined;
        void this.backfill('gap');
      }, GAP_WAIT_MS);
      this.gapTimer.unref();
    }
  }

  /** The room refused a stream entry: copied aside, and the document recovered from storage. */
  private poisoned(entry: StreamEntry, error: unknown): void {
    const { docName, logger } = this.options;
    logger.warn({ docName, seq: entry.seq, id: entry.id, err: error }, 'a stream entry could not be applied; recovering the document from storage');
    this.options.quarantine(entry, 'apply failed');
    void this.backfill('poison');
  }

  private failRoom(error: unknown): void {
    this.options.logger.error({ docName: this.options.docName, err: error }, 'document out of step with storage');
    this.close();
    this.options.room.fail(error);
  }

  private scheduleRetry(reason: BackfillReason): void {
    if (this.retryTimer !== undefined || this.closed) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      void this.backfill(reason);
    }, this.options.retryMs);
    this.retryTimer.unref();
  }

  private clearTimer(which: 'gap' | 'catch-up' | 'retry'): void {
    const key = which === 'gap' ? 'gapTimer' : which === 'catch-up' ? 'catchUpTimer' : 'retryTimer';
    const timer = this[key];
    if (timer === undefined) return;
    clearTimeout(timer);
    this[key] = undefined;
  }
}
