import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { QUIRE_SUBPROTOCOL, encodeError, parseDocumentPath, type CloseCode } from '@quire/protocol';
import type { Logger } from '../logger.ts';
import type { ConnectionEventSink } from '../events/connection-events.ts';
import type { RoomRegistry } from '../room/room-registry.ts';
import { ConnectionLimiter } from '../limits/connection-limiter.ts';
import type { AuthorizeResult } from '../auth/jwt-authorizer.ts';
import { createOriginCheck, type OriginCheck } from '../auth/origin-policy.ts';
import type { ResolvedSyncServerOptions } from '../server-options.ts';
import { runWithDeadline } from '../auth/run-with-deadline.ts';
import { refusalFor } from '../auth/session-auth.ts';
import { SocketSession, type SocketSessionContext } from './socket-session.ts';
import { readUpgradeFacts, rejectUpgrade } from './upgrade-request.ts';

export interface WsTransportOptions {
  readonly registry: RoomRegistry;
  readonly logger: Logger;
  readonly options: ResolvedSyncServerOptions;
  /** Told when a session opens and when its socket closes (the server's connection events). */
  readonly events?: ConnectionEventSink;
}

/** How an upgrade that passed the HTTP checks continues once the socket is open. */
type Admission =
  | { readonly kind: 'granted'; readonly grant: AuthorizeResult | undefined }
  | { readonly kind: 'refused'; readonly error: unknown };

/**
 * Binds the room logic to `ws`: the checks before an upgrade completes
 * (shutdown, connection limits, origin, document name, credentials), one
 * session per socket, and a liveness sweep that drops dead sockets and keeps
 * quiet ones alive.
 */
export class WsTransport {
  private readonly wss: WebSocketServer;
  /** Every open socket, with its session (none for a socket refused after the upgrade). */
  private readonly sockets = new Map<WebSocket, SocketSession | undefined>();
  /** Refused sockets one sweep has already seen; the next one terminates them. */
  private readonly sweptRefused = new Set<WebSocket>();
  // One listener of each kind for every socket, finding its session through
  // `sockets` (EventEmitter calls them with the socket as `this`): closures
  // per socket would stay allocated for the socket's whole life.
  private readonly onSocketMessage: (this: WebSocket, data: RawData, isBinary: boolean) => void;
  private readonly onSocketPong: (this: WebSocket) => void;
  private readonly onSocketError: (this: WebSocket, error: Error) => void;
  private readonly onSocketClose: (this: WebSocket, code: number) => void;
  private readonly limiter: ConnectionLimiter;
  private readonly originCheck: OriginCheck;
  /**
   * What every session gets: connectionOpened is reported once a session is
   * authorized, so it carries the user of a quire.v1 client that
   * authenticates by message, and a connection never authorized has no events.
   */
  private readonly sessionContext: SocketSessionContext;
  private sweepTimer: NodeJS.Timeout | undefined;
  private nextConnectionId = 1;
  private accepting = true;

  constructor(private readonly context: WsTransportOptions) {
    const { options } = context;
    this.wss = new WebSocketServer({
      noServer: true,
      maxPayload: options.maxMessageBytes,
      maxFragments: options.maxFragments,
      perMessageDeflate: false,
      handleProtocols: (protocols) => (protocols.has(QUIRE_SUBPROTOCOL) ? QUIRE_SUBPROTOCOL : false),
    });
    this.limiter = new ConnectionLimiter({
      maxConnections: options.maxConnections,
      maxPerAddress: options.maxConnectionsPerIp,
    });
    this.originCheck = options.allowedOrigins.length === 0 ? () => true : createOriginCheck(options.allowedOrigins);
    this.sessionContext = {
      ...context,
      onJoined: ({ connection }) => context.events?.opened(connection.docName, connection.id, connection.subject),
    };
    const { sockets, sweptRefused } = this;
    this.onSocketMessage = function (data, isBinary) {
      const session = sockets.get(this);
      if (session === undefined) return;
      session.markAlive();
      session.receive(data, isBinary);
    };
    this.onSocketPong = function () {
      const session = sockets.get(this);
      if (session !== undefined) session.markAlive();
    };
    this.onSocketError = function (error) {
      const session = sockets.get(this);
      if (session !== undefined) session.handleError(error);
      else context.logger.warn({ err: error }, 'socket error');
    };
    this.onSocketClose = function (code) {
      const session = sockets.get(this);
      sockets.delete(this);
      if (session === undefined) sweptRefused.delete(this);
      options.metrics.connectionClosed(code);
      if (session === undefined) return;
      // Read before handleClose, which leaves the room.
      const announced = session.joined;
      session.handleClose(code);
      // Only a connection whose connectionOpened came gets its connectionClosed.
      if (!announced) return;
      const { connection } = session;
      context.events?.closed(connection.docName, connection.id, connection.subject, code);
    };
    if (options.keepAliveIntervalMs > 0) {
      this.sweepTimer = setInterval(() => this.sweep(), options.keepAliveIntervalMs);
      this.sweepTimer.unref();
    }
  }

  get connectionCount(): number {
    return this.sockets.size;
  }

  /** Upgrade requests and sockets holding a connection slot, open or still being checked. */
  get admittedCount(): number {
    return this.limiter.size;
  }

  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', destroyOnError);
    if (!this.accepting) {
      rejectUpgrade(socket, 503, 'server is shutting down');
      return;
    }
    const facts = readUpgradeFacts(request);
    const { address } = facts;
    // The slot is held from the request until its socket closes, whatever
    // happens in between, so slow or abandoned handshakes count too.
    const refusal = this.limiter.tryAcquire(address);
    if (refusal !== null) {
      if (refusal === 'total') rejectUpgrade(socket, 503, 'too many connections', { 'Retry-After': '5' });
      else rejectUpgrade(socket, 429, 'too many connections from this address', { 'Retry-After': '5' });
      return;
    }
    releaseOnClose(socket, this.limiter, address);
    if (!this.originCheck(facts.origin)) {
      rejectUpgrade(socket, 403, 'origin not allowed');
      return;
    }
    const name = parseDocumentPath(facts.pathname, this.context.options.pathPrefix);
    if (!name.ok) {
      rejectUpgrade(socket, 400, `invalid document name: ${name.problem}`);
      return;
    }
    const { docName } = name;
    const { authorize, authTimeoutMs } = this.context.options;
    const bringsCredentials = facts.token !== undefined || request.headers.authorization !== undefined;
    if (authorize === undefined || (!bringsCredentials && facts.offersExtensions)) {
      // Open access, or a quire.v1 client that will send its token in a message.
      this.complete(request, socket, head, docName, address, { kind: 'granted', grant: undefined });
      return;
    }
    const check = runWithDeadline(
      authorize({
        docName,
        ...(facts.token === undefined ? {} : { token: facts.token }),
        headers: request.headers,
        remoteAddress: address,
      }),
      authTimeoutMs,
    );
    const { offersExtensions } = facts;
    check.then(
      (grant) => this.complete(request, socket, head, docName, address, { kind: 'granted', grant }),
      (error: unknown) => {
        const { httpStatus, reason } = refusalFor(error);
        this.context.logger.info({ docName, address, code: reason, err: error }, 'upgrade refused by authorization');
        if (offersExtensions) {
          // Browsers report an HTTP refusal as a bare 1006, which a provider
          // cannot tell from a network fault; a quire.v1 client gets the
          // socket, the reason and the close code instead, and stops retrying.
          this.complete(request, socket, head, docName, address, { kind: 'refused', error });
          return;
        }
        rejectUpgrade(socket, httpStatus, reason, httpStatus === 401 ? { 'WWW-Authenticate': 'Bearer' } : {});
      },
    );
  }

  private complete(
    request: IncomingMessage,
    socket: Duplex,
    head: Buffer,
    docName: string,
    address: string,
    admission: Admission,
  ): void {
    // The client may have gone, or the server begun to close, while the hook ran.
    if (socket.destroyed) return;
    if (!this.accepting) {
      rejectUpgrade(socket, 503, 'server is shutting down');
      return;
    }
    // Only the headers outlive the upgrade (a quire.v1 client's token
    // refreshes are authorized with them); the request itself is let go.
    const { headers } = request;
    this.wss.handleUpgrade(request, socket, head, (ws) => {
      // ws destroys the socket on errors from here on.
      socket.off('error', destroyOnError);
      this.accept(ws, socket, docName, address, headers, admission);
    });
  }

  /** Takes an upgraded socket: a session, or the refusal for a quire.v1 client. */
  private accept(
    ws: WebSocket,
    socket: Duplex,
    docName: string,
    address: string,
    headers: IncomingHttpHeaders,
    admission: Admission,
  ): void {
    this.sockets.set(ws, undefined);
    ws.on('message', this.onSocketMessage);
    ws.on('pong', this.onSocketPong);
    ws.on('error', this.onSocketError);
    // `on`, not `once`: 'close' comes once, and `once` wraps each listener in two more objects.
    ws.on('close', this.onSocketClose);
    if (admission.kind === 'refused') {
      const { closeCode, reason } = refusalFor(admission.error);
      ws.send(encodeError(closeCode.code, reason));
      ws.close(closeCode.code, closeCode.reason);
      return;
    }
    const session = new SocketSession(
      ws,
      socket,
      { id: this.nextConnectionId++, docName, grant: admission.grant, headers, address },
      this.sessionContext,
    );
    // A socket that closed meanwhile had no session when it closed.
    if (!this.sockets.has(ws)) return;
    this.sockets.set(ws, session);
  }

  private sweep(): void {
    for (const [ws, session] of this.sockets) {
      if (session === undefined) {
        // Refused after the upgrade and closing: one sweep of grace, as for a silent socket.
        if (this.sweptRefused.has(ws)) ws.terminate();
        else this.sweptRefused.add(ws);
        continue;
      }
      if (!session.alive) {
        ws.terminate();
        continue;
      }
      session.alive = false;
      ws.ping();
    }
    const now = Date.now();
    for (const room of this.context.registry.values()) {
      if (room.state === 'ready') room.keepAlive(now, this.context.options.keepAliveIntervalMs);
    }
  }

  stopAccepting(): void {
    this.accepting = false;
    if (this.sweepTimer !== undefined) clearInterval(this.sweepTimer);
  }

  /** Closes every connection, including those not in a room yet (still authenticating). */
  closeConnections(closeCode: CloseCode): void {
    for (const [ws, session] of this.sockets) {
      if (session !== undefined) session.connection.close(closeCode);
      else ws.close(closeCode.code, closeCode.reason);
    }
  }

  /** Resolves once every socket has closed; stragglers are terminated after `graceMs`. */
  async waitForSockets(graceMs: number): Promise<void> {
    const closing = [...this.sockets.keys()].map(
      (ws) =>
        new Promise<void>((resolve) => {
          if (ws.readyState === ws.CLOSED) {
            resolve();
            return;
          }
          const timer = setTimeout(() => ws.terminate(), graceMs);
          ws.once('close', () => {
            clearTimeout(timer);
            resolve();
          });
        }),
    );
    await Promise.all(closing);
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }
}

// Module-level so no per-socket closure (which would keep the upgrade
// request's scope alive) stays attached to the socket.
function destroyOnError(this: Duplex): void {
  this.destroy();
}

/** Gives the connection slot back when the socket closes; its scope holds only the address. */
function releaseOnClose(socket: Duplex, limiter: ConnectionLimiter, address: string): void {
  // 'close' is emitted once; `once` would add a wrapper per socket.
  socket.on('close', () => limiter.release(address));
}
