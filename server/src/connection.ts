import { encodeError, encodeSaved, isSendableCloseCode, type CloseCode } from '@quire/protocol';
import type { SocketLike } from './socket-like.ts';

export interface ConnectionOptions {
  readonly id: number;
  readonly docName: string;
  readonly socket: SocketLike;
  /** Whether the client negotiated the quire.v1 subprotocol. */
  readonly extensions: boolean;
  /** Past this many bytes waiting in the send buffer the connection is closed as a slow consumer. */
  readonly maxBufferedBytes: number;
  readonly onSlowConsumer: (connection: Connection) => void;
}

/**
 * One client's socket on one document, with the per-connection state the room
 * needs: which awareness client IDs it announced, and how many of its updates
 * have been received and acknowledged as stored.
 */
export class Connection {
  readonly id: number;
  readonly docName: string;
  readonly extensions: boolean;
  readonly openedAt = Date.now();
  /** Awareness client IDs this connection set; removed when it closes. */
  readonly awarenessClientIds = new Set<number>();
  /** Messages that arrived while the room was still loading, in order. */
  readonly pendingMessages: Uint8Array[] = [];
  /** Sync messages carrying updates (step 2 and update) received from this connection. */
  updatesReceived = 0;
  /** The highest `updatesReceived` value acknowledged as durably stored. */
  updatesSaved = 0;
  /** When something was last sent; drives the keep-alive. */
  lastSentAt = Date.now();
  private closeCode: CloseCode | undefined;
  private readonly socket: SocketLike;
  private readonly maxBufferedBytes: number;
  private readonly onSlowConsumer: (connection: Connection) => void;

  constructor(options: ConnectionOptions) {
    this.id = options.id;
    this.docName = options.docName;
    this.socket = options.socket;
    this.extensions = options.extensions;
    this.maxBufferedBytes = options.maxBufferedBytes;
    this.onSlowConsumer = options.onSlowConsumer;
  }

  get isClosed(): boolean {
    return this.closeCode !== undefined;
  }

  /** The code this side closed with, if it did. */
  get closedWith(): CloseCode | undefined {
    return this.closeCode;
  }

  send(message: Uint8Array): void {
    if (this.closeCode !== undefined) return;
    if (this.socket.bufferedAmount > this.maxBufferedBytes) {
      this.onSlowConsumer(this);
      return;
    }
    this.lastSentAt = Date.now();
    this.socket.send(message);
  }

  /** Sends an extension message; a no-op for stock clients, which must never see one. */
  sendExtension(message: Uint8Array): void {
    if (this.extensions) this.send(message);
  }

  /** Records that every update received up to `count` is stored, and tells the client. */
  acknowledgeSaved(count: number): void {
    if (count <= this.updatesSaved) return;
    this.updatesSaved = count;
    this.sendExtension(encodeSaved(count));
  }

  /**
   * Closes with `closeCode`. quire.v1 clients first get the reason as a
   * message, since close frames carry little and browsers hide some codes.
   */
  close(closeCode: CloseCode, detail: string = closeCode.reason): void {
    if (this.closeCode !== undefined) return;
    if (!isSendableCloseCode(closeCode.code)) throw new RangeError(`unsendable close code ${closeCode.code}`);
    if (this.extensions && this.socket.bufferedAmount <= this.maxBufferedBytes) {
      this.socket.send(encodeError(closeCode.code, detail));
    }
    this.closeCode = closeCode;
    this.socket.close(closeCode.code, closeCode.reason);
  }
}
