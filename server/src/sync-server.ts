import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CLOSE_GOING_AWAY } from '@quire/protocol';
import { createHttpHandler } from './http/http-routes.ts';
import { createStaticFiles, SYNC_PATH_META } from './http/static-files.ts';
import { createSilentLogger } from './logger.ts';
import { RoomRegistry } from './room/room-registry.ts';
import { createOriginCheck } from './auth/origin-policy.ts';
import { resolveSyncServerOptions, type SyncServerOptions } from './server-options.ts';
import { WsTransport } from './transport/ws-transport.ts';
import { ConnectionEvents } from './events/connection-events.ts';
import { DocumentEvents } from './events/document-events.ts';
import { ServerEventEmitter } from './events/event-emitter.ts';
import { resolveServerEventOptions, type ServerEventOptions } from './events/event-options.ts';
import type { ServerEvents } from './events/server-events.ts';
import { createServerDocuments, type ServerDocuments } from './server-documents.ts';

/** Everything createSyncServer takes: the server's settings and those of its events. */
export type CreateSyncServerOptions = SyncServerOptions & ServerEventOptions;

/** A running server. `on` and `off` subscribe to its events (docs/api.md). */
export interface SyncServer extends ServerEvents {
  readonly host: string;
  readonly port: number;
  /** `ws://host:port` — append `/<documentName>` to connect. */
  readonly url: string;
  /** Server-side changes to documents, broadcast and stored like a client's. */
  readonly documents: ServerDocuments;
  /** Open WebSocket connections. */
  readonly connectionCount: number;
  /**
   * Stops accepting, closes every socket with 1001 (going away), flushes and
   * unloads every document, then closes the store.
   */
  close(): Promise<void>;
}

const SOCKET_CLOSE_GRACE_MS = 2_000;

// The room registry behind each server, for the repository's own tests and
// tools; not part of @quire/server (index.ts does not export this).
const registries = new WeakMap<SyncServer, RoomRegistry>();

/** The open rooms of `server`. Internal: tests reach room state through it. */
export function roomRegistryOf(server: SyncServer): RoomRegistry {
  const registry = registries.get(server);
  if (registry === undefined) throw new TypeError('not a server made by createSyncServer');
  return registry;
}

/** Starts a sync server and resolves once it is listening. */
export async function createSyncServer(options: CreateSyncServerOptions): Promise<SyncServer> {
  const { documentChangedDebounceMs, ...serverOptions } = options;
  const resolved = resolveSyncServerOptions(serverOptions, createSilentLogger);
  const eventOptions = resolveServerEventOptions(documentChangedDebounceMs === undefined ? {} : { documentChangedDebounceMs });
  const { logger, store, metrics } = resolved;
  const emitter = new ServerEventEmitter(logger);
  const documentEvents = new DocumentEvents(emitter, eventOptions.documentChangedDebounceMs);
  const registry = new RoomRegistry({
    store,
    logger,
    metrics,
    events: documentEvents,
    roomIdleMs: resolved.roomIdleMs,
    roomLimits: {
      maxDocumentBytes: resolved.maxDocumentBytes,
      maxClockGaps: resolved.maxClockGaps,
      awareness: {
        maxClientsPerConnection: resolved.maxAwarenessClients,
        maxStateBytes: resolved.maxAwarenessStateBytes,
      },
    },
  });
  // Compactions of an open document encode the room's copy instead of replaying its log.
  store.useCurrentState((docName) => registry.get(docName)?.encodeDocument());
  const transport = new WsTransport({ registry, logger, options: resolved, events: new ConnectionEvents(emitter) });
  metrics.setSources({ connections: () => transport.connectionCount, openDocuments: () => registry.size });
  let serving = true;

  const staticFiles =
    resolved.staticDir === null
      ? null
      : createStaticFiles(resolved.staticDir, logger, { pageMeta: { [SYNC_PATH_META]: resolved.pathPrefix } });
  const handleHttp = createHttpHandler({
    store,
    logger,
    metrics,
    isServing: () => serving,
    staticFiles,
    authorize: resolved.authorize,
    authTimeoutMs: resolved.authTimeoutMs,
    originCheck: resolved.allowedOrigins.length === 0 ? () => true : createOriginCheck(resolved.allowedOrigins),
  });
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
  if (resolved.authorize === undefined) {
    logger.warn('no authentication configured: every client may read and write every document');
  }
  logger.info({ host, port: address.port }, 'quire sync server listening');

  let closing: Promise<void> | undefined;
  const close = async (): Promise<void> => {
    serving = false;
    transport.stopAccepting();
    const httpClosed = new Promise<void>((resolve) => httpServer.close(() => resolve()));
    transport.closeConnections(CLOSE_GOING_AWAY);
    await registry.closeAll(CLOSE_GOING_AWAY);
    await transport.waitForSockets(SOCKET_CLOSE_GRACE_MS);
    // Every room is flushed and every socket closed: the debounced changes
    // are reported now, with their stored events, and delivered before close resolves.
    documentEvents.flush();
    emitter.drain();
    httpServer.closeAllConnections();
    await httpClosed;
    await store.close();
    logger.info('quire sync server closed');
  };

  const server: SyncServer = {
    host,
    port: address.port,
    url: `ws://${host.includes(':') ? `[${host}]` : host}:${address.port}`,
    documents: createServerDocuments(registry, () => serving),
    get connectionCount() {
      return transport.connectionCount;
    },
    on: (name, listener) => emitter.on(name, listener),
    off: (name, listener) => emitter.off(name, listener),
    close: () => (closing ??= close()),
  };
  registries.set(server, registry);
  return server;
}
