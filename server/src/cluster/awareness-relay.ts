import { Redis } from 'ioredis';
import type { Registry } from 'prom-client';
import type { Logger } from '../logger.ts';
import type { LinkedRoom } from '../room/document-link.ts';
import { decodeAwarenessUpdate, type AwarenessLimits } from '../awareness/awareness-guard.ts';
import {
  decodeRelayMessage,
  encodeRelayMessage,
  MAX_NODE_ID_LENGTH,
  MAX_RELAY_MESSAGE_BYTES,
  type RelayMessage,
} from './awareness-relay-message.ts';
import { createAwarenessRelayMetrics } from './awareness-relay-metrics.ts';
import { ClientOrigins } from './awareness-relay-origins.ts';
import { NodeHeartbeat } from './node-heartbeat.ts';

/** The part of a room the relay talks to. */
export type RelayedRoom = Pick<LinkedRoom, 'applyRemoteAwareness' | 'removeRemoteAwareness' | 'encodeLocalAwareness'>;

export interface AwarenessRelayOptions {
  readonly redisUrl: string;
  /** This node's id, unique in the cluster: messages carrying it are this node's own and ignored. */
  readonly nodeId: string;
  /** Put before every channel and key, e.g. `quire:`. */
  readonly keyPrefix: string;
  /**
   * How long this node's heartbeat key outlives its last renewal (renewed
   * every third of it). Another node's clients are removed at most
   * `heartbeatTtlMs + deadNodeCheckIntervalMs` after it stopped renewing.
   */
  readonly heartbeatTtlMs: number;
  readonly logger: Logger;
  readonly registry: Registry;
  /** How often the heartbeats of the nodes heard from are checked. Default: 2/5 of `heartbeatTtlMs` (4 s for 10 s). */
  readonly deadNodeCheckIntervalMs?: number;
}

/** One room's membership in a document's channel. */
export interface AwarenessMembership {
  /** Sends an awareness update of this node's own clients to the other nodes; dropped while Redis is down. */
  publish(update: Uint8Array): void;
  /** The room unloads: the other nodes drop this node's clients of the document, and nothing more is delivered. */
  leave(): void;
}

export interface AwarenessRelay {
  join(docName: string, room: RelayedRoom): AwarenessMembership;
  /** Tells the other nodes this node's clients are gone, deletes the heartbeat key and disconnects. */
  close(): Promise<void>;
}

/** The pub/sub channel of one document's awareness (the braces keep it on one Redis Cluster slot). */
export function awarenessChannel(keyPrefix: string, docName: string): string {
  return `${keyPrefix}{${docName}}:awareness`;
}

// Only what keeps a relayed update from costing this node without bound; each
// room then checks it against its own, tighter awareness limits.
const RELAYED_UPDATE_LIMITS: AwarenessLimits = { maxStateBytes: MAX_RELAY_MESSAGE_BYTES, maxDepth: 256, maxEntries: 100_000 };
/** Remote clients remembered per document for the dead-node removal. */
const MAX_TRACKED_CLIENTS = 100_000;
/** Nodes remembered per document as declared dead, to re-query them when they speak again. */
const MAX_SILENCED_NODES = 1_000;

/** A connection that reconnects for ever, resubscribes through the relay, and queues nothing. */
function connectRedis(url: string, connectionName: string): Redis {
  return new Redis(url, {
    // CLIENT SETNAME refuses spaces; a node id is free text.
    connectionName: connectionName.replace(/[^\w.:-]/g, '_'),
    // Awareness is ephemeral: a command while Redis is down fails at once
    // instead of waiting in ioredis's offline queue, and the relay drops it.
    enableOfflineQueue: false,
    autoResubscribe: false,
    maxRetriesPerRequest: 1,
    retryStrategy: (attempt: number) => Math.min(attempt * 200, 2_000),
  });
}

/** One document this node relays awareness for. */
interface RelayedDocument {
  readonly docName: string;
  readonly channel: string;
  readonly rooms: Set<RelayedRoom>;
  readonly origins: ClientOrigins;
  /** Nodes declared dead here: when one speaks again, its states are asked for at once. */
  readonly silenced: Set<string>;
}

/**
 * Relays awareness between the nodes that serve a document, over Redis
 * pub/sub: one channel per document, each message from one node to all
 * others. A joining node queries and the others answer with their clients'
 * states; a node's heartbeat key tells when it died, and then its clients'
 * states are removed everywhere. While Redis is down awareness stays local
 * and nothing is queued; on reconnect every document is subscribed and
 * queried again.
 */
export function createAwarenessRelay(options: AwarenessRelayOptions): AwarenessRelay {
  const { nodeId, keyPrefix } = options;
  if (nodeId === '' || nodeId.length > MAX_NODE_ID_LENGTH) {
    throw new RangeError(`nodeId must have 1 to ${MAX_NODE_ID_LENGTH} characters`);
  }
  if (!(Number.isSafeInteger(options.heartbeatTtlMs) && options.heartbeatTtlMs >= 30)) {
    throw new RangeError(`heartbeatTtlMs must be an integer of at least 30, got ${String(options.heartbeatTtlMs)}`);
  }
  const checkIntervalMs = options.deadNodeCheckIntervalMs ?? Math.ceil((options.heartbeatTtlMs * 2) / 5);
  if (!(Number.isFinite(checkIntervalMs) && checkIntervalMs > 0)) {
    throw new RangeError(`deadNodeCheckIntervalMs must be positive, got ${String(checkIntervalMs)}`);
  }
  const logger = options.logger.child({ component: 'awareness-relay', nodeId });
  const metrics = createAwarenessRelayMetrics(options.registry);
  const commands = connectRedis(options.redisUrl, `quire-awareness-${nodeId}`);
  const subscriber = connectRedis(options.redisUrl, `quire-awareness-sub-${nodeId}`);
  const heartbeat = new NodeHeartbeat({ redis: commands, keyPrefix, nodeId, ttlMs: options.heartbeatTtlMs, logger });
  /** By channel name. */
  const documents = new Map<string, RelayedDocument>();
  let closed = false;
  let checking = false;

  function isConnected(): boolean {
    return commands.status === 'ready' && subscriber.status === 'ready';
  }

  function send(document: RelayedDocument, message: RelayMessage): void {
    if (closed || commands.status !== 'ready') {
      metrics.dropped();
      return;
    }
    const bytes = encodeRelayMessage(message);
    commands.publish(document.channel, Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)).then(
      () => metrics.sent(message.kind),
      (error: unknown) => {
        metrics.dropped();
        logger.debug({ err: error, docName: document.docName }, 'awareness message not sent');
      },
    );
  }

  /** Asks the other nodes for their clients' states and offers this node's own. */
  function announce(document: RelayedDocument): void {
    send(document, { sender: nodeId, kind: 'query' });
    answer(document);
  }

  function answer(document: RelayedDocument): void {
    for (const room of document.rooms) {
      const local = deliver(document, () => room.encodeLocalAwareness());
      if (local !== undefined) send(document, { sender: nodeId, kind: 'answer', payload: local });
    }
  }

  // A room that throws must not stop the relay's other rooms and documents.
  function deliver<T>(document: RelayedDocument, call: () => T): T | undefined {
    try {
      return call();
    } catch (error) {
      logger.error({ err: error, docName: document.docName }, 'a room failed on relayed awareness');
      return undefined;
    }
  }

  function removeNode(document: RelayedDocument, node: string): number[] {
    const clientIds = document.origins.take(node);
    if (clientIds.length > 0) {
      for (const room of document.rooms) deliver(document, () => room.removeRemoteAwareness(clientIds));
    }
    return clientIds;
  }

  function receive(channel: string, bytes: Uint8Array): void {
    const document = documents.get(channel);
    if (document === undefined) return;
    const message = decodeRelayMessage(bytes);
    if (message === undefined) {
      metrics.malformed();
      logger.debug({ docName: document.docName, bytes: bytes.length }, 'malformed awareness message ignored');
      return;
    }
    if (message.sender === nodeId) return;
    if (document.silenced.delete(message.sender)) send(document, { sender: nodeId, kind: 'query' });
    switch (message.kind) {
      case 'update':
      case 'answer': {
        const decoded = decodeAwarenessUpdate(message.payload, RELAYED_UPDATE_LIMITS);
        if (!decoded.ok) {
          metrics.malformed();
          logger.debug({ docName: document.docName, sender: message.sender, code: decoded.code }, 'invalid relayed awareness ignored');
          return;
        }
        document.origins.note(message.sender, decoded.entries);
        for (const room of document.rooms) deliver(document, () => room.applyRemoteAwareness(message.payload));
        break;
      }
      case 'query':
        answer(document);
        break;
      case 'leave':
        removeNode(document, message.sender);
        break;
    }
    metrics.received(message.kind);
  }

  function subscribe(document: RelayedDocument): void {
    if (subscriber.status !== 'ready') return; // the 'ready' handler subscribes every document
    subscriber.subscribe(document.channel).then(
      () => {
        if (documents.get(document.channel) === document) announce(document);
      },
      (error: unknown) => logger.debug({ err: error, docName: document.docName }, 'awareness channel not subscribed'),
    );
  }

  async function checkNodes(): Promise<void> {
    if (checking || closed) return;
    checking = true;
    try {
      const heard = new Set<string>();
      for (const document of documents.values()) for (const node of document.origins.nodes()) heard.add(node);
      heard.delete(nodeId);
      const dead = await heartbeat.missing([...heard]);
      if (dead === undefined || closed) return;
      for (const node of dead) {
        metrics.nodeDeclaredDead();
        let removed = 0;
        for (const document of documents.values()) {
          const clientIds = removeNode(document, node);
          removed += clientIds.length;
          if (clientIds.length > 0) {
            if (document.silenced.size >= MAX_SILENCED_NODES) document.silenced.clear();
            document.silenced.add(node);
          }
        }
        logger.info({ node, clients: removed }, "node heartbeat gone: its clients' awareness removed");
      }
    } finally {
      checking = false;
    }
  }

  function watchConnection(redis: Redis, name: string, onReady: () => void): void {
    let wasUp = false;
    redis.on('ready', () => {
      if (wasUp) logger.info({ connection: name }, 'Redis reconnected: awareness across nodes resumes');
      wasUp = true;
      metrics.setConnected(isConnected());
      onReady();
    });
    redis.on('close', () => {
      metrics.setConnected(false);
      if (!closed && redis.status !== 'ready' && wasUp) {
        logger.warn({ connection: name }, 'Redis connection lost: awareness across nodes paused');
      }
    });
    // Every failed reconnect emits one; the 'close' above is the one worth a warning.
    redis.on('error', (error: unknown) => logger.debug({ err: error, connection: name }, 'Redis connection error'));
  }

  watchConnection(commands, 'commands', () => {
    void heartbeat.renew();
    for (const document of documents.values()) announce(document);
  });
  watchConnection(subscriber, 'subscriber', () => {
    for (const document of documents.values()) subscribe(document);
  });
  subscriber.on('messageBuffer', (channel: Buffer, message: Buffer) => receive(channel.toString(), message));

  heartbeat.start();
  const checkTimer = setInterval(() => void checkNodes(), checkIntervalMs);
  checkTimer.unref();

  return {
    join(docName, room) {
      if (closed) throw new Error('the awareness relay is closed');
      const channel = awarenessChannel(keyPrefix, docName);
      let document = documents.get(channel);
      if (document === undefined) {
        document = { docName, channel, rooms: new Set([room]), origins: new ClientOrigins(MAX_TRACKED_CLIENTS), silenced: new Set() };
        documents.set(channel, document);
        subscribe(document);
      } else {
        document.rooms.add(room);
        send(document, { sender: nodeId, kind: 'query' });
      }
      const joined = document;
      let left = false;
      return {
        publish(update) {
          if (!left) send(joined, { sender: nodeId, kind: 'update', payload: update });
        },
        leave() {
          if (left) return;
          left = true;
          joined.rooms.delete(room);
          if (joined.rooms.size > 0 || documents.get(channel) !== joined) return;
          send(joined, { sender: nodeId, kind: 'leave' });
          documents.delete(channel);
          if (subscriber.status === 'ready') {
            subscriber.unsubscribe(channel).catch((error: unknown) => logger.debug({ err: error, docName }, 'awareness channel not unsubscribed'));
          }
        },
      };
    },

    async close() {
      if (closed) return;
      clearInterval(checkTimer);
      // The others drop this node's clients now instead of after the heartbeat expires.
      const leaving: Promise<unknown>[] = [];
      if (commands.status === 'ready') {
        for (const document of documents.values()) {
          const bytes = encodeRelayMessage({ sender: nodeId, kind: 'leave' });
          leaving.push(commands.publish(document.channel, Buffer.from(bytes)).catch(() => undefined));
        }
      }
      closed = true;
      await Promise.all(leaving);
      await heartbeat.stop();
      documents.clear();
      await Promise.all([commands, subscriber].map((redis) => disconnect(redis)));
      metrics.setConnected(false);
    },
  };
}

/** Quits politely when connected; otherwise stops reconnecting at once. */
async function disconnect(redis: Redis): Promise<void> {
  if (redis.status === 'ready') {
    try {
      await redis.quit();
      return;
    } catch {
      // fall through: drop the connection
    }
  }
  redis.disconnect();
}
