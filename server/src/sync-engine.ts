import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { CLOSE_GOING_AWAY } from '@quire/protocol';
import { isSequencedStore } from '@quire/storage';
import { createClusterLink, type ClusterLink } from './cluster/cluster-link.ts';
import type { Logger } from './logger.ts';
import { createSilentLogger } from './logger.ts';
import { RoomRegistry } from './room/room-registry.ts';
import { createOriginCheck } from './auth/origin-policy.ts';
import { resolveSyncServerOptions, roomLimitsOf, type ResolvedSyncServerOptions, type SyncServerOptions } from './server-options.ts';
import { WsTransport } from './transport/ws-transport.ts';
import { ConnectionEvents } from './events/connection-events.ts';
import { DocumentEvents } from './events/document-events.ts';
import { ServerEventEmitter } from './events/event-emitter.ts';
import { resolveServerEventOptions, type ServerEventOptions } from './events/event-options.ts';
import type { ServerEvents } from './events/server-events.ts';
import { createServerDocuments, type ServerDocuments } from './server-documents.ts';
import type { HttpRoutesContext } from './http/http-routes.ts';

const SOCKET_CLOSE_GRACE_MS = 2_000;

/**
 * The sync server without an HTTP server: rooms, the WebSocket transport,
 * the events and what the HTTP endpoints need. createSyncServer puts it on
 * an HTTP server of its own, createSyncHandler hands it to an app's.
 * Internal; its close comes in steps so each caller can fit its HTTP server's
 * own close between them.
 */
export interface SyncEngine extends ServerEvents {
  readonly options: ResolvedSyncServerOptions;
  readonly logger: Logger;
  readonly registry: RoomRegistry;
  readonly transport: WsTransport;
  readonly documents: ServerDocuments;
  /** What the HTTP endpoints read, `staticFiles` left to the caller. */
  readonly httpContext: Omit<HttpRoutesContext, 'staticFiles'>;
  readonly serving: boolean;
  /** Shutdown, first step: upgrades get 503, health checks report shutting down. */
  stopAccepting(): void;
  /**
   * Second step: closes every socket with 1001, flushes and unloads every
   * room, and delivers the pending events.
   */
  closeConnections(): Promise<void>;
  /** Last step. */
  closeStore(): Promise<void>;
}

export function createSyncEngine(options: SyncServerOptions & ServerEventOptions): SyncEngine {
  const { documentChangedDebounceMs, ...serverOptions } = options;
  const resolved = resolveSyncServerOptions(serverOptions, createSilentLogger);
  const eventOptions = resolveServerEventOptions(documentChangedDebounceMs === undefined ? {} : { documentChangedDebounceMs });
  const { logger, store, metrics } = resolved;
  const emitter = new ServerEventEmitter(logger);
  const documentEvents = new DocumentEvents(emitter, eventOptions.documentChangedDebounceMs);
  const link = createLinkIfClustered(resolved);
  const registry = new RoomRegistry({
    store,
    logger,
    metrics,
    events: documentEvents,
    roomIdleMs: resolved.roomIdleMs,
    roomLimits: roomLimitsOf(resolved),
    ...(link === undefined ? {} : { link }),
  });
  // Compactions of an open document encode the room's copy instead of replaying
  // its log. Not on one of many nodes: a room may lack entries another node
  // committed that it has not received yet, so compaction merges the entries themselves.
  if (link === undefined) store.useCurrentState((docName) => registry.get(docName)?.encodeDocument());
  link?.start();
  const transport = new WsTransport({ registry, logger, options: resolved, events: new ConnectionEvents(emitter) });
  metrics.setSources({ connections: () => transport.connectionCount, openDocuments: () => registry.size });
  let serving = true;

  return {
    options: resolved,
    logger,
    registry,
    transport,
    documents: createServerDocuments(registry, () => serving),
    httpContext: {
      store,
      logger,
      metrics,
      isServing: () => serving,
      authorize: resolved.authorize,
      authTimeoutMs: resolved.authTimeoutMs,
      originCheck: resolved.allowedOrigins.length === 0 ? () => true : createOriginCheck(resolved.allowedOrigins),
    },
    get serving() {
      return serving;
    },
    on: (name, listener) => emitter.on(name, listener),
    off: (name, listener) => emitter.off(name, listener),
    stopAccepting() {
      serving = false;
      transport.stopAccepting();
    },
    async closeConnections() {
      transport.closeConnections(CLOSE_GOING_AWAY);
      await registry.closeAll(CLOSE_GOING_AWAY);
      await transport.waitForSockets(SOCKET_CLOSE_GRACE_MS);
      // Every room is flushed and every socket closed: the debounced changes
      // are reported now, with their stored events, and delivered before close resolves.
      documentEvents.flush();
      emitter.drain();
    },
    async closeStore() {
      // The rooms are flushed: nothing more is committed, announced or delivered.
      await link?.close();
      await store.close();
    },
  };
}

/** A node's id when none is configured: where to look (host, process), and unique across restarts. */
function generatedNodeId(): string {
  return `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
}

function createLinkIfClustered(resolved: ResolvedSyncServerOptions): ClusterLink | undefined {
  const { cluster, store, logger, metrics } = resolved;
  if (cluster === undefined) return undefined;
  // resolveSyncServerOptions refused any other store already.
  if (!isSequencedStore(store)) throw new TypeError('cluster needs a sequenced store');
  return createClusterLink({
    store,
    nodeId: cluster.nodeId ?? generatedNodeId(),
    logger,
    registry: metrics.registry,
    ...(cluster.redisUrl === undefined ? {} : { redisUrl: cluster.redisUrl }),
    ...(cluster.pollIntervalMs === undefined ? {} : { pollIntervalMs: cluster.pollIntervalMs }),
    ...(cluster.streamRetentionMs === undefined ? {} : { streamRetentionMs: cluster.streamRetentionMs }),
    ...(cluster.heartbeatTtlMs === undefined ? {} : { heartbeatTtlMs: cluster.heartbeatTtlMs }),
  });
}

/** Said once the server is reachable: open access is a choice worth a warning. */
export function warnIfOpenAccess(engine: SyncEngine): void {
  if (engine.options.authorize === undefined) {
    engine.logger.warn('no authentication configured: every client may read and write every document');
  }
}
