import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { QUIRE_SUBPROTOCOL, encodeError, parseDocumentPath, type CloseCode } from '@quire/protocol';
import type { Connection } from '../connection.ts';
import type { Logger } from '../logger.ts';
import type { RoomRegistry } from '../room-registry.ts';
import { ConnectionLimiter } from '../security/connection-limiter.ts';
import type { AuthorizeResult } from '../security/jwt-authorizer.ts';
import { createOriginCheck, type OriginCheck } from '../security/origin-policy.ts';
import type { ResolvedSyncServerOptions } from '../server-options.ts';
import { runWithDeadline } from './run-with-deadline.ts';
import { refusalFor } from './session-auth.ts';
import { runSocketSession } from './socket-session.ts';
import { readUpgradeFacts, rejectUpgrade, type UpgradeFacts } from './upgrade-request.ts';

export interface WsTransportOptions {
  readonly registry: RoomRegistry;
  readonly logger: Logger;
  readonly options: ResolvedSyncServerOptions;
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
  private readonly alive = new WeakMap<WebSocket, boolean>();
  private readonly sockets = new Map<WebSocket, Connection | undefined>();
  private readonly limiter: ConnectionLimiter;
  private readonly originCheck: OriginCheck;
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
    socket.on('error', () => socket.destroy());
    if (!this.accepting) {
      rejectUpgrade(socket, 503, 'server is shutting down');
      return;
    }
    const facts = readUpgradeFacts(request);
    // The slot is held from the request until its socket closes, whatever
    // happens in between, so slow or abandoned handshakes count too.
    const refusal = this.limiter.tryAcquire(facts.address);
    if (refusal !== null) {
      if (refusal === 'total') rejectUpgrade(socket, 503, 'too many connections', { 'Retry-After': '5' });
      else rejectUpgrade(socket, 429, 'too many connections from this address', { 'Retry-After': '5' });
      return;
    }
    socket.once('close', () => this.limiter.release(facts.address));
    if (!this.originCheck(facts.origin)) {
      rejectUpgrade(socket, 403, 'origin not allowed');
      return;
    }
    const name = parseDocumentPath(facts.pathname, this.context.options.pathPrefix);
    if (!name.ok) {
      rejectUpgrade(socket, 400, `invalid document name: ${name.problem}`);
      return;
    }
    const { authorize, authTimeoutMs } = this.context.options;
    const bringsCredentials = facts.token !== undefined || request.headers.authorization !== undefined;
    if (authorize === undefined || (!bringsCredentials && facts.offersExtensions)) {
      // Open access, or a quire.v1 client that will send its token in a message.
      this.complete(request, socket, head, name.docName, facts, { kind: 'granted', grant: undefined });
      return;
    }
    const check = runWithDeadline(
      authorize({
        docName: name.docName,
        ...(facts.token === undefined ? {} : { token: facts.token }),
        headers: request.headers,
        remoteAddress: facts.address,
      }),
      authTimeoutMs,
    );
    check.then(
      (grant) => this.complete(request, socket, head, name.docName, facts, { kind: 'granted', grant }),
      (error: unknown) => {
        const { httpStatus, reason } = refusalFor(error);
        this.context.logger.info(
          { docName: name.docName, address: facts.address, code: reason, err: error },
          'upgrade refused by authorization',
        );
        if (facts.offersExtensions) {
          // Browsers report an HTTP refusal as a bare 1006, which a provider
          // cannot tell from a network fault; a quire.v1 client gets the
          // socket, the reason and the close code instead, and stops retrying.
          this.complete(request, socket, head, name.docName, facts, { kind: 'refused', error });
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
    facts: UpgradeFacts,
    admission: Admission,
  ): void {
    // The client may have gone, or the server begun to close, while the hook ran.
    if (socket.destroyed) return;
    if (!this.accepting) {
      rejectUpgrade(socket, 503, 'server is shutting down');
      return;
    }
    this.wss.handleUpgrade(request, socket, head, (ws) => {
      this.sockets.set(ws, undefined);
      this.alive.set(ws, true);
      ws.on('pong', () => this.alive.set(ws, true));
      ws.on('message', () => this.alive.set(ws, true));
      ws.once('close', (code) => {
        this.sockets.delete(ws);
        this.context.options.metrics.connectionClosed(code);
      });
      if (admission.kind === 'refused') {
        const { closeCode, reason } = refusalFor(admission.error);
        ws.send(encodeError(closeCode.code, reason));
        ws.close(closeCode.code, closeCode.reason);
        return;
      }
      const connection = runSocketSession(
        ws,
        { id: this.nextConnectionId++, docName, grant: admission.grant, headers: request.headers, address: facts.address },
        this.context,
      );
      if (this.sockets.has(ws)) this.sockets.set(ws, connection);
    });
  }

  private sweep(): void {
    for (const ws of this.sockets.keys()) {
      if (this.alive.get(ws) === false) {
        ws.terminate();
        continue;
      }
      this.alive.set(ws, false);
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
    for (const [ws, connection] of this.sockets) {
      if (connection !== undefined) connection.close(closeCode);
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
