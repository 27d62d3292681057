import {
  encodeError,
  encodePermissionDenied,
  encodeSaved,
  isSendableCloseCode,
  READ_ONLY_REASON,
  type CloseCode,
} from '@quire/protocol';
import { closeCodeOf } from '../errors/error-catalog.ts';
import { TokenBucket } from '../limits/token-bucket.ts';
import { Inbox, type InboxWait } from './inbox.ts';
import type { SharedMessage } from './shared-message.ts';
import type { SocketLike } from './socket-like.ts';

/** What a connection may do with its document. `none` until it has authenticated. */
export type ConnectionAccess = 'write' | 'read' | 'none';

/** Per-connection rates; see SyncServerOptions for each. */
export interface ConnectionRateLimits {
  readonly messagesPerSecond: number;
  readonly messageBurst: number;
  readonly bytesPerSecond: number;
  readonly byteBurst: number;
  readonly maxIgnoredMessagesPerMinute: number;
  readonly awarenessIntervalMs: number;
}

export interface ConnectionOptions {
  readonly id: number;
  readonly docName: string;
  readonly socket: SocketLike;
  /** Whether the client negotiated the quire.v1 subprotocol. */
  readonly extensions: boolean;
  /** Past this many bytes waiting in the send buffer the connection is closed as a slow consumer. */
  readonly maxBufferedBytes: number;
  readonly onSlowConsumer: (connection: Connection) => void;
  readonly rates: ConnectionRateLimits;
  /** Initial access; `none` for a connection that still has to authenticate. Default `write`. */
  readonly access?: ConnectionAccess;
  /** The authenticated subject, if any: logs, and the principal for client-ID take-over. */
  readonly subject?: string;
  /** Messages held until the connection is ready (authorized, its room loaded); past it, 1008. Default: no bound. */
  readonly maxQueuedMessages?: number;
}

const NO_MESSAGES: readonly Uint8Array[] = Object.freeze([]);

/**
 * One client's socket on one document, with the per-connection state the room
 * needs: the messages held until it is ready, and how many of its updates
 * have been received and acknowledged as stored. Its awareness bookkeeping
 * is the room's awareness's (awareness/connection-awareness.ts).
 */
export class Connection {
  readonly id: number;
  readonly docName: string;
  readonly extensions: boolean;
  readonly openedAt = Date.now();
  /** Sync messages carrying updates (step 2 and update) received from this connection. */
  updatesReceived = 0;
  /** The highest `updatesReceived` value acknowledged as durably stored. */
  updatesSaved = 0;
  /** When something was last sent; drives the keep-alive. */
  lastSentAt = this.openedAt;
  /** What it may do; changes when it authenticates or refreshes its token. */
  access: ConnectionAccess;
  subject: string | undefined;
  /** Updates in a row refused for a clock gap (each answered with sync step 1). */
  clockGaps = 0;
  /**
   * An update was dropped for a clock gap: acknowledgements wait until a sync
   * step 2 (which carries the dropped content) has been applied.
   */
  awaitingResync = false;
  /**
   * The room is handing over the messages held while it loaded: the client
   * sent them before it could see the document's state, so a clock gap in
   * them is expected (its edits the server lost, e.g. to a failed write) and
   * is not counted, and one sync step 1 asks for all that is missing.
   */
  replayingHeld = false;
  /**
   * The sequence number of the first write refused on a read-only
   * connection. Acknowledgements are cumulative, so none may reach it: the
   * client keeps that change as unsaved.
   */
  firstRefusedUpdate: number | undefined;
  // Most connections sit idle: what only some of them need (an inbox
  // before they are ready, the ignored-message budget) is allocated on first
  // use, which keeps an idle connection small.
  private inbox: Inbox | undefined;
  private ignoredBucket: TokenBucket | undefined;
  private readonly messageBucket: TokenBucket;
  private readonly byteBucket: TokenBucket;
  private closeCode: CloseCode | undefined;
  private readonly socket: SocketLike;
  private readonly maxBufferedBytes: number;
  private readonly onSlowConsumer: (connection: Connection) => void;
  private readonly rates: ConnectionRateLimits;
  private readonly maxQueuedMessages: number;

  constructor(options: ConnectionOptions) {
    this.id = options.id;
    this.docName = options.docName;
    this.socket = options.socket;
    this.extensions = options.extensions;
    this.maxBufferedBytes = options.maxBufferedBytes;
    this.onSlowConsumer = options.onSlowConsumer;
    this.access = options.access ?? 'write';
    this.subject = options.subject;
    this.maxQueuedMessages = options.maxQueuedMessages ?? Infinity;
    const { rates } = options;
    this.rates = rates;
    this.messageBucket = new TokenBucket({ ratePerSecond: rates.messagesPerSecond, burst: rates.messageBurst });
    this.byteBucket = new TokenBucket({ ratePerSecond: rates.bytesPerSecond, burst: rates.byteBurst });
  }

  /** Messages held until the connection is ready, in order. */
  get pendingMessages(): readonly Uint8Array[] {
    return this.inbox?.messages ?? NO_MESSAGES;
  }

  /**
   * Holds a message that arrived before the connection was ready: before its
   * token was accepted (`auth`) or while its room loads (`load`). Past the
   * bound, closes with 1008 instead.
   */
  holdMessage(bytes: Uint8Array, wait: InboxWait): void {
    const full = (this.inbox ??= new Inbox()).hold(bytes, wait, this.maxQueuedMessages);
    if (full !== undefined) this.close(closeCodeOf(full), full);
  }

  /** Takes every held message, in order, and empties the inbox. */
  takeHeldMessages(): readonly Uint8Array[] {
    const { inbox } = this;
    this.inbox = undefined;
    return inbox?.take() ?? NO_MESSAGES;
  }

  /** The least time between two awareness updates forwarded for this connection. */
  get awarenessIntervalMs(): number {
    return this.rates.awarenessIntervalMs;
  }

  /** Charges one incoming message of `byteLength` bytes; false when it exceeds the message or byte rate. */
  admitMessage(byteLength: number): boolean {
    // Both buckets are charged; a refused message closes the connection anyway.
    const messageOk = this.messageBucket.tryTake(1);
    const bytesOk = this.byteBucket.tryTake(byteLength);
    return messageOk && bytesOk;
  }

  /** Counts one ignored message (unknown or server-bound type); false when they come too fast. */
  admitIgnoredMessage(): boolean {
    const perMinute = this.rates.maxIgnoredMessagesPerMinute;
    this.ignoredBucket ??= new TokenBucket({ ratePerSecond: perMinute / 60, burst: perMinute });
    return this.ignoredBucket.tryTake(1);
  }

  /**
   * Tells the client a write was refused without closing: the y-websocket
   * permission-denied message for stock clients (which log it), a quire.v1
   * `error` with 4403 for extended ones. The connection keeps syncing.
   */
  refuseWrite(sequence: number): void {
    this.firstRefusedUpdate ??= sequence;
    if (this.extensions) this.send(encodeError(closeCodeOf(READ_ONLY_REASON).code, READ_ONLY_REASON));
    else this.send(encodePermissionDenied(READ_ONLY_REASON));
  }

  get isClosed(): boolean {
    return this.closeCode !== undefined;
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

  /**
   * Sends a message that goes to many connections unchanged (a broadcast),
   * with the same checks as `send`. `now` is the broadcast's clock reading,
   * taken once for every receiver.
   */
  sendShared(message: SharedMessage, now: number): void {
    if (this.closeCode !== undefined) return;
    const { socket } = this;
    if (socket.bufferedAmount > this.maxBufferedBytes) {
      this.onSlowConsumer(this);
      return;
    }
    this.lastSentAt = now;
    if (socket.sendShared === undefined) socket.send(message.bytes);
    else socket.sendShared(message);
  }

  /** Sends an extension message; a no-op for stock clients, which must never see one. */
  sendExtension(message: Uint8Array): void {
    if (this.extensions) this.send(message);
  }

  /** Records that every update received up to `count` is stored, and tells the client. */
  acknowledgeSaved(count: number): void {
    if (this.firstRefusedUpdate !== undefined) count = Math.min(count, this.firstRefusedUpdate - 1);
    if (count <= this.updatesSaved) return;
    this.updatesSaved = count;
    this.sendExtension(encodeSaved(count));
  }

  /**
   * Asks the socket to prove the peer is still there, and to drop it if not
   * (see SocketSession.probeLiveness). Used on the owner of a client ID that
   * another connection wants, which may be a half-open socket. Closed
   * connections too: a half-open socket never completes its close handshake,
   * and holds its client IDs until the socket is gone.
   */
  probeLiveness(): void {
    this.socket.probeLiveness?.();
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
