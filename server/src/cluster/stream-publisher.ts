import type { Redis } from 'ioredis';
import type { CommittedEntry } from '@quire/storage';
import type { Logger } from '../logger.ts';
import { entryFields } from './stream-entry.ts';
import type { StreamKeys } from './stream-keys.ts';

export interface StreamPublisherOptions {
  readonly redis: Redis;
  readonly keys: StreamKeys;
  readonly nodeId: string;
  /** Entries older than this are trimmed (approximately) as new ones are added. */
  readonly retentionMs: number;
  readonly logger: Logger;
}

/**
 * Announces what this node committed: one XADD per entry to its document's
 * stream, a batch in one pipeline. Only committed entries are added, so what
 * trimming (MINID, `retentionMs` back) removes is in storage; a stream is
 * never deleted. While Redis is away nothing is queued: the other nodes
 * find these entries in storage (polling, then the catch-up check).
 */
export class StreamPublisher {
  constructor(private readonly options: StreamPublisherOptions) {}

  publish(entries: readonly CommittedEntry[]): void {
    const { redis, keys, nodeId, retentionMs, logger } = this.options;
    if (entries.length === 0 || redis.status !== 'ready') return;
    const minId = String(Math.max(0, Date.now() - retentionMs));
    const pipeline = redis.pipeline();
    for (const entry of entries) {
      pipeline.xadd(keys.updates(entry.docName), 'MINID', '~', minId, '*', ...entryFields(nodeId, entry.seq, entry.update));
    }
    pipeline.exec().then(
      (results) => {
        const failed = results?.find(([error]) => error !== null)?.[0];
        if (failed) logger.warn({ err: failed, entries: entries.length }, 'announcing committed changes failed; other nodes catch up from storage');
      },
      (error: unknown) => logger.warn({ err: error, entries: entries.length }, 'announcing committed changes failed; other nodes catch up from storage'),
    );
  }
}
