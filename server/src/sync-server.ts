import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHttpHandler } from './http/http-routes.ts';
import { createStaticFiles, SYNC_PATH_META } from './http/static-files.ts';
import { attachToServer } from './http/attach-to-server.ts';
import type { RoomRegistry } from './room/room-registry.ts';
import type { SyncServerOptions } from './server-options.ts';
import type { ServerEventOptions } from './events/event-options.ts';
import type { ServerEvents } from './events/server-events.ts';
import type { ServerDocuments } from './server-documents.ts';
import { createSyncEngine, warnIfOpenAccess } from './sync-engine.ts';
import { createEmbeddedSync, refuseOwnServerOptions } from './sync-handler.ts';

/** Everything createSyncServer takes: the server's settings and those of its events. */
export type CreateSyncServerOptions = SyncServerOptions &
  ServerEventOptions & {
    /**
     * An app's HTTP (or HTTPS) server to run on instead of one of Quire's
     * own: Quire takes upgrades under `pathPrefix` and answers its endpoints
     * under it, hands every other request to the server's request handler,
     * and does not listen (the app does). `host`, `port`, `staticDir` and
     * `handshakeTimeoutMs` do not apply then. `close()` leaves the server open.
     */
    readonly server?: Server;
  };

/** A running server. `on` and `off` subscribe to its events (docs/api.md). */
export interface SyncServer extends ServerEvents {
  /** The address it listens on; on an app's server, that server's ('' and 0 until it listens). */
  readonly host: string;
  readonly port: number;
  /** `ws://host:port` — append `/<documentName>` (after the `pathPrefix`) to connect. */
  readonly url: string;
  /** Server-side changes to documents, broadcast and stored like a client's. */
  readonly documents: ServerDocuments;
  /** Open WebSocket connections. */
  readonly connectionCount: number;
  /**
   * Stops accepting, closes every socket with 1001, flushes and unloads every
   * document, then closes the store, and its own HTTP server (never an app's).
   */
  close(): Promise<void>;
}

// The room registry behind each server, for the repository's own tests and
// tools; not part of @quire/server (index.ts does not export this).
const registries = new WeakMap<SyncServer, RoomRegistry>();

/** The open rooms of `server`. Internal: tests reach room state through it. */
export function roomRegistryOf(server: SyncServer): RoomRegistry {
  const registry = registries.get(server);
  if (registry === undefined) throw new TypeError('not a server made by createSyncServer');
  return registry;
}

function wsUrl(host: string, port: number): string {
  return `ws://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/**
 * Starts a sync server on an HTTP server of its own and resolves once it is
 * listening; or, given `server`, puts it on that one (docs/embedding.md).
 */
export async function createSyncServer(options: CreateSyncServerOptions): Promise<SyncServer> {
  const { server: appServer, ...rest } = options;
  const server = appServer === undefined ? await listenOnOwnServer(rest) : attachToAppServer(appServer, rest);
  return server;
}

/** On an app's HTTP server, which stays the app's: it listens, and close() leaves it open. */
function attachToAppServer(httpServer: Server, options: SyncServerOptions & ServerEventOptions): SyncServer {
  refuseOwnServerOptions(options, 'createSyncServer with a server');
  const { engine, handler, ownsRequest } = createEmbeddedSync(options, 'quire sync server');
  const detach = attachToServer(httpServer, { ownsRequest, handleRequest: handler.handleRequest, handleUpgrade: handler.handleUpgrade });
  // Read when asked: the app may listen before or after this, and on any port.
  const address = (): AddressInfo | undefined => {
    const current = httpServer.address();
    return current !== null && typeof current === 'object' ? current : undefined;
  };
  let closing: Promise<void> | undefined;
  const server: SyncServer = {
    get host() {
      return address()?.address ?? '';
    },
    get port() {
      return address()?.port ?? 0;
    },
    get url() {
      const current = address();
      return current === undefined ? '' : wsUrl(current.address, current.port);
    },
    documents: handler.documents,
    get connectionCount() {
      return handler.connectionCount;
    },
    on: (name, listener) => handler.on(name, listener),
    off: (name, listener) => handler.off(name, listener),
    // Detached once closed: until then upgrades under the prefix get 503 and /healthz says so.
    close: () => (closing ??= handler.close().finally(detach)),
  };
  registries.set(server, engine.registry);
  return server;
}

async function listenOnOwnServer(options: SyncServerOptions & ServerEventOptions): Promise<SyncServer> {
  const engine = createSyncEngine(options);
  const { options: resolved, logger, transport, registry } = engine;
  const staticFiles =
    resolved.staticDir === null
      ? null
      : createStaticFiles(resolved.staticDir, logger, { pageMeta: { [SYNC_PATH_META]: resolved.pathPrefix } });
  const handleHttp = createHttpHandler({ ...engine.httpContext, staticFiles });
  const httpServer: Server = createServer((request, response) => {
    handleHttp(request, response).catch((error: unknown) => {
      logger.error({ err: error }, 'http handler failed');
      if (!response.headersSent) response.writeHead(500);
      response.end();
    });
  });
  // A client that sends its request headers slowly holds a socket; this bounds it.
  httpServer.headersTimeout = resolved.handshakeTimeoutMs;
  httpServer.requestTimeout = Math.max(httpServer.requestTimeout, resolved.handshakeTimeoutMs);
  httpServer.on('upgrade', (request, socket, head) => transport.handleUpgrade(request, socket, head));
  httpServer.on('clientError', (_error, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    else socket.destroy();
  });

  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(resolved.port, resolved.host, () => {
      httpServer.off('error', reject);
      resolve();
    });
  });
  const address = httpServer.address() as AddressInfo;
  const host = resolved.host;
  warnIfOpenAccess(engine);
  logger.info({ host, port: address.port }, 'quire sync server listening');

  let closing: Promise<void> | undefined;
  const close = async (): Promise<void> => {
    engine.stopAccepting();
    const httpClosed = new Promise<void>((resolve) => httpServer.close(() => resolve()));
    await engine.closeConnections();
    httpServer.closeAllConnections();
    await httpClosed;
    await engine.closeStore();
    logger.info('quire sync server closed');
  };

  const server: SyncServer = {
    host,
    port: address.port,
    url: wsUrl(host, address.port),
    documents: engine.documents,
    get connectionCount() {
      return transport.connectionCount;
    },
    on: (name, listener) => engine.on(name, listener),
    off: (name, listener) => engine.off(name, listener),
    close: () => (closing ??= close()),
  };
  registries.set(server, registry);
  return server;
}
