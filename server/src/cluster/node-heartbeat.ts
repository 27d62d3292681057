import type { Redis } from 'ioredis';
import type { Logger } from '../logger.ts';

/** A node's heartbeat lives this long after its last renewal unless configured otherwise. */
export const DEFAULT_HEARTBEAT_TTL_MS = 10_000;

/** The Redis key that says a node is alive: `<prefix>node:<nodeId>`. */
export function heartbeatKey(keyPrefix: string, nodeId: string): string {
  return `${keyPrefix}node:${nodeId}`;
}

export interface NodeHeartbeatOptions {
  /** A connection for commands, with its offline queue off: a renewal while Redis is down fails at once. */
  readonly redis: Redis;
  readonly keyPrefix: string;
  readonly nodeId: string;
  readonly ttlMs: number;
  readonly logger: Logger;
}

/**
 * This node's heartbeat key, set with a TTL and renewed every third of it,
 * so one or two lost renewals do not expire it; and the question which of
 * some other nodes' keys are gone. A node that dies or loses Redis stops
 * renewing, and its key expires at most `ttlMs` after its last renewal.
 */
export class NodeHeartbeat {
  private readonly key: string;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(private readonly options: NodeHeartbeatOptions) {
    if (!(Number.isSafeInteger(options.ttlMs) && options.ttlMs >= 30)) {
      throw new RangeError(`heartbeat TTL must be an integer of at least 30 ms, got ${String(options.ttlMs)}`);
    }
    this.key = heartbeatKey(options.keyPrefix, options.nodeId);
  }

  /** Sets the key now and keeps renewing it. */
  start(): void {
    if (this.stopped || this.timer !== undefined) return;
    void this.renew();
    this.timer = setInterval(() => void this.renew(), Math.floor(this.options.ttlMs / 3));
    this.timer.unref();
  }

  /** Sets the key with a fresh TTL; a failure (Redis down) is logged and the next renewal tries again. */
  async renew(): Promise<void> {
    if (this.stopped || this.options.redis.status !== 'ready') return;
    try {
      await this.options.redis.set(this.key, this.options.nodeId, 'PX', this.options.ttlMs);
    } catch (error) {
      this.options.logger.debug({ err: error, key: this.key }, 'node heartbeat not renewed');
    }
  }

  /**
   * Which of `nodeIds` have no heartbeat key; undefined when Redis cannot
   * be asked (then nobody is declared dead: this node cannot tell).
   */
  async missing(nodeIds: readonly string[]): Promise<string[] | undefined> {
    if (nodeIds.length === 0) return [];
    if (this.options.redis.status !== 'ready') return undefined;
    try {
      const keys = nodeIds.map((nodeId) => heartbeatKey(this.options.keyPrefix, nodeId));
      const values = await this.options.redis.mget(keys);
      return nodeIds.filter((_nodeId, index) => values[index] === null);
    } catch (error) {
      this.options.logger.debug({ err: error }, 'node heartbeats not checked');
      return undefined;
    }
  }

  /** Stops renewing and deletes the key: no node has to wait for it to expire. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    if (this.options.redis.status !== 'ready') return;
    try {
      await this.options.redis.del(this.key);
    } catch (error) {
      this.options.logger.debug({ err: error, key: this.key }, 'node heartbeat not deleted');
    }
  }
}
