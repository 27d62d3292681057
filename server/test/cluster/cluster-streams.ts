import { Redis } from 'ioredis';

/**
 * The cluster's Redis streams as a test reads and writes them with a
 * client of its own: a document's committed changes are entries of
 * `quire:{<docName>}:updates` with the fields `node`, `seq` and `update`.
 */

export function updatesKey(docName: string): string {
  return `quire:{${docName}}:updates`;
}

/** Entries no node could apply are copied here. */
export const QUARANTINE_KEY = 'quire:quarantine';

export interface AnnouncedEntry {
  readonly id: string;
  /** Milliseconds part of the id: when Redis added it. */
  readonly time: number;
  readonly node: string | undefined;
  readonly seq: number | undefined;
}

const open = new Set<Redis>();

/** A client of the test's own on the cluster's redis-server; closed by `closeRedisClients`. */
export function connectRedis(url: string): Redis {
  const redis = new Redis(url, { maxRetriesPerRequest: 1, lazyConnect: false });
  redis.on('error', () => undefined);
  open.add(redis);
  return redis;
}

export function closeRedisClients(): void {
  for (const redis of open) redis.disconnect();
  open.clear();
}

/** Every entry of a document's stream, oldest first. */
export async function announcedEntries(redis: Redis, docName: string): Promise<AnnouncedEntry[]> {
  const entries = await redis.xrangeBuffer(updatesKey(docName), '-', '+');
  return entries.map(([id, fields]) => {
    const text = id.toString('latin1');
    const field = (name: string): string | undefined => {
      for (let index = 0; index + 1 < fields.length; index += 2) if (fields[index]!.toString('latin1') === name) return fields[index + 1]!.toString('utf8');
      return undefined;
    };
    const seq = field('seq');
    return { id: text, time: Number(text.split('-')[0]), node: field('node'), seq: seq === undefined ? undefined : Number(seq) };
  });
}
