import * as Y from 'yjs';
import { toCanonicalUpdate } from '@quire/yjs-update';
import type { LogEntry } from './storage-backend.ts';

/**
 * Merges a log into one update without building a document (fast: used by
 * `load`). Each entry is put in Yjs's canonical form first: `Y.mergeUpdates`
 * reads every update's client sections as sorted by client ID, and an entry
 * written by an older server that joined updates in arrival order would merge
 * into a truncated document (docs/architecture.md, "Canonical updates").
 * Throws if any entry cannot be decoded. `Y.mergeUpdates` returns a lone
 * update untouched, so that case is decoded explicitly to be checked all the
 * same.
 */
export function mergeLogEntries(entries: readonly LogEntry[]): Uint8Array {
  const updates = entries.map((entry) => toCanonicalUpdate(entry.update).update);
  const [first] = updates;
  if (first !== undefined && updates.length === 1) {
    Y.decodeUpdate(first);
    return first;
  }
  return Y.mergeUpdates(updates);
}

/**
 * Merges a log through a fresh document so deleted content is garbage-collected
 * and the result shrinks (used by compaction). The document takes the merged
 * log as one update, so the order of the entries does not matter: integrated
 * one by one, an entry whose deletions reach content a later entry brings
 * would wait as a pending delete set. Throws if the log cannot be applied;
 * the partially built document is discarded, never stored. Content that
 * builds on something the log lacks stays in the result, as pending content.
 */
export function compactLogEntries(entries: readonly LogEntry[]): Uint8Array {
  const doc = new Y.Doc();
  try {
    Y.applyUpdate(doc, mergeLogEntries(entries));
    return Y.encodeStateAsUpdate(doc);
  } finally {
    doc.destroy();
  }
}
