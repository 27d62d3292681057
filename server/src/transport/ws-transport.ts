import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import {
  CLOSE_POLICY_VIOLATION,
  CLOSE_TRY_AGAIN_LATER,
  CLOSE_UNSUPPORTED_DATA,
  QUIRE_SUBPROTOCOL,
  parseDocumentPath,
} from '@quire/protocol';
import { Connection } from '../connection.ts';
import type { Logger } from '../logger.ts';
import type { RoomRegistry } from '../room-registry.ts';
import type { ResolvedSyncServerOptions } from '../server-options.ts';
import type { SocketLike } from '../socket-like.ts';

export interface WsTransportOptions {
  readonly registry: RoomRegistry;
  readonly logger: Logger;
  readonly options: ResolvedSyncServerOptions;
}

function toBytes(data: RawData): Uint8Array {
  if (Array.isArray(data)) return Buffer.concat(data);
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return data;
}

function rejectUpgrade(socket: Duplex, status: number, statusText: string, body: string): void {
  socket.end(
    `HTTP/1.1 ${status} ${statusText}\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}

function adaptSocket(ws: WebSocket): SocketLike {
  return {
    get protocol() {
      return ws.protocol;
    },
    get bufferedAmount() {
      return ws.bufferedAmount;
    },
    send: (data) => ws.send(data),
    close: (code, reason) => ws.close(code, reason),
  };
}

/**
 * Binds the room logic to `ws`: upgrade checks, one Connection per socket,
 * and a liveness sweep that drops dead sockets and keeps quiet ones alive.
 */
export class WsTransport {
  private readonly wss: WebSocketServer;
  private readonly alive = new WeakMap<WebSocket, boolean>();
  private readonly sockets = new Set<WebSocket>();
  private sweepTimer: NodeJS.Timeout | undefined;
  private nextConnectionId = 1;
  private accepting = true;

  constructor(private readonly context: WsTransportOptions) {
    const { options } = context;
    this.wss = new WebSocketServer({
      noServer: true,
      maxPayload: options.maxMessageBytes,
      perMessageDeflate: false,
      handleProtocols: (protocols) => (protocols.has(QUIRE_SUBPROTOCOL) ? QUIRE_SUBPROTOCOL : false),
    });
    if (options.keepAliveIntervalMs > 0) {
      this.sweepTimer = setInterval(() => this.sweep(), options.keepAliveIntervalMs);
      this.sweepTimer.unref();
    }
  }

  get connectionCount(): number {
    return this.sockets.size;
  }

  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => socket.destroy());
    if (!this.accepting) {
      rejectUpgrade(socket, 503, 'Service Unavailable', 'server is shutting down');
      return;
    }
    // The raw request path, not a WHATWG-normalised one: normalising would fold
    // "a/../b" into "b" and let two spellings address one document.
    const target = request.url ?? '/';
    const queryStart = target.indexOf('?');
    const pathname = queryStart === -1 ? target : target.slice(0, queryStart);
    const name = parseDocumentPath(pathname, this.context.options.pathPrefix);
    if (!name.ok) {
      rejectUpgrade(socket, 400, 'Bad Request', `invalid document name: ${name.problem}`);
      return;
    }
    this.wss.handleUpgrade(request, socket, head, (ws) => this.accept(ws, name.docName));
  }

  private accept(ws: WebSocket, docName: string): void {
    const { registry, logger, options } = this.context;
    const connection = new Connection({
      id: this.nextConnectionId++,
      docName,
      socket: adaptSocket(ws),
      extensions: ws.protocol === QUIRE_SUBPROTOCOL,
      maxBufferedBytes: options.maxBufferedBytes,
      onSlowConsumer: (slow) => slow.close(CLOSE_TRY_AGAIN_LATER, 'ERR_SLOW_CONSUMER'),
    });
    this.sockets.add(ws);
    this.alive.set(ws, true);
    const room = registry.acquire(docName);
    room.addConnection(connection);
    logger.info({ docName, connectionId: connection.id, extensions: connection.extensions }, 'connection opened');

    ws.on('pong', () => this.alive.set(ws, true));
    ws.on('message', (data, isBinary) => {
      this.alive.set(ws, true);
      if (!isBinary) {
        connection.close(CLOSE_UNSUPPORTED_DATA, 'ERR_TEXT_FRAME');
        return;
      }
      if (room.state === 'loading' && connection.pendingMessages.length >= options.maxQueuedMessages) {
        connection.close(CLOSE_POLICY_VIOLATION, 'ERR_QUEUE_FULL');
        return;
      }
      room.receive(connection, toBytes(data));
    });
    ws.on('error', (error) => {
      logger.warn({ docName, connectionId: connection.id, err: error }, 'socket error');
    });
    ws.once('close', (code) => {
      this.sockets.delete(ws);
      room.removeConnection(connection);
      registry.release(room);
      logger.info(
        { docName, connectionId: connection.id, durationMs: Date.now() - connection.openedAt, code },
        'connection closed',
      );
    });
  }

  private sweep(): void {
    for (const ws of this.sockets) {
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

  /** Resolves once every socket has closed; stragglers are terminated after `graceMs`. */
  async waitForSockets(graceMs: number): Promise<void> {
    const closing = [...this.sockets].map(
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
