import type { SharedMessage } from './shared-message.ts';

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
  /**
   * Sends a message that goes to many sockets unchanged; an adapter may reuse
   * one framing of it for all of them. Without it, `send(message.bytes)`.
   */
  sendShared?(message: SharedMessage): void;
  close(code: number, reason: string): void;
  /**
   * Checks that the peer is still there (a ping) and drops the socket if it
   * does not answer in time. Optional: sockets without it are never probed.
   */
  probeLiveness?(): void;
}
