/**
 * The little the room logic needs from a socket. The `ws` binding is one
 * adapter (transport/ws-transport.ts); tests and server-side editors can
 * provide their own.
 */
export interface SocketLike {
  /** The negotiated subprotocol, '' when none. */
  readonly protocol: string;
  /** Bytes queued for sending and not yet handed to the OS. */
  readonly bufferedAmount: number;
  send(data: Uint8Array): void;
  close(code: number, reason: string): void;
}
