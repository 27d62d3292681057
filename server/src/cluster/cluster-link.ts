import type { Redis } from 'ioredis';
import type { Registry } from 'prom-client';
import type { CommittedEntry, SequencedDocumentStore } from '@quire/storage';
import type { Logger } from '../logger.ts';
import type { DocumentLink, LinkedRoom, NodeLink } from '../room/document-link.ts';
import { createAwarenessRelay, type AwarenessMembership, type AwarenessRelay } from './awareness-relay.ts';
import { CatchUpPoller } from './catch-up-poller.ts';
import { createClusterMetrics, type ClusterMetrics } from './cluster-metrics.ts';
import { DocumentFeed } from './document-feed.ts';
import { DEFAULT_HEARTBEAT_TTL_MS } from './node-heartbeat.ts';
import { createRedisConnection } from './redis-connection.ts';
import { decodeEntry, entryFields } from './stream-entry.ts';
import { createStreamKeys, STREAM_START, type StreamKeys } from './stream-keys.ts';
import { StreamPublisher } from './stream-publisher.ts';
import { StreamReader } from './stream-reader.ts';

export const CLUSTER_DEFAULTS = {
  pollIntervalMs: 1_000,
  streamRetentionMs: 300_000,
  keyPrefix: 'quire:',
} as const;

// Entries the quarantine stream keeps (approximately): enough to inspect, bounded.
const QUARANTINE_MAX_ENTRIES = 1_000;

export interface ClusterLinkOptions {
  /** The truth: every node's commits, with their per-document sequence numbers. */
  readonly store: SequencedDocumentStore;
  /** Redis for the update streams (and the awareness relay). Absent: delivery by polling the store only. */
  readonly redisUrl?: string;
  /** This node's id, unique among the nodes (stream entries carry it). */
  readonly nodeId: string;
  /** How often the store is polled while the streams do not deliver: the bound on cross-node delay then. Default 1 s. */
  readonly pollIntervalMs?: number;
  /** How far back stream entries are kept (trimmed as entries are added). Default 5 min. */
  readonly streamRetentionMs?: number;
  /** Prefix of every Redis key. Default `quire:`. */
  readonly keyPrefix?: string;
  readonly logger: Logger;
  /** With Redis: after how long without a heartbeat another node's clients' awareness is removed. Default 10 s. */
  readonly heartbeatTtlMs?: number;
  /** Where the link's metrics go: the server's registry (ServerMetrics.registry). */
  readonly registry: Registry;
}

/** How committed changes of other nodes reach this one now. */
export type ClusterDelivery = 'streams' | 'polling';

export interface ClusterLinkStatus {
  readonly delivery: ClusterDelivery;
  readonly redis: 'connected' | 'disconnected' | 'not-configured';
  /** Documents joined on this node. */
  readonly documents: number;
}

/** A NodeLink over a sequenced store and Redis streams, with its life. */
export interface ClusterLink extends NodeLink {
  /** Starts publishing commits, reading streams and the catch-up check; connects to Redis. */
  start(): void;
  /** Stops everything and disconnects; call once rooms are flushed. */
  close(): Promise<void>;
  readonly status: ClusterLinkStatus;
}

/** One joined document. */
interface Joined {
  readonly feed: DocumentFeed;
  readonly awareness: AwarenessMembership | undefined;
}

interface RedisParts {
  readonly command: Redis;
  readonly reader: Redis;
  readonly streams: StreamReader;
  readonly publisher: StreamPublisher;
}

/**
 * Many nodes on one store: each commit is announced on its document's Redis
 * stream; each joined document reads its stream and applies other nodes'
 * commits in sequence order (DocumentFeed), catching up from the store after
 * a gap, a bad entry, a reconnect, or whatever Redis lost. Without Redis (none
 * configured, or unreachable) the store is polled instead.
 */
export function createClusterLink(options: ClusterLinkOptions): ClusterLink {
  return new StreamClusterLink(options);
}

class StreamClusterLink implements ClusterLink {
  private readonly store: SequencedDocumentStore;
  private readonly logger: Logger;
  private readonly metrics: ClusterMetrics;
  private readonly keys: StreamKeys;
  private readonly pollIntervalMs: number;
  private readonly heartbeatTtlMs: number;
  private readonly joined = new Map<string, Joined>();
  private readonly feeds = new Map<string, DocumentFeed>();
  private readonly redis: RedisParts | undefined;
  private readonly poller: CatchUpPoller;
  /** Other nodes' clients' awareness, relayed through Redis (none without it). */
  private awarenessRelay: AwarenessRelay | undefined;
  private delivery: ClusterDelivery = 'polling';
  private resyncing: Promise<void> | undefined;
  private unsubscribe: (() => void) | undefined;
  private closed = false;

  constructor(private readonly options: ClusterLinkOptions) {
    this.store = options.store;
    this.logger = options.logger.child({ component: 'cluster', nodeId: options.nodeId });
    this.metrics = createClusterMetrics(options.registry);
    this.keys = createStreamKeys(options.keyPrefix ?? CLUSTER_DEFAULTS.keyPrefix);
    this.pollIntervalMs = positive(options.pollIntervalMs ?? CLUSTER_DEFAULTS.pollIntervalMs, 'pollIntervalMs');
    const retentionMs = positive(options.streamRetentionMs ?? CLUSTER_DEFAULTS.streamRetentionMs, 'streamRetentionMs');
    if (options.nodeId.length === 0) throw new TypeError('nodeId must not be empty');
    this.redis = options.redisUrl === undefined ? undefined : this.createRedisParts(options.redisUrl, retentionMs);
    this.heartbeatTtlMs = positive(options.heartbeatTtlMs ?? DEFAULT_HEARTBEAT_TTL_MS, 'heartbeatTtlMs');
    this.poller = new CatchUpPoller({
      store: this.store,
      feeds: () => this.feeds,
      streamsDeliver: () => this.delivery === 'streams',
      // Polling while Redis answers (a join or a read failed once): try the streams again.
      beforeCheck: () => {
        if (this.delivery === 'polling' && this.redisReady()) void this.resync();
      },
      pollIntervalMs: this.pollIntervalMs,
      logger: this.logger,
    });
  }

  get status(): ClusterLinkStatus {
    return {
      delivery: this.delivery,
      redis: this.redis === undefined ? 'not-configured' : this.redisReady() ? 'connected' : 'disconnected',
      documents: this.joined.size,
    };
  }

  start(): void {
    if (this.unsubscribe !== undefined || this.closed) return;
    this.unsubscribe = this.store.onCommitted(this.committed);
    this.poller.start();
    if (this.redis === undefined || this.options.redisUrl === undefined) return;
    this.awarenessRelay = createAwarenessRelay({
      redisUrl: this.options.redisUrl,
      nodeId: this.options.nodeId,
      keyPrefix: this.options.keyPrefix ?? CLUSTER_DEFAULTS.keyPrefix,
      heartbeatTtlMs: this.heartbeatTtlMs,
      logger: this.logger,
      registry: this.options.registry,
    });
    const { command, reader, streams } = this.redis;
    streams.start();
    for (const connection of [command, reader]) {
      connection.connect().catch(() => undefined);
    }
  }

  async join(docName: string, room: LinkedRoom): Promise<DocumentLink> {
    if (this.closed) throw new Error('the cluster link is closed');
    // The stream position first, then storage: whatever commits in between is in both, never in neither.
    const fromId = await this.streamPosition(docName);
    const stored = await this.store.loadSequenced(docName);
    if (this.closed) throw new Error('the cluster link is closed');
    const feed = new DocumentFeed({
      docName,
      room,
      applied: stored?.seq ?? 0,
      store: this.store,
      logger: this.logger,
      metrics: this.metrics,
      quarantine: (entry, reason) => this.quarantine(docName, entry.id, reason, entryFields(entry.nodeId, entry.seq, entry.update)),
      retryMs: this.pollIntervalMs,
    });
    this.joined.get(docName)?.feed.close();
    const awareness = this.awarenessRelay?.join(docName, room);
    const entry: Joined = { feed, awareness };
    this.joined.set(docName, entry);
    this.feeds.set(docName, feed);
    if (fromId !== undefined) this.redis?.streams.follow(docName, fromId);
    // Redis was away when the position would have been noted, and may be back by now.
    else void this.followLate(docName, feed);
    let left = false;
    return {
      stored,
      publishAwareness: (update) => {
        if (!left) awareness?.publish(update);
      },
      leave: () => {
        if (left) return;
        left = true;
        feed.close();
        awareness?.leave();
        if (this.joined.get(docName) !== entry) return;
        this.joined.delete(docName);
        this.feeds.delete(docName);
        this.redis?.streams.unfollow(docName);
      },
    };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.unsubscribe?.();
    this.poller.stop();
    for (const { feed, awareness } of this.joined.values()) {
      feed.close();
      awareness?.leave();
    }
    this.joined.clear();
    this.feeds.clear();
    await this.awarenessRelay?.close().catch((error: unknown) => this.logger.warn({ err: error }, 'closing the awareness relay failed'));
    if (this.redis === undefined) return;
    const { command, reader, streams } = this.redis;
    const loopDone = streams.stop();
    reader.disconnect();
    await loopDone;
    await command.quit().catch(() => command.disconnect());
    this.metrics.redisConnected(false);
  }

  // --- commits out, entries in ---

  private readonly committed = (entries: readonly CommittedEntry[]): void => {
    this.redis?.publisher.publish(entries);
    for (const entry of entries) this.feeds.get(entry.docName)?.own(entry.seq);
  };

  private readonly deliver = (docName: string, id: string, fields: Buffer[]): void => {
    const feed = this.feeds.get(docName);
    if (feed === undefined) return;
    const decoded = decodeEntry(id, fields);
    if (decoded.ok) {
      feed.receive(decoded.entry);
      return;
    }
    this.logger.warn({ docName, id, reason: decoded.poison.reason }, 'malformed stream entry; recovering the document from storage');
    this.quarantine(docName, id, decoded.poison.reason, fields);
    void feed.backfill('poison');
  };

  /** Copies a bad entry aside (bounded), so it can be looked at; counted. */
  private quarantine(docName: string, id: string, reason: string, fields: readonly (string | Buffer)[]): void {
    this.metrics.quarantined();
    const command = this.redis?.command;
    if (command?.status !== 'ready') return;
    const copied: (string | Buffer)[] = [];
    for (let index = 0; index < fields.length; index += 2) {
      const name = fields[index]!;
      copied.push(`entry:${name.toString()}`, fields[index + 1] ?? '');
    }
    command
      .xadd(this.keys.quarantine, 'MAXLEN', '~', QUARANTINE_MAX_ENTRIES, '*', 'key', this.keys.updates(docName), 'id', id, 'reason', reason, 'reporter', this.options.nodeId, ...copied)
      .catch((error: unknown) => this.logger.warn({ err: error, docName, id }, 'copying a stream entry to the quarantine failed'));
  }

  // --- Redis up and down ---

  private createRedisParts(url: string, retentionMs: number): RedisParts {
    const command = createRedisConnection(url, `quire-${this.options.nodeId}`, this.logger);
    const reader = createRedisConnection(url, `quire-${this.options.nodeId}-reader`, this.logger);
    const streams = new StreamReader({
      reader,
      command,
      keys: this.keys,
      logger: this.logger,
      deliver: this.deliver,
      onReadFailed: (error) => this.streamsFailed(error),
      onReadOk: () => {
        if (this.delivery === 'polling') void this.resync();
      },
    });
    const publisher = new StreamPublisher({ redis: command, keys: this.keys, nodeId: this.options.nodeId, retentionMs, logger: this.logger });
    for (const connection of [command, reader]) {
      connection.on('ready', () => {
        this.metrics.redisConnected(this.redisReady());
        void this.resync();
      });
      connection.on('close', () => {
        this.metrics.redisConnected(false);
        this.streamsFailed(undefined);
      });
    }
    return { command, reader, streams, publisher };
  }

  private redisReady(): boolean {
    return this.redis !== undefined && this.redis.command.status === 'ready' && this.redis.reader.status === 'ready';
  }

  /** The streams cannot be relied on: every joined document is polled from storage until they can. */
  private streamsFailed(error: unknown): void {
    if (this.closed || this.delivery === 'polling') return;
    this.delivery = 'polling';
    this.metrics.fellBackToPolling();
    this.logger.warn({ err: error, pollIntervalMs: this.pollIntervalMs }, 'redis unreachable: polling storage for other nodes’ changes');
    this.poller.reschedule();
  }

  /**
   * Redis is back (or first reached): every joined document's stream position
   * is noted again, then it catches up from storage, then the streams deliver.
   */
  private resync(): Promise<void> {
    this.resyncing ??= this.resyncOnce().finally(() => {
      this.resyncing = undefined;
    });
    return this.resyncing;
  }

  private async resyncOnce(): Promise<void> {
    const redis = this.redis;
    if (redis === undefined || this.closed || !this.redisReady() || this.delivery === 'streams') return;
    const docNames = [...this.feeds.keys()];
    let positions: (string | undefined)[];
    try {
      positions = await this.lastIds(docNames);
    } catch (error) {
      this.logger.debug({ err: error }, 'noting stream positions failed; still polling');
      return;
    }
    if (this.closed || !this.redisReady()) return;
    docNames.forEach((docName, index) => {
      const feed = this.feeds.get(docName);
      if (feed === undefined) return;
      redis.streams.follow(docName, positions[index] ?? STREAM_START);
      void feed.backfill('reconnect');
    });
    this.delivery = 'streams';
    this.poller.reschedule();
    this.logger.info({ documents: docNames.length }, 'redis reachable: other nodes’ changes arrive on the streams');
  }

  /**
   * Starts reading the stream of a document joined without a stream
   * position: position noted, then a catch-up from storage. Without Redis
   * now, the next resync does it.
   */
  private async followLate(docName: string, feed: DocumentFeed): Promise<void> {
    const fromId = await this.streamPosition(docName);
    if (fromId === undefined || feed.isClosed || this.feeds.get(docName) !== feed) return;
    this.redis?.streams.follow(docName, fromId);
    await feed.backfill('reconnect');
  }

  /** Where `docName`'s stream ends now; undefined when Redis cannot say (the document is polled meanwhile). */
  private async streamPosition(docName: string): Promise<string | undefined> {
    if (this.redis === undefined || !this.redisReady()) return undefined;
    try {
      return (await this.lastIds([docName]))[0];
    } catch (error) {
      this.streamsFailed(error);
      return undefined;
    }
  }

  /** The last entry id of each document's stream (STREAM_START for an empty or absent one), in one round trip. */
  private async lastIds(docNames: readonly string[]): Promise<string[]> {
    if (docNames.length === 0) return [];
    const pipeline = this.redis!.command.pipeline();
    for (const docName of docNames) pipeline.xrevrange(this.keys.updates(docName), '+', '-', 'COUNT', 1);
    const results = (await pipeline.exec()) ?? [];
    return docNames.map((_docName, index) => {
      const [error, reply] = results[index] ?? [new Error('no reply')];
      if (error) throw error;
      const newest = (reply as [string, string[]][] | null)?.[0];
      return newest?.[0] ?? STREAM_START;
    });
  }
}

function positive(value: number, name: string): number {
  if (!Number.isSafeInteger(value) || value <= 0) throw new RangeError(`${name} must be a positive integer`);
  return value;
}
