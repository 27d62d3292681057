import * as Y from 'yjs';
import { encodeSyncStep1, encodeSyncStep2 } from '@quire/protocol';
import type { UpdateInspection } from '@quire/yjs-update';
import type { ServerMetrics } from '../metrics/server-metrics.ts';
import type { Connection } from './connection.ts';
import { EncodedStateCache } from './encoded-state-cache.ts';
import { validateStateVector } from './state-vector.ts';
import type { Journal } from './journal.ts';
import { TurnApplyQueue, type AppliedTurn, type QueuedChange } from './turn-apply-queue.ts';
import type { UpdateBroadcast } from './update-broadcast.ts';
import type { ChangeOrigin, OutsideChange, UpdateChannel } from './update-channel.ts';

// From this size, a change of new structs is sent at once, before the room
// integrates it, even in a busy turn (queueAsSent): integrating it takes long
// enough to be worth overlapping with the receivers' own. Smaller ones may
// wait to be joined with the turn's other changes.
const SEND_AT_ONCE_BYTES = 8 * 1024;

/** A client's change of new structs, queued with what its acknowledgement needs. */
interface ClientChange extends QueuedChange<Connection> {
  /** Its number among the connection's updates (`Connection.updatesReceived`). */
  readonly sequence: number;
  /** When it arrived (`performance.now()`), for the acknowledgement metric. */
  readonly receivedAt: number;
}

export interface DocumentChangesOptions {
  readonly doc: Y.Doc;
  readonly broadcast: UpdateBroadcast;
  readonly channel: UpdateChannel;
  readonly journal: Journal;
  readonly metrics: ServerMetrics | undefined;
  /** Ends the connection whose change Yjs stopped on partway. */
  readonly reject: (connection: Connection, error: unknown) => void;
  /** Integrating a turn failed as a whole: nothing of it is known to be in the document. */
  readonly onTurnFailed: (error: unknown) => void;
}

/**
 * How accepted changes become part of a room's document: a client's change
 * of new structs is forwarded as sent and integrated with the turn's others
 * at its end (TurnApplyQueue); any other change is applied at once and
 * re-encoded by Yjs. Every integrated change then leaves through the channel
 * (storage, events), and its sender's acknowledgement waits in the journal.
 */
export class DocumentChanges {
  /**
   * The document's size as the room counts it: what was loaded plus every
   * update accepted since. It over-counts overwritten and deleted content,
   * which errs on the safe side.
   */
  documentBytes = 0;
  private readonly doc: Y.Doc;
  private readonly encodedState: EncodedStateCache;
  /** The turn's changes of new structs, integrated together at its end. */
  private readonly applyQueue: TurnApplyQueue<Connection, ClientChange>;

  constructor(private readonly options: DocumentChangesOptions) {
    this.doc = options.doc;
    this.encodedState = new EncodedStateCache(options.doc);
    this.applyQueue = new TurnApplyQueue<Connection, ClientChange>(options.doc, (turn) => this.settleTurn(turn), options.onTurnFailed);
  }

  /** The document's clock for a client, queued changes included, for the ownership check. */
  readonly clockOf = (clientId: number): number => this.applyQueue.clockOf(clientId);

  /**
   * Integrates the changes queued this turn (and appends them) now, and
   * returns the document. Whatever reads the document calls this first:
   * until then it lags behind what the room accepted.
   */
  integrateQueuedChanges(): Y.Doc {
    this.applyQueue.applyAll();
    return this.doc;
  }

  /** The document's state vector as a sync step 1, queued changes integrated first. */
  syncStep1(): Uint8Array {
    return encodeSyncStep1(Y.encodeStateVector(this.integrateQueuedChanges()));
  }

  /** What a client with `stateVector` lacks, as a sync step 2, queued changes integrated first. */
  syncStep2(stateVector: Uint8Array): Uint8Array {
    const doc = this.integrateQueuedChanges();
    // A fresh joiner's: the whole document, encoded once per version of it.
    if (validateStateVector(stateVector).size === 0) return this.encodedState.fullState();
    return encodeSyncStep2(Y.encodeStateAsUpdate(doc, stateVector));
  }

  /** The document was loaded from storage as `bytes` bytes. */
  loaded(bytes: number): void {
    this.encodedState.invalidate();
    this.documentBytes = bytes;
  }

  /**
   * Takes an update of new structs only: forwards it and, once integrated,
   * stores it as it came, sparing Yjs the re-encoding of the transaction.
   * Delete ranges in it that the document already had are forwarded too;
   * applying them is a no-op.
   *
   * It is handed to the broadcast before the room integrates it: it passed
   * every check a change must pass, and the ownership check found every
   * struct it builds on present or queued before it, so integrating it cannot
   * change what the others need. A lone writer's edit then reaches the others
   * before the room spends time on it, and a large one (a resuming client's
   * offline edits) is sent at once even in a busy turn, so their clients
   * integrate it while the room does. The room integrates it with the turn's
   * other such changes at the end of the turn (TurnApplyQueue), then appends
   * it (settleTurn).
   */
  queueAsSent(update: Uint8Array, inspection: UpdateInspection, connection: Connection, sequence: number, receivedAt: number): void {
    this.options.broadcast.add(update, connection, inspection);
    if (update.byteLength >= SEND_AT_ONCE_BYTES) this.options.broadcast.flush();
    // Counted now, so the size limit sees the whole turn.
    this.documentBytes += update.byteLength;
    this.applyQueue.add({ update, inspection, source: connection, sequence, receivedAt });
  }

  /** Applies a client's update that is not new structs only; Yjs's update event carries exactly what changed, if anything. */
  applyFromClient(connection: Connection, update: Uint8Array): void {
    const applyStart = performance.now();
    this.applyNow(update, connection);
    this.options.metrics?.updateApplied((performance.now() - applyStart) / 1000);
  }

  /**
   * Applies a change at once, after the queued ones, in order. Every update
   * the document emits meanwhile is the change's: it goes to every other
   * connection (UpdateBroadcast) and leaves through the channel. The listener
   * is registered only meanwhile: Yjs encodes every transaction as an update
   * only while one is.
   */
  applyNow(change: OutsideChange, origin: ChangeOrigin): void {
    const doc = this.integrateQueuedChanges();
    doc.on('update', this.publish);
    try {
      if (change instanceof Uint8Array) Y.applyUpdate(doc, change, origin);
      else doc.transact(() => change(doc), origin);
    } finally {
      doc.off('update', this.publish);
    }
  }

  /**
   * After a client's update was applied at once, or carried nothing new:
   * whether or not it changed anything, its content is durable once every
   * append issued so far is written. The queue is integrated (and appended)
   * first, so the cumulative acknowledgement never runs ahead of a stored
   * change. Content Yjs holds back as pending is in no append: the client is
   * asked for what is missing instead (an alarm, not a path: the ownership
   * check refuses gaps).
   */
  settleApplied(connection: Connection, sequence: number, receivedAt: number): void {
    this.integrateQueuedChanges();
    const pending = this.options.journal.holdsPendingContent('update');
    if (pending) connection.send(this.syncStep1());
    this.options.journal.acknowledgeWhenStored(connection, sequence, receivedAt, pending);
  }

  /** Drops the queued changes unapplied (the room stopped serving). */
  clear(): void {
    this.applyQueue.clear();
  }

  private readonly publish = (update: Uint8Array, origin: unknown): void => {
    this.options.broadcast.add(update, origin);
    this.encodedState.invalidate();
    this.documentBytes += update.byteLength;
    this.options.channel.leave(update, origin as ChangeOrigin);
  };

  /**
   * After the turn's changes are integrated: they leave through the channel
   * (as the one update they were integrated as, when they joined; else each,
   * and for one Yjs stopped on, what it integrated, closing its sender), then
   * their acknowledgements are queued.
   */
  private settleTurn(turn: AppliedTurn<Connection, ClientChange>): void {
    const { channel, journal, metrics } = this.options;
    this.encodedState.invalidate();
    // Pending content is in no append it could be rebuilt from; see settleApplied.
    const pending = journal.holdsPendingContent('update');
    const applySeconds = turn.seconds / turn.changes.length;
    if (turn.joined !== undefined) channel.leaveJoined(turn.joined, turn.changes);
    let nextFailure = 0;
    for (const change of turn.changes) {
      const failure = turn.failures[nextFailure]?.change === change ? turn.failures[nextFailure++] : undefined;
      if (turn.joined === undefined) channel.leave(failure === undefined ? change.update : failure.integrated, change.source);
      metrics?.updateApplied(applySeconds);
      if (failure !== undefined) {
        this.options.reject(change.source, failure.error);
        continue;
      }
      journal.acknowledgeWhenStored(change.source, change.sequence, change.receivedAt, pending);
    }
    if (pending) {
      const stateVector = this.syncStep1();
      for (const connection of new Set(turn.changes.map((change) => change.source))) connection.send(stateVector);
    }
  }
}
