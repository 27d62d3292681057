import { isSequencedStore, type DocumentStore } from '@quire/storage';
import type { Logger } from './logger.ts';
import { createServerMetrics, type ServerMetrics } from './metrics/server-metrics.ts';
import type { Authorize } from './auth/jwt-authorizer.ts';

export interface SyncServerOptions {
  /** Where documents live. The server closes it on `close()`. */
  readonly store: DocumentStore;
  /** Interface to listen on. Default 127.0.0.1. */
  readonly host?: string;
  /** Port to listen on; 0 picks a free one. Default 1234. */
  readonly port?: number;
  /** A pino-compatible logger. Default: silent. */
  readonly logger?: Logger;
  /**
   * Where the server records what /metrics reports. Pass one to record
   * storage figures from the store's hooks too (main.ts does). Default: a
   * fresh instance, on its own registry.
   */
  readonly metrics?: ServerMetrics;
  /** Only upgrade paths under this prefix are documents; the rest of the path is the name. Default '/'. */
  readonly pathPrefix?: string;
  /** Largest accepted WebSocket message, in bytes (ws `maxPayload`). Default 32 MiB. */
  readonly maxMessageBytes?: number;
  /** A connection whose unsent data passes this many bytes is closed with 1013. Default 16 MiB. */
  readonly maxBufferedBytes?: number;
  /** Messages held for a connection until it is ready (authorized and its document loaded); past it, 1008. Default 1000. */
  readonly maxQueuedMessages?: number;
  /** How long an empty document stays in memory before it is flushed and unloaded. Default 5 s. */
  readonly roomIdleMs?: number;
  /**
   * Period of the liveness sweep: sockets that did not answer the previous
   * ping are dropped, and connections that were sent nothing for a period get
   * a no-op message (stock clients reconnect after 30 s of silence). 0 turns
   * it off. Default 10 s.
   */
  readonly keepAliveIntervalMs?: number;
  /**
   * How long the owner of a contested client ID has to answer a ping. When
   * an update writes a client ID another connection of possibly the same
   * client owns (no authentication, or one subject), the owner may be that
   * client's half-open previous socket: it is pinged at once and dropped
   * unless a pong or a message comes within this window, which frees the ID
   * long before the liveness sweep would. Default 2 s.
   */
  readonly ownerProbeTimeoutMs?: number;
  /**
   * A directory holding a built web app (the editor demo), served to plain
   * HTTP GETs: `/` and `/d/<name>` get its index.html, other paths its files.
   * WebSocket upgrades on any path still open documents. Default null: none.
   */
  readonly staticDir?: string | null;

  // --- Access control (docs/security.md) ---

  /**
   * Decides who may read or write which document. Without it every client
   * may read and write every document, and the server logs a warning at
   * start-up. `createJwtAuthorizer` builds one for JWT bearer tokens.
   */
  readonly authorize?: Authorize;
  /**
   * Browser origins allowed to open a socket (`https://app.example.com`), or
   * `*`. Requests without an Origin header (non-browser clients) pass.
   * Default: empty, which means no origin check.
   */
  readonly allowedOrigins?: readonly string[];
  /**
   * How long a quire.v1 connection that authenticates by message may stay
   * unauthenticated, and how long the authorize hook may take at upgrade.
   * Traffic does not extend it. Default 10 s.
   */
  readonly authTimeoutMs?: number;
  /** How long a client may take to send the HTTP upgrade request headers. Default 10 s. */
  readonly handshakeTimeoutMs?: number;

  // --- Limits (docs/security.md) ---

  /** Open WebSocket connections in total; past it upgrades get HTTP 503. Default 10,000. */
  readonly maxConnections?: number;
  /** Open connections from one client IP (behind a proxy: the proxy's); past it upgrades get HTTP 429. Default 1,000. */
  readonly maxConnectionsPerIp?: number;
  /** An update that would grow a document past this many bytes is refused with 1008. Default 64 MiB. */
  readonly maxDocumentBytes?: number;
  /** Sustained messages per second per connection (token bucket); past it, 1008. Default 100. */
  readonly messagesPerSecond?: number;
  /** Messages a connection may send in a burst. Default 1,000. */
  readonly messageBurst?: number;
  /** Sustained bytes per second per connection; past it, 1008. Default 2 MiB. */
  readonly bytesPerSecond?: number;
  /** Bytes a connection may send in a burst; one larger message passes from a full bucket. Default 16 MiB. */
  readonly byteBurst?: number;
  /** Frames one WebSocket message may be split into (ws `maxFragments`); past it, 1008. Default 1,024. */
  readonly maxFragments?: number;
  /** Least time between two awareness updates forwarded from one connection; newer ones are merged. Default 100 ms. */
  readonly awarenessIntervalMs?: number;
  /** Bytes of one awareness state; a larger one closes the connection with 1008. Default 16 KiB. */
  readonly maxAwarenessStateBytes?: number;
  /** Awareness client IDs one connection may set. Default 4. */
  readonly maxAwarenessClients?: number;
  /** Ignored messages (unknown or server-bound types) per minute per connection before 1008. Default 120. */
  readonly maxIgnoredMessagesPerMinute?: number;
  /**
   * Updates in a row that need content the document does not have (clock
   * gaps) before 1008. Each one is answered with sync step 1. Default 8.
   */
  readonly maxClockGaps?: number;

  // --- Many nodes (docs/api.md) ---

  /**
   * Runs this server as one of many nodes behind a load balancer, on one
   * store that numbers each document's entries (a SequencedDocumentStore,
   * such as PostgreSQL's); each node's committed changes reach the others'
   * clients. Default: absent, a single node.
   */
  readonly cluster?: ClusterOptions;
}

/** The settings of a server that is one of many nodes (SyncServerOptions.cluster). */
export interface ClusterOptions {
  /**
   * Redis, the bus: committed changes are announced on one stream per
   * document, and awareness is relayed. Absent, or unreachable for a while:
   * the other nodes' changes are found by polling the store.
   */
  readonly redisUrl?: string;
  /** This node's id, unique among the nodes. Default: host name, process id and a random suffix. */
  readonly nodeId?: string;
  /** How often the store is polled while Redis does not deliver; the bound on the cross-node delay then. Default 1 s. */
  readonly pollIntervalMs?: number;
  /** How long announced changes stay on the streams (they are in the store for good). Default 5 min. */
  readonly streamRetentionMs?: number;
  /** After how long without a heartbeat another node's clients' awareness is removed. Default: the awareness relay's. */
  readonly heartbeatTtlMs?: number;
}

type NumericOption = {
  [Key in keyof SyncServerOptions]-?: NonNullable<SyncServerOptions[Key]> extends number ? Key : never;
}[keyof SyncServerOptions];

export type ResolvedSyncServerOptions = Required<Omit<SyncServerOptions, 'authorize' | 'cluster'>> & {
  readonly authorize: Authorize | undefined;
  readonly cluster: ClusterOptions | undefined;
};

export const SYNC_SERVER_DEFAULTS = {
  host: '127.0.0.1',
  port: 1234,
  pathPrefix: '/',
  maxMessageBytes: 32 * 1024 * 1024,
  maxBufferedBytes: 16 * 1024 * 1024,
  maxQueuedMessages: 1000,
  roomIdleMs: 5_000,
  keepAliveIntervalMs: 10_000,
  ownerProbeTimeoutMs: 2_000,
  staticDir: null as string | null,
  allowedOrigins: [] as readonly string[],
  authTimeoutMs: 10_000,
  handshakeTimeoutMs: 10_000,
  maxConnections: 10_000,
  maxConnectionsPerIp: 1_000,
  maxDocumentBytes: 64 * 1024 * 1024,
  messagesPerSecond: 100,
  messageBurst: 1_000,
  bytesPerSecond: 2 * 1024 * 1024,
  byteBurst: 16 * 1024 * 1024,
  maxFragments: 1_024,
  awarenessIntervalMs: 100,
  maxAwarenessStateBytes: 16 * 1024,
  maxAwarenessClients: 4,
  maxIgnoredMessagesPerMinute: 120,
  maxClockGaps: 8,
} as const;

/** The document-level limits every room enforces, in the shape the room takes them. */
export interface ServerRoomLimits {
  readonly maxDocumentBytes: number;
  readonly maxClockGaps: number;
  readonly awareness: { readonly maxClientsPerConnection: number; readonly maxStateBytes: number };
}

/**
 * The room limits from resolved options (or SYNC_SERVER_DEFAULTS): the
 * server's defaults are the only ones, so a room needs none of its own.
 */
export function roomLimitsOf(
  options: Pick<ResolvedSyncServerOptions, 'maxDocumentBytes' | 'maxClockGaps' | 'maxAwarenessClients' | 'maxAwarenessStateBytes'>,
): ServerRoomLimits {
  return {
    maxDocumentBytes: options.maxDocumentBytes,
    maxClockGaps: options.maxClockGaps,
    awareness: { maxClientsPerConnection: options.maxAwarenessClients, maxStateBytes: options.maxAwarenessStateBytes },
  };
}

/** Options that must be positive: a zero would refuse everything or divide by zero. */
const POSITIVE: readonly NumericOption[] = [
  'maxConnections',
  'maxConnectionsPerIp',
  'maxDocumentBytes',
  'messagesPerSecond',
  'messageBurst',
  'bytesPerSecond',
  'byteBurst',
  'maxFragments',
  'authTimeoutMs',
  'handshakeTimeoutMs',
  'maxIgnoredMessagesPerMinute',
  'ownerProbeTimeoutMs',
];

const NON_NEGATIVE: readonly NumericOption[] = [
  'maxMessageBytes',
  'maxBufferedBytes',
  'maxQueuedMessages',
  'roomIdleMs',
  'keepAliveIntervalMs',
  'awarenessIntervalMs',
  'maxAwarenessStateBytes',
  'maxAwarenessClients',
  'maxClockGaps',
];

/** Fills in defaults and checks every limit; a bad limit is a programmer error (RangeError). */
export function resolveSyncServerOptions(
  options: SyncServerOptions,
  fallbackLogger: () => Logger,
): ResolvedSyncServerOptions {
  const defined = Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined));
  const resolved = {
    ...SYNC_SERVER_DEFAULTS,
    authorize: undefined,
    cluster: undefined,
    ...defined,
    logger: options.logger ?? fallbackLogger(),
    metrics: options.metrics ?? createServerMetrics(),
  } as ResolvedSyncServerOptions;
  for (const key of NON_NEGATIVE) {
    const value = resolved[key];
    if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`${key} must be a non-negative integer`);
  }
  for (const key of POSITIVE) {
    const value = resolved[key];
    if (!Number.isSafeInteger(value) || value <= 0) throw new RangeError(`${key} must be a positive integer`);
  }
  if (!resolved.pathPrefix.startsWith('/')) throw new RangeError('pathPrefix must start with "/"');
  if (resolved.authorize !== undefined && typeof resolved.authorize !== 'function') {
    throw new TypeError('authorize must be a function');
  }
  if (resolved.cluster !== undefined) checkClusterOptions(resolved.cluster, resolved.store);
  return resolved;
}

const CLUSTER_DURATIONS = ['pollIntervalMs', 'streamRetentionMs', 'heartbeatTtlMs'] as const;

/** Many nodes need a store that numbers entries, and sensible durations; anything else is a programmer error. */
function checkClusterOptions(cluster: ClusterOptions, store: DocumentStore): void {
  if (!isSequencedStore(store)) {
    throw new TypeError('cluster needs a store that numbers each document\'s entries (a SequencedDocumentStore, such as PostgreSQL\'s)');
  }
  for (const key of CLUSTER_DURATIONS) {
    const value = cluster[key];
    if (value !== undefined && (!Number.isSafeInteger(value) || value <= 0)) throw new RangeError(`cluster.${key} must be a positive integer`);
  }
  if (cluster.nodeId !== undefined && (typeof cluster.nodeId !== 'string' || cluster.nodeId.trim() === '')) {
    throw new TypeError('cluster.nodeId must be a non-empty string');
  }
  if (cluster.redisUrl !== undefined && typeof cluster.redisUrl !== 'string') throw new TypeError('cluster.redisUrl must be a string');
}
