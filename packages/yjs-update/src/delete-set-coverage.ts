import * as Y from 'yjs';

interface Range {
  readonly clock: number;
  readonly len: number;
}

/**
 * Whether `update`'s delete set deletes anything `doc` has not deleted yet.
 * A stock client's sync step 2 always carries its whole delete set, so a
 * read-only client's step 2 without new content still names deletions; only
 * those the document lacks would change it. O(document structs + update),
 * which is affordable for the rare step 2 of a read-only connection.
 */
export function addsDeletions(doc: Y.Doc, update: Uint8Array): boolean {
  const { ds } = Y.decodeUpdate(update);
  if (ds.clients.size === 0) return false;
  // Deleted structs of the document, merged into maximal sorted ranges per client.
  const existing = Y.createDeleteSetFromStructStore(doc.store);
  for (const [client, items] of ds.clients) {
    const have: readonly Range[] = existing.clients.get(client) ?? [];
    for (const item of items) {
      if (item.len > 0 && !isCovered(have, item.clock, item.len)) return true;
    }
  }
  return false;
}

/** Whether the sorted, merged `ranges` hold all of [clock, clock + len). */
function isCovered(ranges: readonly Range[], clock: number, len: number): boolean {
  let low = 0;
  let high = ranges.length - 1;
  while (low <= high) {
    const middle = (low + high) >>> 1;
    const range = ranges[middle]!;
    if (clock < range.clock) high = middle - 1;
    else if (clock >= range.clock + range.len) low = middle + 1;
    else return clock + len <= range.clock + range.len;
  }
  return false;
}
