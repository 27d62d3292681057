import type { StoredDocument } from './document-store.ts';
import { mergeLogEntries } from './merge-log-entries.ts';
import type { LogEntry } from './storage-backend.ts';
import { StorageError } from './storage-error.ts';

/** A loaded log as a document, and the highest entry id it covers. */
export interface ReadDocument {
  readonly stored: StoredDocument;
  readonly lastId: number;
}

/** Runs a merge; a failure means a stored entry cannot be decoded (ERR_STORAGE_CORRUPT). */
export function decodeStored(docName: string, merge: () => Uint8Array): Uint8Array {
  try {
    return merge();
  } catch (error) {
    throw new StorageError('ERR_STORAGE_CORRUPT', `Document "${docName}" has a stored entry that cannot be decoded`, {
      cause: error,
      docName,
    });
  }
}

export function sumBytes(entries: readonly LogEntry[]): number {
  let total = 0;
  for (const entry of entries) total += entry.update.byteLength;
  return total;
}

/** Merges a non-empty log into what `load` returns. */
export function readDocument(docName: string, entries: readonly LogEntry[]): ReadDocument {
  const update = decodeStored(docName, () => mergeLogEntries(entries));
  let lastId = 0;
  for (const entry of entries) lastId = Math.max(lastId, entry.id);
  return { stored: { update, entryCount: entries.length, storedBytes: sumBytes(entries) }, lastId };
}
