import * as Y from 'yjs';
import * as awarenessProtocol from 'y-protocols/awareness';
import {
  decodeMessage,
  encodeAwareness,
  encodePong,
  encodeStateless,
  unexpectedCase,
  type CloseCode,
  type Message,
} from '@quire/protocol';
import type { StoredDocument } from '@quire/storage';
import type { Logger } from '../logger.ts';
import { closeCodeForError, errorCodeOf, ServerError } from '../server-error.ts';
import type { Connection } from './connection.ts';
import { createRoomDocument } from './room-document.ts';
import { createRoomParts, type RoomParts, type RoomPartsOptions } from './room-parts.ts';
import type { DocumentLink, LinkedRoom, NodeLink } from './document-link.ts';
import type { OutsideChange, REMOTE_ORIGIN, SERVER_ORIGIN } from './update-channel.ts';

export { REMOTE_ORIGIN, SERVER_ORIGIN } from './update-channel.ts';
export type { RoomLimits } from './room-limits.ts';

/** Who caused a change to the room's document. */
export type TransactionOrigin = Connection | typeof STORAGE_ORIGIN | typeof SERVER_ORIGIN | typeof REMOTE_ORIGIN;
export const STORAGE_ORIGIN = 'storage';

export type RoomState = 'loading' | 'ready' | 'failed' | 'destroyed';

export interface RoomOptions extends RoomPartsOptions {
  readonly docName: string;
  /** Called once when the room can no longer serve (load or write failed). */
  readonly onFailed: (room: Room) => void;
  /**
   * How the room reaches the other nodes serving its document (many nodes on
   * one store). With it, the room joins the document through the link
   * instead of loading it from the store, and takes other nodes' changes.
   */
  readonly link?: NodeLink;
}

// An awareness update that lists no clients: a valid no-op for every client,
// used to show a quiet connection that the server is alive.
const EMPTY_AWARENESS = encodeAwareness(new Uint8Array([0]));

/**
 * One open document: its Y.Doc, its awareness, the connections editing it.
 * The room loads the document, starts each connection, dispatches its
 * messages, and stops serving on a failure; its parts (room-parts.ts) take
 * updates in, store and acknowledge them, and fan awareness out.
 */
export class Room {
  readonly docName: string;
  private readonly ydoc = createRoomDocument();
  readonly awareness = new awarenessProtocol.Awareness(this.ydoc);
  readonly connections = new Set<Connection>();
  readonly loaded: Promise<void>;
  private currentState: RoomState = 'loading';
  private readonly logger: Logger;
  private readonly parts: RoomParts;
  /** Connections that closed while the document loaded, with messages still in their inbox. */
  private readonly departedWhileLoading: Connection[] = [];
  /** The room's end of its link to other nodes, once joined. */
  private documentLink: DocumentLink | undefined;
  /** Other nodes' changes that arrived before the load completed, in order. */
  private readonly remoteWhileLoading: Uint8Array[] = [];
  /** What the link may do to this room. */
  private readonly linked: LinkedRoom = {
    applyRemoteUpdate: (update) => this.applyRemoteUpdate(update),
    applyRemoteAwareness: (update) => {
      if (this.currentState === 'ready') this.parts.awareness.applyRemote(update);
    },
    removeRemoteAwareness: (clientIds) => {
      if (this.currentState === 'ready') this.parts.awareness.removeRemote(clientIds);
    },
    encodeLocalAwareness: () => (this.currentState === 'ready' ? this.parts.awareness.encodeLocal() : undefined),
    fail: (error) => this.fail('ERR_DOCUMENT_UNAVAILABLE', 'document out of step with storage', error),
  };

  constructor(private readonly options: RoomOptions) {
    this.docName = options.docName;
    this.logger = options.logger;
    this.parts = createRoomParts(
      {
        docName: this.docName,
        doc: this.ydoc,
        awareness: this.awareness,
        connections: this.connections,
        serving: () => this.currentState === 'ready',
        fail: (code, message, cause) => this.fail(code, message, cause),
        reject: (connection, error) => this.closeConnection(connection, error),
      },
      options,
    );
    this.loaded = this.load();
  }

  get state(): RoomState {
    return this.currentState;
  }

  /**
   * The room's document, as it is: changes accepted this event-loop turn
   * may not be integrated yet. `integrateQueuedChanges()` returns it with them.
   */
  get doc(): Y.Doc {
    return this.ydoc;
  }

  /** Integrates the changes the room accepted and queued this turn, and returns the document. */
  integrateQueuedChanges(): Y.Doc {
    return this.parts.changes.integrateQueuedChanges();
  }

  /** Log entries appended since the room loaded (a turn's joined changes are one). */
  get appendedUpdates(): number {
    return this.parts.journal.appended;
  }

  /**
   * The document as one update while the room serves, for storage to compact
   * the document's log to. It holds every update the room appended (each is
   * applied before it is appended) and what it loaded. Queued changes are
   * deliberately left out, not integrated: they are appended only once
   * integrated, and integrating here would append from inside the store.
   */
  encodeDocument(): Uint8Array | undefined {
    return this.currentState === 'ready' ? Y.encodeStateAsUpdate(this.ydoc) : undefined;
  }

  /** Emptiness once the room is serving or failed; the registry unloads empty rooms. */
  get isEmpty(): boolean {
    return this.connections.size === 0;
  }

  /**
   * Applies a change from outside the room's connections (the server's own:
   * a function run in one transaction, or an update) through the
   * UpdateChannel: broadcast to every connection and stored. Resolves once
   * stored; rejects if the room does not serve, refuses the update, or fails
   * to store it.
   */
  async enter(change: OutsideChange): Promise<void> {
    await this.loaded;
    if (this.currentState !== 'ready') {
      throw new ServerError('ERR_DOCUMENT_UNAVAILABLE', `document is ${this.currentState}, not served`);
    }
    return this.parts.channel.enter(change);
  }

  /**
   * Another node's committed change: applied after the turn's queued
   * changes and sent to this node's connections, not stored again (it is
   * stored) and not reported as `changed` (the node that accepted it does).
   * Held until the document is loaded; ignored once the room stops serving.
   * Throws what Yjs throws, for the link to recover the document.
   */
  applyRemoteUpdate(update: Uint8Array): void {
    if (this.currentState === 'loading') this.remoteWhileLoading.push(update);
    else if (this.currentState === 'ready') this.parts.channel.enterRemote(update);
  }

  /** The document as storage holds it: through the link when there is one (it then follows other nodes' changes). */
  private async loadStored(): Promise<StoredDocument | null | undefined> {
    const { link } = this.options;
    if (link === undefined) return this.options.store.load(this.docName);
    const joined = await link.join(this.docName, this.linked);
    if (this.currentState !== 'loading') {
      joined.leave();
      return undefined;
    }
    this.documentLink = joined;
    this.parts.awareness.onLocalUpdate((update) => this.documentLink?.publishAwareness(update));
    return joined.stored;
  }

  private async load(): Promise<void> {
    try {
      const stored = await this.loadStored();
      if (this.currentState !== 'loading' || stored === undefined) return;
      if (stored !== null) {
        Y.applyUpdate(this.ydoc, stored.update, STORAGE_ORIGIN);
        this.parts.changes.loaded(stored.update.byteLength);
        // The log's entries, merged, hold everything they build on; pending
        // content here means storage lost or mangled some of it.
        this.parts.journal.holdsPendingContent('load');
      }
      this.currentState = 'ready';
      for (const update of this.remoteWhileLoading.splice(0)) this.parts.channel.enterRemote(update);
    } catch (error) {
      this.fail('ERR_DOCUMENT_UNAVAILABLE', 'document could not be loaded', error);
      return;
    }
    this.parts.events?.loaded(this.docName);
    for (const connection of this.connections) this.start(connection);
    for (const departed of this.departedWhileLoading.splice(0)) {
      this.parts.updates.takeDeparted(departed, this.logger);
      this.forget(departed);
    }
  }

  addConnection(connection: Connection): void {
    this.connections.add(connection);
    if (this.currentState === 'ready') this.start(connection);
  }

  removeConnection(connection: Connection): void {
    if (!this.connections.delete(connection)) return;
    if (this.currentState === 'loading' && connection.pendingMessages.length > 0) this.departedWhileLoading.push(connection);
    else this.forget(connection);
  }

  private forget(connection: Connection): void {
    this.parts.updates.release(connection);
    this.parts.awareness.release(connection);
  }

  /** Takes one raw message from a connection; held in its inbox, in order, while the room loads. */
  receive(connection: Connection, bytes: Uint8Array): void {
    if (connection.isClosed) return;
    if (this.currentState === 'loading') return connection.holdMessage(bytes, 'load');
    if (this.currentState !== 'ready') return;
    try {
      const result = decodeMessage(bytes);
      if (!result.ok) throw result.error;
      this.handleMessage(connection, result.message);
    } catch (error) {
      this.closeConnection(connection, error);
    }
  }

  /** Sends the opening of the handshake, then what arrived before the connection was ready. */
  private start(connection: Connection): void {
    connection.send(this.parts.changes.syncStep1());
    this.parts.awareness.greet(connection);
    connection.replayingHeld = true;
    try {
      for (const bytes of connection.takeHeldMessages()) this.receive(connection, bytes);
    } finally {
      connection.replayingHeld = false;
    }
  }

  private handleMessage(connection: Connection, message: Message): void {
    switch (message.type) {
      case 'sync-step-1':
        return connection.send(this.parts.changes.syncStep2(message.stateVector));
      case 'sync-step-2':
      case 'sync-update':
        return this.parts.updates.take(connection, message.type, message.update);
      case 'awareness':
        return this.parts.awareness.receive(connection, message.update);
      case 'query-awareness':
        return this.parts.awareness.sendAll(connection);
      case 'ping':
        if (!connection.extensions) return this.ignore(connection);
        return connection.sendExtension(encodePong(message.id));
      case 'stateless':
        if (!connection.extensions) return this.ignore(connection);
        return this.broadcastExtension(encodeStateless(message.payload), connection);
      case 'permission-denied':
      case 'saved':
      case 'pong':
      case 'error':
      case 'auth-token':
      case 'unknown':
        // Server-bound no-ops: clients have no business sending these, and
        // unknown types are ignored for forward compatibility. Never relayed.
        return this.ignore(connection);
      default:
        return unexpectedCase(message);
    }
  }

  /** Counts an ignored message; too many of them in a minute is a policy violation. */
  private ignore(connection: Connection): void {
    if (connection.admitIgnoredMessage()) return;
    throw new ServerError('ERR_TOO_MANY_IGNORED_MESSAGES', 'too many ignored messages');
  }

  /** Sends a keep-alive to connections that have heard nothing for `idleMs`. */
  keepAlive(now: number, idleMs: number): void {
    for (const connection of this.connections) {
      if (now - connection.lastSentAt >= idleMs) connection.send(EMPTY_AWARENESS);
    }
  }

  private broadcastExtension(message: Uint8Array, except: Connection): void {
    this.parts.broadcast.flush();
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
  private fail(code: 'ERR_DOCUMENT_UNAVAILABLE' | 'ERR_STORAGE_WRITE_FAILED' | 'ERR_APPLY_FAILED', message: string, cause: unknown): void {
    if (this.currentState === 'failed' || this.currentState === 'destroyed') return;
    const error = new ServerError(code, message, { cause });
    this.currentState = 'failed';
    this.leaveLink();
    this.parts.broadcast.clear();
    this.parts.changes.clear();
    this.logger.error({ docName: this.docName, err: error, code: error.code }, error.message);
    for (const connection of this.connections) connection.close(error.closeCode, error.code);
    this.options.onFailed(this);
  }

  /** Resolves when every append issued so far has settled. */
  async flush(): Promise<void> {
    // Edits of clients that left during the load are appended only after it.
    await this.loaded;
    if (this.currentState === 'ready') this.integrateQueuedChanges();
    await this.parts.journal.whenWritten().catch(() => undefined);
  }

  private leaveLink(): void {
    this.documentLink?.leave();
    this.documentLink = undefined;
    this.remoteWhileLoading.length = 0;
  }

  closeAll(closeCode: CloseCode): void {
    this.parts.broadcast.flush();
    for (const connection of this.connections) connection.close(closeCode);
  }

  destroy(): void {
    if (this.currentState === 'destroyed') return;
    // Changes accepted this turn are still stored, as they would have been had the turn ended.
    if (this.currentState === 'ready') this.integrateQueuedChanges();
    this.currentState = 'destroyed';
    this.leaveLink();
    this.parts.broadcast.clear();
    this.parts.changes.clear();
    this.parts.awareness.destroy();
    this.ydoc.destroy();
  }
}
