import * as Y from 'yjs';
import * as awarenessProtocol from 'y-protocols/awareness';
import {
  CLOSE_BAD_MESSAGE,
  CLOSE_INTERNAL_ERROR,
  decodeMessage,
  encodeAwareness,
  encodePong,
  encodeStateless,
  encodeSyncStep1,
  encodeSyncStep2,
  encodeSyncUpdate,
  type CloseCode,
  type Message,
} from '@quire/protocol';
import type { DocumentStore } from '@quire/storage';
import type { Logger } from './logger.ts';
import { Connection } from './connection.ts';
import { closeCodeForError, errorCodeOf, ServerError } from './server-error.ts';
import { validateStateVector, validateUpdate } from './update-validator.ts';

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
}

// An awareness update that lists no clients: a valid no-op for every client,
// used to show a quiet connection that the server is alive.
const EMPTY_AWARENESS = encodeAwareness(new Uint8Array([0]));

/**
 * One open document: its Y.Doc, its awareness, the connections editing it and
 * its link to storage. Every update is applied once, encoded once for all
 * other connections, and appended to storage.
 */
export class Room {
  readonly docName: string;
  readonly doc = new Y.Doc({ gc: true });
  readonly awareness = new awarenessProtocol.Awareness(this.doc);
  readonly connections = new Set<Connection>();
  private currentState: RoomState = 'loading';
  private readonly store: DocumentStore;
  private readonly logger: Logger;
  private readonly onFailed: (room: Room) => void;
  /** Settles when every append issued so far has settled; appends settle in order. */
  private lastAppend: Promise<void> = Promise.resolve();
  readonly loaded: Promise<void>;

  constructor(options: RoomOptions) {
    this.docName = options.docName;
    this.store = options.store;
    this.logger = options.logger;
    this.onFailed = options.onFailed;
    this.awareness.setLocalState(null);
    this.doc.on('update', this.handleDocumentUpdate);
    this.awareness.on('update', this.handleAwarenessUpdate);
    this.loaded = this.load();
  }

  get state(): RoomState {
    return this.currentState;
  }

  /** Emptiness once the room is serving or failed; the registry unloads empty rooms. */
  get isEmpty(): boolean {
    return this.connections.size === 0;
  }

  private async load(): Promise<void> {
    try {
      const stored = await this.store.load(this.docName);
      if (this.currentState !== 'loading') return;
      if (stored !== null) Y.applyUpdate(this.doc, stored.update, STORAGE_ORIGIN);
      this.currentState = 'ready';
    } catch (error) {
      this.fail(new ServerError('ERR_DOCUMENT_UNAVAILABLE', CLOSE_INTERNAL_ERROR, 'document could not be loaded', {
        cause: error,
      }));
      return;
    }
    for (const connection of this.connections) this.start(connection);
  }

  addConnection(connection: Connection): void {
    this.connections.add(connection);
    if (this.currentState === 'ready') this.start(connection);
  }

  removeConnection(connection: Connection): void {
    if (!this.connections.delete(connection)) return;
    if (connection.awarenessClientIds.size > 0) {
      awarenessProtocol.removeAwarenessStates(this.awareness, [...connection.awarenessClientIds], null);
    }
  }

  /** Takes one raw message from a connection; queued in order while the room loads. */
  receive(connection: Connection, bytes: Uint8Array): void {
    if (connection.isClosed) return;
    if (this.currentState === 'loading') {
      connection.pendingMessages.push(bytes);
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
    if (this.awareness.getStates().size > 0) {
      const clients = [...this.awareness.getStates().keys()];
      connection.send(encodeAwareness(awarenessProtocol.encodeAwarenessUpdate(this.awareness, clients)));
    }
    const pending = connection.pendingMessages.splice(0);
    for (const bytes of pending) this.receive(connection, bytes);
  }

  private dispatch(connection: Connection, bytes: Uint8Array): void {
    const result = decodeMessage(bytes);
    if (!result.ok) throw result.error;
    this.handleMessage(connection, result.message);
  }

  private handleMessage(connection: Connection, message: Message): void {
    switch (message.type) {
      case 'sync-step-1': {
        const stateVector = message.stateVector;
        validateStateVector(stateVector);
        connection.send(encodeSyncStep2(Y.encodeStateAsUpdate(this.doc, stateVector)));
        return;
      }
      case 'sync-step-2':
      case 'sync-update':
        this.applyClientUpdate(connection, message.update);
        return;
      case 'awareness':
        this.applyClientAwareness(connection, message.update);
        return;
      case 'query-awareness': {
        const clients = [...this.awareness.getStates().keys()];
        connection.send(encodeAwareness(awarenessProtocol.encodeAwarenessUpdate(this.awareness, clients)));
        return;
      }
      case 'ping':
        connection.sendExtension(encodePong(message.id));
        return;
      case 'stateless':
        if (!connection.extensions) return;
        this.broadcastExtension(encodeStateless(message.payload), connection);
        return;
      case 'permission-denied':
      case 'saved':
      case 'pong':
      case 'error':
      case 'auth-token':
      case 'unknown':
        // Server-bound no-ops: clients have no business sending these, and
        // unknown types are ignored for forward compatibility.
        return;
    }
  }

  private applyClientUpdate(connection: Connection, update: Uint8Array): void {
    validateUpdate(update);
    const sequence = ++connection.updatesReceived;
    Y.applyUpdate(this.doc, update, connection);
    // Content Yjs holds back as pending (it builds on something not received
    // yet) is in no append; acknowledging now would call it stored. A later
    // message that leaves nothing pending acknowledges it, cumulatively.
    const pending = this.doc.store.pendingStructs !== null || this.doc.store.pendingDs !== null;
    // Whether or not the update changed anything, its content is durable once
    // every append issued so far has been written.
    if (connection.extensions && !pending) {
      this.lastAppend.then(
        () => {
          if (this.currentState === 'ready') connection.acknowledgeSaved(sequence);
        },
        () => undefined,
      );
    }
  }

  private applyClientAwareness(connection: Connection, update: Uint8Array): void {
    try {
      awarenessProtocol.applyAwarenessUpdate(this.awareness, update, connection);
    } catch (cause) {
      throw new ServerError('ERR_AWARENESS_MALFORMED', CLOSE_BAD_MESSAGE, 'awareness update rejected', {
        cause,
      });
    }
  }

  private readonly handleDocumentUpdate = (update: Uint8Array, origin: unknown): void => {
    if (origin === STORAGE_ORIGIN) return;
    const message = encodeSyncUpdate(update);
    for (const connection of this.connections) {
      if (connection !== origin) connection.send(message);
    }
    this.append(update);
  };

  private readonly handleAwarenessUpdate = (
    changes: { added: number[]; updated: number[]; removed: number[] },
    origin: unknown,
  ): void => {
    if (origin instanceof Connection) {
      for (const clientId of changes.added) origin.awarenessClientIds.add(clientId);
      for (const clientId of changes.updated) origin.awarenessClientIds.add(clientId);
      for (const clientId of changes.removed) origin.awarenessClientIds.delete(clientId);
    }
    const changed = [...changes.added, ...changes.updated, ...changes.removed];
    // Sent back to the sender too: stock clients count the echo of their own
    // periodic renewal as proof the connection is alive.
    const message = encodeAwareness(awarenessProtocol.encodeAwarenessUpdate(this.awareness, changed));
    for (const connection of this.connections) connection.send(message);
  };

  private append(update: Uint8Array): void {
    const written = this.store.append(this.docName, update);
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
    this.logger.error({ docName: this.docName, err: error, code: error.code }, error.message);
    for (const connection of this.connections) connection.close(error.closeCode, error.code);
    this.onFailed(this);
  }

  /** Resolves when every append issued so far has settled. */
  async flush(): Promise<void> {
    await this.lastAppend.catch(() => undefined);
  }

  closeAll(closeCode: CloseCode): void {
    for (const connection of this.connections) connection.close(closeCode);
  }

  destroy(): void {
    if (this.currentState === 'destroyed') return;
    this.currentState = 'destroyed';
    this.doc.off('update', this.handleDocumentUpdate);
    this.awareness.off('update', this.handleAwarenessUpdate);
    this.awareness.destroy();
    this.doc.destroy();
  }
}
