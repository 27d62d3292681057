/**
 * How the load generator frames y-websocket messages (lib0 varUint type
 * first: 0 sync, 1 awareness, 100+ Quire extensions) for one server's wire.
 */
export interface WireAdapter {
  /** The WebSocket URL of a document on a server at `baseUrl` (ws://host:port). */
  url(baseUrl: string, docName: string): string;
  readonly subprotocols: readonly string[];
  /** Messages sent right after the socket opens, before the sync step 1. */
  opening(docName: string): Uint8Array[];
  /** Frames a y-websocket message for the wire. */
  wrap(docName: string, message: Uint8Array): Uint8Array;
  /** A y-websocket message from an incoming frame, or null for wire-internal frames. */
  unwrap(frame: Uint8Array): Uint8Array | null;
  /**
   * True when the server keeps no document (the relay): a client must push its
   * own changes on (re)connect, since no server asks for them.
   */
  readonly stateless: boolean;
}
