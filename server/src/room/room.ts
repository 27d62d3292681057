import * as Y from 'yjs';
import * as awarenessProtocol from 'y-protocols/awareness';
import {
  CLOSE_BAD_MESSAGE,
  CLOSE_INTERNAL_ERROR,
  CLOSE_POLICY_VIOLATION,
  decodeMessage,
  encodeAwareness,
  encodePong,
  encodeStateless,
  encodeSyncStep1,
  encodeSyncStep2,
  type CloseCode,
  type Message,
} from '@quire/protocol';
import type { DocumentStore } from '@quire/storage';
import type { Logger } from '../logger.ts';
import { Connection } from './connection.ts';
import { EncodedStateCache } from './encoded-state-cache.ts';
import { createRoomDocument } from './room-document.ts';
import { SharedMessage } from './shared-message.ts';
import { TurnApplyQueue, type AppliedTurn } from './turn-apply-queue.ts';
import { UpdateBroadcast } from './update-broadcast.ts';
import type { ServerMetrics } from '../metrics/server-metrics.ts';
import { RoomAwareness } from '../awareness/room-awareness.ts';
import type { AwarenessLimits } from '../awareness/awareness-guard.ts';
import { ClientOwnership, type UpdateMessageKind, type Writer } from '../ownership/client-ownership.ts';
import { foreignClientRefusal } from '../ownership/foreign-client-refusal.ts';
import {
  addsDeletions,
  canonicalize,
  inspectUpdate,
  resolveUpdateLimits,
  type ResolvedUpdateLimits,
  type UpdateInspection,
} from '@quire/yjs-update';
import { closeCodeForError, errorCodeOf, ServerError } from '../server-error.ts';
import { validateStateVector } from './state-vector.ts';

/** Who caused a change to the room's document. */
export type TransactionOrigin = Connection | typeof STORAGE_ORIGIN;
export const STORAGE_ORIGIN = 'storage';

export type RoomState = 'loading' | 'ready' | 'failed' | 'destroyed';

export interface RoomOptions {
  readonly docName: string;
  readonly store: DocumentStore;
  readonly logger: Logger;
  /** Called once when the room can no longer serve (load or write failed). */
  readonly onFailed: (room: Room) => void;
  readonly limits?: RoomLimits;
  readonly metrics?: ServerMetrics;
}

/** The document-level limits of docs/security.md; each has a default. */
export interface RoomLimits {
  /** An update that would grow the document past this many bytes is refused with 1008. Default 64 MiB. */
  readonly maxDocumentBytes?: number;
  /** Updates in a row refused for a clock gap before 1008. Default 8. */
  readonly maxClockGaps?: number;
  readonly awareness?: Omit<AwarenessLimits, 'reservedClientIds'>;
}

const DEFAULT_MAX_DOCUMENT_BYTES = 64 * 1024 * 1024;
const DEFAULT_MAX_CLOCK_GAPS = 8;

// From this size, a change of new structs is sent at once, before the room
// integrates it, even in a busy turn (queueAsSent): integrating it takes long
// enough to be worth overlapping with the receivers' own. Smaller ones may
// wait to be joined with the turn's other changes.
const SEND_AT_ONCE_BYTES = 8 * 1024;

// An awareness update that lists no clients: a valid no-op for every client,
// used to show a quiet connection that the server is alive.
const EMPTY_AWARENESS = encodeAwareness(new Uint8Array([0]));

/** A queued change's sender, and what its acknowledgement needs. */
interface ChangeSource {
  readonly connection: Connection;
  readonly sequence: number;
  readonly receivedAt: number;
}

/** Updates whose content is durable once the append chain they joined settles (parallel arrays). */
interface WaitingAcknowledgements {
  readonly connections: Connection[];
  readonly sequences: number[];
  readonly receivedAt: number[];
}

/**
 * One open document: its Y.Doc, its awareness, the connections editing it and
 * its link to storage. Every update is applied once, encoded once for all
 * other connections, and appended to storage.
 */
export class Room {
  readonly docName: string;
  private readonly ydoc = createRoomDocument();
  readonly awareness = new awarenessProtocol.Awareness(this.ydoc);
  readonly connections = new Set<Connection>();
  private currentState: RoomState = 'loading';
  private readonly store: DocumentStore;
  private readonly logger: Logger;
  private readonly onFailed: (room: Room) => void;
  private readonly metrics: ServerMetrics | undefined;
  private readonly encodedState = new EncodedStateCache(this.ydoc);
  /** The turn's changes of new structs, integrated together at its end. */
  private readonly applyQueue = new TurnApplyQueue<ChangeSource>(
    this.ydoc,
    (turn) => this.settleTurn(turn),
    (error) =>
      this.fail(new ServerError('ERR_APPLY_FAILED', CLOSE_INTERNAL_ERROR, 'integrating changes failed', { cause: error })),
  );
  /** Saved acknowledgements ready to send, one per connection, sent together once per event-loop turn. */
  private readonly readyAcknowledgements = new Map<Connection, { sequence: number; receivedAt: number[] }>();
  private readonly roomAwareness: RoomAwareness;
  /** Who owns which Yjs client ID, against clock poisoning (docs/security.md). */
  private readonly ownership = new ClientOwnership();
  private readonly writers = new WeakMap<Connection, Writer>();
  private readonly updateLimits: ResolvedUpdateLimits;
  /** Changes applied this event-loop turn, on their way to the other connections. */
  private readonly broadcast: UpdateBroadcast;
  private readonly maxDocumentBytes: number;
  private readonly maxClockGaps: number;
  /**
   * The document's size as the room counts it: what was loaded plus every
   * update applied since. It over-counts overwritten and deleted content,
   * which errs on the safe side.
   */
  private documentBytes = 0;
  /** Log entries appended since the room loaded (a turn's joined changes are one). */
  appendedUpdates = 0;
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
  readonly loaded: Promise<void>;
  /** Connections that closed while the document loaded, with messages still queued. */
  private readonly departedWhileLoading: Connection[] = [];

  constructor(options: RoomOptions) {
    this.docName = options.docName;
    this.store = options.store;
    this.logger = options.logger;
    this.onFailed = options.onFailed;
    this.metrics = options.metrics;
    this.maxDocumentBytes = options.limits?.maxDocumentBytes ?? DEFAULT_MAX_DOCUMENT_BYTES;
    this.maxClockGaps = options.limits?.maxClockGaps ?? DEFAULT_MAX_CLOCK_GAPS;
    // Strings and free lengths are capped relative to the document limit: no
    // single value may be larger than a whole document may grow.
    this.updateLimits = resolveUpdateLimits({
      maxStringBytes: Math.min(8 * 1024 * 1024, this.maxDocumentBytes),
    });
    this.broadcast = new UpdateBroadcast(this.connections, this.updateLimits);
    this.roomAwareness = new RoomAwareness(this.awareness, options.limits?.awareness ?? {});
    this.awareness.setLocalState(null);
    // No permanent 'update' listener: Yjs encodes every transaction as an
    // update only while one is registered (see applyClientUpdate).
    this.awareness.on('update', this.handleAwarenessUpdate);
    this.loaded = this.load();
  }

  get state(): RoomState {
    return this.currentState;
  }

  /** The room's document, every change the room accepted integrated. */
  get doc(): Y.Doc {
    this.applyQueue.applyAll();
    return this.ydoc;
  }

  /**
   * The document as one update while the room serves. It holds every update
   * the room appended (each is applied before it is appended) and what it
   * loaded, so storage may compact the document's log to it. Queued changes
   * are left out: they are appended only once integrated.
   */
  encodeDocument(): Uint8Array | undefined {
    return this.currentState === 'ready' ? Y.encodeStateAsUpdate(this.ydoc) : undefined;
  }

  /** Emptiness once the room is serving or failed; the registry unloads empty rooms. */
  get isEmpty(): boolean {
    return this.connections.size === 0;
  }

  private async load(): Promise<void> {
    try {
      const stored = await this.store.load(this.docName);
      if (this.currentState !== 'loading') return;
      if (stored !== null) {
        Y.applyUpdate(this.ydoc, stored.update, STORAGE_ORIGIN);
        this.encodedState.invalidate();
        this.documentBytes = stored.update.byteLength;
        // The log's entries, merged, hold everything they build on; pending
        // content here means storage lost or mangled some of it.
        this.holdsPendingContent('load');
      }
      this.currentState = 'ready';
    } catch (error) {
      this.fail(new ServerError('ERR_DOCUMENT_UNAVAILABLE', CLOSE_INTERNAL_ERROR, 'document could not be loaded', {
        cause: error,
      }));
      return;
    }
    for (const connection of this.connections) this.start(connection);
    for (const departed of this.departedWhileLoading.splice(0)) this.applyDepartedEdits(departed);
  }

  /**
   * A client that sent an edit and closed at once (a page being closed) still
   * meant that edit; it waited for the load with the rest of the queue. Only
   * document updates are replayed: awareness from a gone client would be a
   * ghost caret, and a sync step 1 has no one left to answer.
   */
  private applyDepartedEdits(connection: Connection): void {
    for (const bytes of connection.takePendingMessages()) {
      const result = decodeMessage(bytes);
      if (!result.ok) break;
      const { message } = result;
      if (message.type !== 'sync-step-2' && message.type !== 'sync-update') continue;
      try {
        this.applyClientUpdate(connection, message.type, message.update);
      } catch (error) {
        this.logger.warn({ docName: this.docName, connectionId: connection.id, err: error }, 'edit of a departed client refused');
        break;
      }
    }
    this.ownership.releaseConnection(connection.id);
    this.roomAwareness.release(connection);
  }

  addConnection(connection: Connection): void {
    this.connections.add(connection);
    if (this.currentState === 'ready') this.start(connection);
  }

  removeConnection(connection: Connection): void {
    if (!this.connections.delete(connection)) return;
    if (this.currentState === 'loading' && connection.pendingMessages.length > 0) {
      this.departedWhileLoading.push(connection);
      return;
    }
    this.ownership.releaseConnection(connection.id);
    this.roomAwareness.release(connection);
  }

  /** Takes one raw message from a connection; queued in order while the room loads. */
  receive(connection: Connection, bytes: Uint8Array): void {
    if (connection.isClosed) return;
    if (this.currentState === 'loading') {
      connection.queueMessage(bytes);
      return;
    }
    if (this.currentState !== 'ready') return;
    try {
      this.dispatch(connection, bytes);
    } catch (error) {
      this.closeConnection(connection, error);
    }
  }

  /** Sends the opening of the handshake, then replays what arrived during the load. */
  private start(connection: Connection): void {
    connection.send(encodeSyncStep1(Y.encodeStateVector(this.doc)));
    if (this.awareness.getStates().size > 0) this.sendAllAwareness(connection);
    const pending = connection.takePendingMessages();
    for (const bytes of pending) this.receive(connection, bytes);
  }

  /** Every awareness state the room knows, as one message. */
  private sendAllAwareness(connection: Connection): void {
    const clients = [...this.awareness.getStates().keys()];
    connection.send(encodeAwareness(awarenessProtocol.encodeAwarenessUpdate(this.awareness, clients)));
  }

  private dispatch(connection: Connection, bytes: Uint8Array): void {
    const result = decodeMessage(bytes);
    if (!result.ok) throw result.error;
    this.handleMessage(connection, result.message);
  }

  private handleMessage(connection: Connection, message: Message): void {
    switch (message.type) {
      case 'sync-step-1': {
        this.applyQueue.applyAll();
        const stateVector = message.stateVector;
        if (validateStateVector(stateVector).size === 0) {
          connection.send(this.encodedState.fullState());
          return;
        }
        connection.send(encodeSyncStep2(Y.encodeStateAsUpdate(this.doc, stateVector)));
        return;
      }
      case 'sync-step-2':
      case 'sync-update':
        this.applyClientUpdate(connection, message.type, message.update);
        return;
      case 'awareness':
        this.roomAwareness.receive(connection, message.update);
        return;
      case 'query-awareness':
        this.sendAllAwareness(connection);
        return;
      case 'ping':
        if (!connection.extensions) return this.ignore(connection);
        connection.sendExtension(encodePong(message.id));
        return;
      case 'stateless':
        if (!connection.extensions) return this.ignore(connection);
        this.broadcastExtension(encodeStateless(message.payload), connection);
        return;
      case 'permission-denied':
      case 'saved':
      case 'pong':
      case 'error':
      case 'auth-token':
      case 'unknown':
        // Server-bound no-ops: clients have no business sending these, and
        // unknown types are ignored for forward compatibility. Never relayed.
        this.ignore(connection);
        return;
    }
  }

  /** Counts an ignored message; too many of them in a minute is a policy violation. */
  private ignore(connection: Connection): void {
    if (connection.admitIgnoredMessage()) return;
    throw new ServerError('ERR_TOO_MANY_IGNORED_MESSAGES', CLOSE_POLICY_VIOLATION, 'too many ignored messages');
  }

  /**
   * Validates a client's update in full, then applies it (docs/security.md):
   * a malformed or oversized update closes with 1007 before anything of it is
   * applied, broadcast, stored or acknowledged; writing another live
   * connection's client ID closes with 1008; an update that needs content the
   * document lacks is dropped and answered with sync step 1; a read-only
   * connection's changes are dropped and refused.
   */
  private applyClientUpdate(connection: Connection, kind: UpdateMessageKind, update: Uint8Array): void {
    const receivedAt = performance.now();
    let inspection = inspectUpdate(update, this.updateLimits);
    if (!inspection.ok) throw new ServerError(inspection.code, CLOSE_BAD_MESSAGE, inspection.detail);
    if (!inspection.canonical) {
      // Stored, forwarded and joined only in the form Yjs writes: merged
      // loads and receivers' pending delete sets depend on it.
      update = canonicalize(update, inspection);
      inspection = inspectUpdate(update, this.updateLimits);
      if (!inspection.ok) throw new ServerError(inspection.code, CLOSE_BAD_MESSAGE, inspection.detail);
    }
    const sequence = ++connection.updatesReceived;
    const writer = this.writerOf(connection);
    const verdict = this.ownership.check({ inspection, writer, kind, serverClock: this.clockOf });
    if (!verdict.ok && verdict.code === 'ERR_UPDATE_CLOCK_GAP') {
      if (++connection.clockGaps > this.maxClockGaps) {
        throw new ServerError(verdict.code, CLOSE_POLICY_VIOLATION, verdict.detail);
      }
      // Not applied: Yjs would park it as pending without bound. The client
      // answers this step 1 with a step 2 holding exactly what is missing.
      connection.awaitingResync = true;
      connection.send(encodeSyncStep1(Y.encodeStateVector(this.doc)));
      return;
    }
    // 1008 for another principal; 1013 while an owner that may be this client's stale socket is probed.
    if (!verdict.ok) throw foreignClientRefusal(verdict, writer, this.connections);
    connection.clockGaps = 0;
    if (connection.access !== 'write') {
      if (verdict.writtenClients.length > 0 || addsDeletions(this.doc, update)) {
        connection.refuseWrite(sequence);
        return;
      }
    } else if (verdict.writtenClients.length > 0 && this.documentBytes + 2 * update.byteLength + 1024 > this.maxDocumentBytes) {
      // Applying an update grows the document by about its own size at most,
      // so the exact growth (a costly decode and re-encode) is only worked
      // out near the limit.
      const grows = Y.diffUpdate(update, Y.encodeStateVector(this.doc)).byteLength;
      if (this.documentBytes + grows > this.maxDocumentBytes) {
        throw new ServerError('ERR_DOCUMENT_TOO_BIG', CLOSE_POLICY_VIOLATION, `document would exceed ${this.maxDocumentBytes} bytes`);
      }
    }
    // A resuming client's step 2 usually has this shape too (its offline edits
    // from the server's clocks on), and is the largest update a room sees.
    if (this.onlyNewStructs(inspection)) {
      this.queueAsSent(update, inspection, { connection, sequence, receivedAt });
      this.ownership.commit(verdict, writer);
      if (kind === 'sync-step-2') connection.awaitingResync = false;
      return;
    }
    if (inspection.structCount === 0 && inspection.deleteRangeCount === 0) {
      // Nothing to apply: the step 2 of a client that joins with nothing
      // new, on every join. Yjs would open and close a transaction for it.
      // The queue is integrated (and appended) first all the same, so the
      // cumulative acknowledgement below never runs ahead of a stored change.
      this.applyQueue.applyAll();
    } else {
      const applyStart = performance.now();
      this.applyAndReencode(connection, update);
      this.metrics?.updateApplied((performance.now() - applyStart) / 1000);
    }
    this.ownership.commit(verdict, writer);
    if (kind === 'sync-step-2') connection.awaitingResync = false;
    // Content Yjs holds back as pending (it builds on something not received
    // yet) is in no append; acknowledging now would call it stored. A later
    // message that leaves nothing pending acknowledges it, cumulatively. The
    // ownership check refuses gaps, so this is an alarm, not a path.
    this.applyQueue.applyAll();
    const pending = this.holdsPendingContent('update');
    if (pending) connection.send(encodeSyncStep1(Y.encodeStateVector(this.ydoc)));
    // Whether or not the update changed anything, its content is durable once
    // every append issued so far has been written.
    if (connection.extensions && !pending && !connection.awaitingResync) {
      this.waitForAppends(connection, sequence, receivedAt);
    }
  }

  /**
   * Whether the document holds content Yjs keeps pending because it builds
   * on content the document lacks. Never expected: the ownership check
   * refuses updates with gaps, and a load merges the whole log. So it is
   * logged and counted as an alarm.
   */
  private holdsPendingContent(after: 'load' | 'update'): boolean {
    const { store } = this.ydoc;
    if (store.pendingStructs === null && store.pendingDs === null) return false;
    this.logger.error(
      { docName: this.docName, pendingStructs: store.pendingStructs !== null, pendingDeletes: store.pendingDs !== null },
      after === 'load' ? 'document loaded from storage holds pending content' : 'update left pending content',
    );
    this.metrics?.pendingContent(after);
    return true;
  }

  /** Queues a saved acknowledgement for when every append issued so far has been written. */
  private waitForAppends(connection: Connection, sequence: number, receivedAt: number): void {
    let waiting = this.waitingAcks;
    if (waiting === undefined) {
      const group: WaitingAcknowledgements = { connections: [], sequences: [], receivedAt: [] };
      waiting = this.waitingAcks = group;
      this.lastAppend.then(
        () => {
          if (this.waitingAcks === group) this.waitingAcks = undefined;
          if (this.currentState !== 'ready') return;
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
    const now = performance.now();
    for (const [connection, ready] of this.readyAcknowledgements) {
      if (this.currentState !== 'ready') break;
      connection.acknowledgeSaved(ready.sequence);
      if (this.metrics !== undefined) for (const at of ready.receivedAt) this.metrics.acknowledged((now - at) / 1000);
    }
    this.readyAcknowledgements.clear();
  };

  /** The room document's clock for a client, queued changes included, for the ownership check. */
  private readonly clockOf = (clientId: number): number => this.applyQueue.clockOf(clientId);

  /** The connection as an ownership writer, made once per connection and subject. */
  private writerOf(connection: Connection): Writer {
    const cached = this.writers.get(connection);
    if (cached !== undefined && cached.principal === connection.subject) return cached;
    const writer: Writer = connection.subject === undefined
      ? { connectionId: connection.id }
      : { connectionId: connection.id, principal: connection.subject };
    this.writers.set(connection, writer);
    return writer;
  }

  /**
   * Whether the update holds, for every client in it, structs starting exactly
   * at the document's clock and nothing else (the shape of a stock client's
   * local edit, or of a step 2 that answers the server's state vector):
   * applying it adds exactly those structs, so the update as sent
   * is what the other connections and storage need.
   */
  private onlyNewStructs(inspection: UpdateInspection): boolean {
    if (inspection.clients.size === 0) return false;
    for (const [clientId, range] of inspection.clients) {
      if (range.firstClock !== this.clockOf(clientId)) return false;
      if (range.requiredClock !== range.firstClock || range.contentEndClock !== range.endClock) return false;
    }
    return true;
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
  private queueAsSent(update: Uint8Array, inspection: UpdateInspection, source: ChangeSource): void {
    this.broadcast.add(update, source.connection, inspection);
    if (update.byteLength >= SEND_AT_ONCE_BYTES) this.broadcast.flush();
    // Counted now, so the size limit sees the whole turn.
    this.documentBytes += update.byteLength;
    this.applyQueue.add({ update, inspection, source });
  }

  /**
   * After the turn's changes are integrated: appends them (as the one update
   * they were integrated as, when they joined; else each, and for one Yjs
   * stopped on, what it integrated, closing its sender), then queues the
   * acknowledgements.
   */
  private settleTurn(turn: AppliedTurn<ChangeSource>): void {
    this.encodedState.invalidate();
    // Content Yjs holds back as pending is in no append it could be rebuilt
    // from; see applyClientUpdate. The ownership check refuses gaps, so this
    // is an alarm, not a path.
    const pending = this.holdsPendingContent('update');
    const applySeconds = turn.seconds / turn.changes.length;
    if (turn.joined !== undefined) this.append(turn.joined);
    let nextFailure = 0;
    for (const change of turn.changes) {
      const failure = turn.failures[nextFailure]?.change === change ? turn.failures[nextFailure++] : undefined;
      const { connection, sequence, receivedAt } = change.source;
      if (turn.joined === undefined) this.append(failure === undefined ? change.update : failure.integrated);
      this.metrics?.updateApplied(applySeconds);
      if (failure !== undefined) {
        this.closeConnection(connection, failure.error);
        continue;
      }
      if (connection.extensions && !pending && !connection.awaitingResync && !connection.isClosed) {
        this.waitForAppends(connection, sequence, receivedAt);
      }
    }
    if (pending) {
      const stateVector = encodeSyncStep1(Y.encodeStateVector(this.ydoc));
      for (const connection of new Set(turn.changes.map((change) => change.source.connection))) connection.send(stateVector);
    }
  }

  /** Applies any other update; Yjs's update event carries exactly what changed, if anything. */
  private applyAndReencode(connection: Connection, update: Uint8Array): void {
    // Reading the document integrates the queued changes first, in order.
    const doc = this.doc;
    doc.on('update', this.handleDocumentUpdate);
    try {
      Y.applyUpdate(doc, update, connection);
    } finally {
      doc.off('update', this.handleDocumentUpdate);
    }
  }

  // Registered only while a client's update is applied (applyAndReencode),
  // so every event it sees is a client's change.
  private readonly handleDocumentUpdate = (update: Uint8Array, origin: unknown): void => {
    this.publish(update, origin);
  };

  /**
   * Hands a change of the document to storage, and to every other connection
   * through the room's broadcast: at once, or at the end of this event-loop
   * turn joined with the turn's other changes (UpdateBroadcast).
   */
  private publish(update: Uint8Array, origin: unknown): void {
    this.broadcast.add(update, origin);
    this.record(update);
  }

  /** Accounts for a change of the document and hands it to storage. */
  private record(update: Uint8Array): void {
    this.encodedState.invalidate();
    this.documentBytes += update.byteLength;
    this.append(update);
  }

  private readonly handleAwarenessUpdate = (
    changes: { added: number[]; updated: number[]; removed: number[] },
    origin: unknown,
  ): void => {
    if (origin instanceof Connection) {
      for (const clientId of changes.added) origin.awarenessClientIds.add(clientId);
      for (const clientId of changes.updated) origin.awarenessClientIds.add(clientId);
      for (const clientId of changes.removed) origin.awarenessClientIds.delete(clientId);
    }
    // A caret may point into a change still queued: that change goes first.
    this.broadcast.flush();
    const changed = [...changes.added, ...changes.updated, ...changes.removed];
    // Sent back to the sender too: stock clients count the echo of their own
    // periodic renewal as proof the connection is alive.
    const message = new SharedMessage(encodeAwareness(awarenessProtocol.encodeAwarenessUpdate(this.awareness, changed)));
    const now = Date.now();
    for (const connection of this.connections) connection.sendShared(message, now);
  };

  private append(update: Uint8Array): void {
    this.appendedUpdates += 1;
    const written = this.store.append(this.docName, update);
    if (written === this.lastWritten) {
      // Same storage batch as the previous append: its reactions cover this one.
      if (this.metrics !== undefined) this.appendStarts.push(performance.now());
      return;
    }
    this.lastWritten = written;
    // Acknowledgements queued from now on wait for this append too.
    this.waitingAcks = undefined;
    if (this.metrics !== undefined) {
      const { metrics } = this;
      const starts = [performance.now()];
      this.appendStarts = starts;
      written.then(() => {
        const now = performance.now();
        for (const started of starts) metrics.storageWritten((now - started) / 1000);
      }, () => undefined);
    }
    this.lastAppend = Promise.all([this.lastAppend, written]).then(() => undefined);
    // Failures are handled once, below; the chain only orders acknowledgements.
    this.lastAppend.catch(() => undefined);
    written.catch((error: unknown) => {
      this.fail(new ServerError('ERR_STORAGE_WRITE_FAILED', CLOSE_INTERNAL_ERROR, 'update could not be stored', {
        cause: error,
      }));
    });
  }

  /** Sends a keep-alive to connections that have heard nothing for `idleMs`. */
  keepAlive(now: number, idleMs: number): void {
    for (const connection of this.connections) {
      if (now - connection.lastSentAt >= idleMs) connection.send(EMPTY_AWARENESS);
    }
  }

  private broadcastExtension(message: Uint8Array, except: Connection): void {
    this.broadcast.flush();
    for (const connection of this.connections) {
      if (connection !== except) connection.sendExtension(message);
    }
  }

  private closeConnection(connection: Connection, error: unknown): void {
    const closeCode = closeCodeForError(error);
    this.logger.warn(
      { docName: this.docName, connectionId: connection.id, err: error, code: errorCodeOf(error) },
      'closing connection after a rejected message',
    );
    connection.close(closeCode, errorCodeOf(error));
  }

  /**
   * Stops serving after a load or write failure: nothing more is applied,
   * acknowledged or stored, and clients reconnect to a freshly loaded room
   * where their own state vectors bring back anything not yet stored.
   */
  private fail(error: ServerError): void {
    if (this.currentState === 'failed' || this.currentState === 'destroyed') return;
    this.currentState = 'failed';
    this.broadcast.clear();
    this.applyQueue.clear();
    this.logger.error({ docName: this.docName, err: error, code: error.code }, error.message);
    for (const connection of this.connections) connection.close(error.closeCode, error.code);
    this.onFailed(this);
  }

  /** Resolves when every append issued so far has settled. */
  async flush(): Promise<void> {
    // Edits of clients that left during the load are appended only after it.
    await this.loaded;
    if (this.currentState === 'ready') this.applyQueue.applyAll();
    await this.lastAppend.catch(() => undefined);
  }

  closeAll(closeCode: CloseCode): void {
    this.broadcast.flush();
    for (const connection of this.connections) connection.close(closeCode);
  }

  destroy(): void {
    if (this.currentState === 'destroyed') return;
    // Changes accepted this turn are still stored, as they would have been had the turn ended.
    if (this.currentState === 'ready') this.applyQueue.applyAll();
    this.currentState = 'destroyed';
    this.broadcast.clear();
    this.applyQueue.clear();
    this.awareness.off('update', this.handleAwarenessUpdate);
    this.awareness.destroy();
    this.ydoc.destroy();
  }
}
