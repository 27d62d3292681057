import type * as Y from 'yjs';
import type { DocumentStore } from '@quire/storage';
import type { Logger } from '../logger.ts';
import type { ServerMetrics } from '../metrics/server-metrics.ts';
import type { Connection } from './connection.ts';
import type { RoomEventSink } from './room-events.ts';

export interface JournalOptions {
  readonly docName: string;
  readonly store: DocumentStore;
  /** The room's document, for the pending-content alarm. */
  readonly doc: Y.Doc;
  readonly logger: Logger;
  readonly metrics: ServerMetrics | undefined;
  /** Told when every change appended so far is durable. */
  readonly events: RoomEventSink | undefined;
  /** Whether the room still serves: acknowledgements and `stored` only while it does. */
  readonly serving: () => boolean;
  /** An append failed: the room must stop serving. */
  readonly onWriteFailed: (error: unknown) => void;
}

/** Updates whose content is durable once the append chain they joined settles (parallel arrays). */
interface WaitingAcknowledgements {
  readonly connections: Connection[];
  readonly sequences: number[];
  readonly receivedAt: number[];
}

/**
 * A room's writes to storage and the `saved` acknowledgements that follow
 * them. Appends are issued in the order the document integrated the changes
 * and settle in that order (`lastAppend`); an acknowledgement waits for every
 * append issued before it was queued, so it never runs ahead of a stored
 * change. Acknowledgements are cumulative per connection and sent together
 * once per event-loop turn.
 */
export class Journal {
  /** Log entries appended since the room loaded (a turn's joined changes are one). */
  appended = 0;
  /** Settles when every append issued so far has settled; appends settle in order. */
  private lastAppend: Promise<void> = Promise.resolve();
  /** The store's promise for the latest append; appends in one storage batch share it. */
  private lastWritten: Promise<void> | undefined;
  /** When each append of the latest batch was issued, for the storage-write metric. */
  private appendStarts: number[] = [];
  /**
   * Updates waiting for `lastAppend` before their saved acknowledgement: one
   * promise reaction per storage batch rather than one per update.
   */
  private waitingAcks: WaitingAcknowledgements | undefined;
  /** Saved acknowledgements ready to send, one per connection, sent together once per event-loop turn. */
  private readonly readyAcknowledgements = new Map<Connection, { sequence: number; receivedAt: number[] }>();

  constructor(private readonly options: JournalOptions) {}

  /** Hands a change the document integrated to storage, after every earlier one. */
  append(update: Uint8Array): void {
    const { options } = this;
    this.appended += 1;
    const written = options.store.append(options.docName, update);
    if (written === this.lastWritten) {
      // Same storage batch as the previous append: its reactions cover this one.
      if (options.metrics !== undefined) this.appendStarts.push(performance.now());
      return;
    }
    this.lastWritten = written;
    // Acknowledgements queued from now on wait for this append too.
    this.waitingAcks = undefined;
    if (options.metrics !== undefined) {
      const { metrics } = options;
      const starts = [performance.now()];
      this.appendStarts = starts;
      written.then(() => {
        const now = performance.now();
        for (const started of starts) metrics.storageWritten((now - started) / 1000);
      }, () => undefined);
    }
    const chain = Promise.all([this.lastAppend, written]).then(() => undefined);
    this.lastAppend = chain;
    // Failures are handled once, below; the chain only orders acknowledgements.
    chain.catch(() => undefined);
    if (options.events !== undefined) {
      const { events } = options;
      // Every change so far is durable when no append was issued after this batch.
      chain.then(() => {
        if (this.lastAppend === chain && options.serving()) events.stored(options.docName);
      }, () => undefined);
    }
    written.catch(options.onWriteFailed);
  }

  /** Settles when every append issued so far has been written; rejects if one failed. */
  whenWritten(): Promise<void> {
    return this.lastAppend;
  }

  /**
   * Whether the document holds content Yjs keeps pending because it builds
   * on content the document lacks. Such content is in no append, so no
   * acknowledgement may cover it. Never expected: the ownership check refuses
   * updates with gaps, and a load merges the whole log. So it is logged and
   * counted as an alarm.
   */
  holdsPendingContent(after: 'load' | 'update'): boolean {
    const { store } = this.options.doc;
    if (store.pendingStructs === null && store.pendingDs === null) return false;
    this.options.logger.error(
      { docName: this.options.docName, pendingStructs: store.pendingStructs !== null, pendingDeletes: store.pendingDs !== null },
      after === 'load' ? 'document loaded from storage holds pending content' : 'update left pending content',
    );
    this.options.metrics?.pendingContent(after);
    return true;
  }

  /**
   * The connection's update number `sequence` is integrated (or held
   * nothing new): its saved acknowledgement follows once every append issued
   * so far is written. Only quire.v1 connections get one; none while the
   * document holds pending content (`pending`: it is in no append), while the
   * connection owes a resync step 2 (an update of its was dropped), or once
   * it is closed.
   */
  acknowledgeWhenStored(connection: Connection, sequence: number, receivedAt: number, pending: boolean): void {
    if (pending || !connection.extensions || connection.awaitingResync || connection.isClosed) return;
    let waiting = this.waitingAcks;
    if (waiting === undefined) {
      const group: WaitingAcknowledgements = { connections: [], sequences: [], receivedAt: [] };
      waiting = this.waitingAcks = group;
      this.lastAppend.then(
        () => {
          if (this.waitingAcks === group) this.waitingAcks = undefined;
          if (!this.options.serving()) return;
          for (let index = 0; index < group.connections.length; index += 1) {
            this.queueAcknowledgement(group.connections[index]!, group.sequences[index]!, group.receivedAt[index]!);
          }
        },
        () => undefined,
      );
    }
    waiting.connections.push(connection);
    waiting.sequences.push(sequence);
    waiting.receivedAt.push(receivedAt);
  }

  /**
   * Acknowledgements are cumulative: the updates of one connection stored in
   * the same batch get one saved message, with the highest count, sent at the
   * end of this event-loop turn (one socket write rather than one per update).
   */
  private queueAcknowledgement(connection: Connection, sequence: number, receivedAt: number): void {
    if (this.readyAcknowledgements.size === 0) setImmediate(this.sendAcknowledgements);
    const ready = this.readyAcknowledgements.get(connection);
    if (ready === undefined) {
      this.readyAcknowledgements.set(connection, { sequence, receivedAt: [receivedAt] });
      return;
    }
    ready.sequence = Math.max(ready.sequence, sequence);
    ready.receivedAt.push(receivedAt);
  }

  private readonly sendAcknowledgements = (): void => {
    const { metrics } = this.options;
    const now = performance.now();
    for (const [connection, ready] of this.readyAcknowledgements) {
      if (!this.options.serving()) break;
      connection.acknowledgeSaved(ready.sequence);
      if (metrics !== undefined) for (const at of ready.receivedAt) metrics.acknowledged((now - at) / 1000);
    }
    this.readyAcknowledgements.clear();
  };
}
