/**
 * Where the cluster keeps things in Redis. Every key of one document carries
 * its name as the hash tag (`{…}`), so a document's keys share a slot.
 *
 * - `<prefix>{<docName>}:updates`: the document's stream of committed
 *   changes, one entry per committed log entry (fields `node`, `seq`, `update`).
 * - `<prefix>quarantine`: entries no node could apply, copied aside
 *   (fields `key`, `id`, `reason`, then the entry's own), capped.
 */
export interface StreamKeys {
  updates(docName: string): string;
  readonly quarantine: string;
}

export function createStreamKeys(prefix: string): StreamKeys {
  return {
    updates: (docName) => `${prefix}{${docName}}:updates`,
    quarantine: `${prefix}quarantine`,
  };
}

/** The id before every entry of a stream: reading after it reads the whole stream. */
export const STREAM_START = '0-0';

/** The milliseconds part of a stream entry id (`<ms>-<n>`): when Redis added it. */
export function streamIdTime(id: string): number {
  const dash = id.indexOf('-');
  return Number(dash === -1 ? id : id.slice(0, dash));
}
