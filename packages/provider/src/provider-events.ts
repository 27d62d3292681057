/**
 * `connecting`: the provider wants a connection and is opening one or
 * waiting to retry. `connected`: a socket is open. `disconnected`: the
 * provider is not trying — not yet connected, `disconnect()`ed, destroyed,
 * or stopped by the server (permission denied, a close code that says
 * retrying cannot help).
 */
export type ProviderStatus = 'connecting' | 'connected' | 'disconnected';

/** A quire.v1 `error` message: the close code that follows and a machine-readable reason. */
export interface ServerErrorInfo {
  readonly code: number;
  readonly reason: string;
}

/**
 * Why a connection ended. `remote`: the server or the network closed it (or
 * it never opened). The others are the provider's own decisions: `disconnect`
 * (`disconnect()`/`destroy()`), `timeout` (no message within
 * `messageTimeoutMs`), `invalid-message` (the server sent something that
 * could not be decoded or applied), `permission-denied` (an auth message),
 * `wake` (the page became visible after a long hidden period, when a socket
 * that looks open may be long dead).
 */
export type CloseCause = 'remote' | 'disconnect' | 'timeout' | 'invalid-message' | 'permission-denied' | 'wake';

export interface ConnectionCloseEvent {
  /** The document URL of the connection that ended. */
  readonly url: string;
  readonly cause: CloseCause;
  /** The close code the socket reported; 1000 for the provider's own closes. */
  readonly code: number;
  readonly reason: string;
  /** The quire.v1 `error` message the server sent before closing, if any. */
  readonly serverError: ServerErrorInfo | null;
  /** Milliseconds until the next attempt; null when the provider stopped trying. */
  readonly reconnectDelayMs: number | null;
}

export interface ConnectionErrorEvent {
  readonly url: string;
  /** What the WebSocket reported, or what was thrown while handling a server message. */
  readonly error: unknown;
}

export interface PermissionDeniedEvent {
  readonly url: string;
  /** The server's reason: the auth message's text, the `error` message's reason, or the close reason. */
  readonly reason: string;
}

export type QuireProviderEvents = {
  status: (event: { readonly status: ProviderStatus }) => void;
  /** The document holds everything the server had (true), or the connection that achieved it ended (false). */
  sync: (synced: boolean) => void;
  /** The same as `sync`, under the other name y-websocket emits. */
  synced: (synced: boolean) => void;
  'unsaved-changes': (count: number) => void;
  'saved-supported': (supported: boolean) => void;
  'permission-denied': (event: PermissionDeniedEvent) => void;
  'connection-close': (event: ConnectionCloseEvent) => void;
  'connection-error': (event: ConnectionErrorEvent) => void;
  /** An application-defined payload another connection of the document sent with `sendStateless`. */
  stateless: (payload: string) => void;
};
