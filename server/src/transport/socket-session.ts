import type { IncomingHttpHeaders } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, type RawData } from 'ws';
import { QUIRE_SUBPROTOCOL, decodeMessage, peekMessageType } from '@quire/protocol';
import { closeCodeOf } from '../errors/error-catalog.ts';
import { Connection } from '../room/connection.ts';
import type { Logger } from '../logger.ts';
import type { Room } from '../room/room.ts';
import type { RoomRegistry } from '../room/room-registry.ts';
import type { AuthorizeResult } from '../auth/jwt-authorizer.ts';
import type { ResolvedSyncServerOptions } from '../server-options.ts';
import { closeCodeForError, errorCodeOf } from '../server-error.ts';
import type { SharedMessage } from '../room/shared-message.ts';
import type { SocketLike } from '../room/socket-like.ts';
import { frameBinary, writesFramesDirectly } from './ws-internals.ts';
import { SessionAuth } from '../auth/session-auth.ts';

export interface SocketSessionContext {
  readonly registry: RoomRegistry;
  readonly logger: Logger;
  readonly options: ResolvedSyncServerOptions;
  /**
   * The session is authorized and joined its room: at once, from the
   * constructor, for open access or a grant from the upgrade; when its first
   * token is accepted for a quire.v1 client that authenticates by message.
   */
  readonly onJoined?: (session: SocketSession) => void;
}

export interface SocketSessionInit {
  readonly id: number;
  readonly docName: string;
  /** The grant from the upgrade; undefined for open access or a quire.v1 client that authenticates by message. */
  readonly grant: AuthorizeResult | undefined;
  readonly headers: IncomingHttpHeaders;
  readonly address: string;
}

function toBytes(data: RawData): Uint8Array {
  if (Array.isArray(data)) return Buffer.concat(data);
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return data;
}

// Shared by every connection: a closure per socket would be kept for its whole life.
const closeSlowConsumer = (slow: Connection): void => slow.close(closeCodeOf('ERR_SLOW_CONSUMER'), 'ERR_SLOW_CONSUMER');

// A stock client cannot send tokens (it has no auth-token message), so the
// request headers are never read again after the upgrade and are not kept.
const NO_HEADERS: IncomingHttpHeaders = Object.freeze({});

// Up to this size a message is framed into one buffer and written at once;
// copying it costs less than a second write.
const SINGLE_WRITE_MAX_BYTES = 16 * 1024;

/**
 * One accepted socket: its Connection, its authorization, the per-connection
 * rate limits, and its room once it is authorized. No room is loaded for a
 * connection that never authenticates. It is also the Connection's socket,
 * so an idle connection costs one object here rather than a set of closures.
 *
 * The transport owns the socket's event listeners (one shared set for every
 * socket) and forwards to `receive` and `handleClose`.
 */
export class SocketSession implements SocketLike {
  readonly connection: Connection;
  /** Cleared by each liveness sweep; any message or pong sets it again (markAlive). */
  alive = true;
  /** Drops the socket unless a sign of life comes first; set while a probe is pending. */
  private probeTimer: NodeJS.Timeout | undefined;
  private room: Room | undefined;
  /** Undefined under open access: there is nothing to check, refresh or expire. */
  private readonly auth: SessionAuth | undefined;

  constructor(
    private readonly ws: WebSocket,
    /** The upgraded TCP socket `ws` writes its frames to (the one from the HTTP upgrade). */
    private readonly stream: Duplex,
    init: SocketSessionInit,
    private readonly context: SocketSessionContext,
  ) {
    const { options } = context;
    const { docName } = init;
    const extensions = ws.protocol === QUIRE_SUBPROTOCOL;
    this.connection = new Connection({
      id: init.id,
      docName,
      socket: this,
      extensions,
      maxBufferedBytes: options.maxBufferedBytes,
      onSlowConsumer: closeSlowConsumer,
      rates: options,
      maxQueuedMessages: options.maxQueuedMessages,
      access: init.grant?.access ?? (options.authorize === undefined ? 'write' : 'none'),
      ...(init.grant?.subject === undefined ? {} : { subject: init.grant.subject }),
    });
    this.auth =
      options.authorize === undefined
        ? undefined
        : new SessionAuth({
            authorize: options.authorize,
            request: { docName, headers: extensions ? init.headers : NO_HEADERS, remoteAddress: init.address },
            timeoutMs: options.authTimeoutMs,
            connection: this.connection,
            logger: context.logger,
            onGranted: () => this.join(),
          });
    const { connection } = this;
    context.logger.info(
      { docName, connectionId: connection.id, extensions, access: connection.access, subject: connection.subject },
      'connection opened',
    );
    if (this.auth === undefined) this.join();
    else this.auth.start(init.grant);
  }

  /** Authorized and in its room (see SocketSessionContext.onJoined). */
  get joined(): boolean {
    return this.room !== undefined;
  }

  get protocol(): string {
    return this.ws.protocol;
  }

  get bufferedAmount(): number {
    return this.ws.bufferedAmount;
  }

  send(data: Uint8Array): void {
    this.context.options.metrics.messageSent(data);
    // Small messages (acknowledgements, pongs, step 1) take the same single
    // write as broadcasts (see sendShared); a large one goes through ws, which
    // writes header and payload without copying the payload.
    if (data.byteLength <= SINGLE_WRITE_MAX_BYTES && this.writesFramesDirectly) this.stream.write(frameBinary(data));
    else this.ws.send(data);
  }

  /**
   * Writes the message's frame, built once for every receiver, straight to
   * the socket `ws` writes to. Safe only while `ws` writes every frame
   * synchronously in call order: no compression negotiated (the server
   * disables it; checked here too) and no Blob sends (the server sends none),
   * so `ws`'s send queue is always empty and frames cannot interleave. The
   * bytes count in `bufferedAmount`, which reads the socket's write buffer.
   * Anything else (a closing socket, an extension) goes through `ws.send`.
   */
  sendShared(message: SharedMessage): void {
    this.context.options.metrics.messageSent(message.bytes);
    if (this.writesFramesDirectly) this.stream.write(message.framedWith(frameBinary));
    else this.ws.send(message.bytes);
  }

  /** Whether a frame built here may be written to the socket directly (see sendShared). */
  private get writesFramesDirectly(): boolean {
    return writesFramesDirectly(this.ws);
  }

  close(code: number, reason: string): void {
    this.ws.close(code, reason);
  }

  /**
   * Pings now and terminates the socket unless a pong or a message arrives
   * within `ownerProbeTimeoutMs`. A half-open socket (its client gone with a
   * network change) never answers; dropping it frees the client IDs it owns
   * without waiting one or two keep-alive periods. A socket already closing
   * gets no ping, only the same deadline to finish. One probe at a time.
   */
  probeLiveness(): void {
    if (this.probeTimer !== undefined) return;
    const { connection } = this;
    this.probeTimer = setTimeout(() => {
      this.probeTimer = undefined;
      this.context.logger.info(
        { docName: connection.docName, connectionId: connection.id },
        'client-ID owner did not answer the liveness probe; socket dropped',
      );
      this.ws.terminate();
    }, this.context.options.ownerProbeTimeoutMs);
    this.probeTimer.unref();
    if (this.ws.readyState === WebSocket.OPEN) this.ws.ping();
  }

  /** A message or a pong arrived: the peer is there. Ends a pending probe. */
  markAlive(): void {
    this.alive = true;
    if (this.probeTimer === undefined) return;
    clearTimeout(this.probeTimer);
    this.probeTimer = undefined;
    const { connection } = this;
    this.context.logger.info(
      { docName: connection.docName, connectionId: connection.id },
      'client-ID owner answered the liveness probe',
    );
  }

  /** One message from the socket. */
  receive(data: RawData, isBinary: boolean): void {
    const { connection } = this;
    if (connection.isClosed) return;
    if (!isBinary) {
      connection.close(closeCodeOf('ERR_TEXT_FRAME'), 'ERR_TEXT_FRAME');
      return;
    }
    const bytes = toBytes(data);
    this.context.options.metrics.messageReceived(bytes);
    if (!connection.admitMessage(bytes.byteLength)) {
      connection.close(closeCodeOf('ERR_RATE_LIMITED'), 'ERR_RATE_LIMITED');
      return;
    }
    // Token messages are the transport's business (the room never sees credentials).
    if (connection.extensions && peekMessageType(bytes) === 'auth-token') {
      const decoded = decodeMessage(bytes);
      if (!decoded.ok || decoded.message.type !== 'auth-token') {
        const error = decoded.ok ? undefined : decoded.error;
        connection.close(closeCodeForError(error), errorCodeOf(error));
        return;
      }
      this.auth?.submitToken(decoded.message.token);
      return;
    }
    // Until it is authorized, the connection's inbox holds what it sends
    // (bounded: 1008 past it); its room takes the inbox over once it joins.
    if (this.room === undefined) connection.holdMessage(bytes, 'auth');
    else this.room.receive(connection, bytes);
  }

  /** The socket reported an error; it closes next. */
  handleError(error: Error): void {
    this.context.logger.warn({ docName: this.connection.docName, connectionId: this.connection.id, err: error }, 'socket error');
  }

  /** The socket closed: leave the room and stop the authorization timers. */
  handleClose(code: number): void {
    const { connection, context } = this;
    if (this.probeTimer !== undefined) clearTimeout(this.probeTimer);
    this.probeTimer = undefined;
    this.auth?.end();
    if (this.room !== undefined) {
      // A room that is still loading keeps a departed connection's held edits.
      this.room.removeConnection(connection);
      context.registry.release(this.room);
    } else {
      // Held for a room it never joined: dropped.
      connection.takeHeldMessages();
    }
    context.logger.info(
      { docName: connection.docName, connectionId: connection.id, durationMs: Date.now() - connection.openedAt, code },
      'connection closed',
    );
  }

  /**
   * The connection is authorized (once): join the room, which handles what
   * waited in the inbox as soon as the document is loaded (at once if it is).
   */
  private join(): void {
    const { connection } = this;
    if (connection.isClosed) return;
    const joined = this.context.registry.acquire(connection.docName);
    this.room = joined;
    joined.addConnection(connection);
    this.context.onJoined?.(this);
  }
}
