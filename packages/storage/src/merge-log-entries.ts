import * as Y from 'yjs';
import type { LogEntry } from './storage-backend.ts';

/**
 * Merges a log into one update without building a document (fast: used by `load`).
 * Throws if any entry cannot be decoded. `Y.mergeUpdates` returns a lone update
 * untouched, so that case is decoded explicitly to be checked all the same.
 */
export function mergeLogEntries(entries: readonly LogEntry[]): Uint8Array {
  const updates = entries.map((entry) => entry.update);
  const [first] = updates;
  if (first !== undefined && updates.length === 1) {
    Y.decodeUpdate(first);
    return first;
  }
  return Y.mergeUpdates(updates);
}

/**
 * Merges a log through a fresh document so deleted content is garbage-collected
 * and the result shrinks (used by compaction). Throws if any entry cannot be
 * applied; the partially built document is discarded, never stored.
 */
export function compactLogEntries(entries: readonly LogEntry[]): Uint8Array {
  const doc = new Y.Doc();
  try {
    doc.transact(() => {
      for (const entry of entries) Y.applyUpdate(doc, entry.update);
    });
    return Y.encodeStateAsUpdate(doc);
  } finally {
    doc.destroy();
  }
}
