/**
 * The server's public events for an embedding app (docs/api.md). Future
 * webhooks are delivered from these, so each payload is plain data that
 * serialises to JSON as it is.
 */

/** One author of a debounced period of changes to a document. */
export interface DocumentChangeAuthor {
  /** The connection the change came through; absent for a change made by the server. */
  readonly connectionId?: number;
  /** The connection's authenticated subject (a JWT's `sub`), when it has one. */
  readonly user?: string;
  /** Present for a change made through `server.documents`. */
  readonly server?: true;
}

export interface DocumentLoadedEvent {
  /** The document was loaded from storage (or found new) and is being served. */
  readonly documentName: string;
}

export interface DocumentChangedEvent {
  readonly documentName: string;
  /** Every author of the period's changes, in the order of their first change, each once. */
  readonly changedBy: readonly DocumentChangeAuthor[];
}

export interface DocumentStoredEvent {
  /** Every change reported by a `documentChanged` event of this document so far is durable. */
  readonly documentName: string;
}

export interface ConnectionOpenedEvent {
  readonly documentName: string;
  /** Unique for the server's lifetime; the same id as in `changedBy` and in the logs. */
  readonly connectionId: number;
  /** The authenticated subject, when the connection's credentials named one (the event comes once it is authorized). */
  readonly user?: string;
}

export interface ConnectionClosedEvent {
  readonly documentName: string;
  readonly connectionId: number;
  /** The authenticated subject, when the connection had one. */
  readonly user?: string;
  /** The WebSocket close code (1005 when the close frame had none, 1006 when the socket just dropped). */
  readonly closeCode: number;
}

/** Every event, by name, with its payload. */
export interface ServerEventMap {
  documentLoaded: DocumentLoadedEvent;
  documentChanged: DocumentChangedEvent;
  documentStored: DocumentStoredEvent;
  connectionOpened: ConnectionOpenedEvent;
  connectionClosed: ConnectionClosedEvent;
}

export type ServerEventName = keyof ServerEventMap;

/**
 * A listener may be async; the server does not wait for it. What it throws,
 * or the promise it returns rejects with, is logged and goes no further.
 */
export type ServerEventListener<Name extends ServerEventName> = (event: ServerEventMap[Name]) => void | Promise<void>;

/** Subscribing to the server's events. */
export interface ServerEvents {
  on<Name extends ServerEventName>(name: Name, listener: ServerEventListener<Name>): void;
  off<Name extends ServerEventName>(name: Name, listener: ServerEventListener<Name>): void;
}
