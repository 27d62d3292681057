import { createDocumentStore } from './create-document-store.ts';
import type { DocumentStoreOptions } from './create-document-store.ts';
import type { DocumentInfo } from './document-store.ts';
import type { SequencedDocumentStore } from './sequenced-store.ts';
import type { LogEntry, NewLogEntry, SequencedBackend, SequencedLogStats } from './storage-backend.ts';

interface MemoryDocument {
  /** The merged state of the entries up to its id, once compacted. */
  checkpoint: LogEntry | undefined;
  /** Entries after the checkpoint, in sequence order. */
  entries: LogEntry[];
  lastSeq: number;
  /** Entries up to here were deleted: numbers go on after a delete, so a stale merged state is recognised. */
  deletedThrough: number;
  storedBytes: number;
  updatedAt: number;
}

function copy({ id, update }: LogEntry): LogEntry {
  return { id, update: update.slice() };
}

/**
 * A sequenced backend that keeps logs in process memory. `close()` keeps the
 * data, so a test can wrap the same backend in a new store to simulate a
 * restart, or in two stores to play two nodes. Stored and returned bytes are
 * copies: callers cannot alter what is stored.
 */
export function createMemoryBackend(): SequencedBackend {
  const documents = new Map<string, MemoryDocument>();

  function documentFor(docName: string): MemoryDocument {
    let document = documents.get(docName);
    if (document === undefined) {
      document = { checkpoint: undefined, entries: [], lastSeq: 0, deletedThrough: 0, storedBytes: 0, updatedAt: 0 };
      documents.set(docName, document);
    }
    return document;
  }

  function statsOf(document: MemoryDocument): SequencedLogStats {
    return {
      entryCount: document.entries.length + (document.checkpoint === undefined ? 0 : 1),
      storedBytes: document.storedBytes,
      lastSeq: document.lastSeq,
    };
  }

  function logOf(document: MemoryDocument | undefined): LogEntry[] {
    if (document === undefined) return [];
    return document.checkpoint === undefined ? [...document.entries] : [document.checkpoint, ...document.entries];
  }

  // Everything happens at once; the promises only fit the backend interface.
  return {
    sequenced: true,

    readLog(docName) {
      return Promise.resolve(logOf(documents.get(docName)).map(copy));
    },

    readLogAfter(docName, seq) {
      const document = documents.get(docName);
      const checkpoint = document?.checkpoint !== undefined && document.checkpoint.id > seq ? copy(document.checkpoint) : undefined;
      const after = Math.max(seq, checkpoint?.id ?? 0);
      const entries = (document?.entries ?? []).filter((entry) => entry.id > after).map(copy);
      return Promise.resolve({ checkpoint, entries });
    },

    latestSequences(docNames) {
      const latest = new Map<string, number>();
      for (const name of docNames) {
        const lastSeq = documents.get(name)?.lastSeq ?? 0;
        if (lastSeq > 0) latest.set(name, lastSeq);
      }
      return Promise.resolve(latest);
    },

    appendEntries(entries: readonly NewLogEntry[]) {
      const now = Date.now();
      const stats = new Map<string, SequencedLogStats>();
      for (const { docName, update } of entries) {
        const document = documentFor(docName);
        document.lastSeq += 1;
        document.entries.push({ id: document.lastSeq, update: update.slice() });
        document.storedBytes += update.byteLength;
        document.updatedAt = now;
        stats.set(docName, statsOf(document));
      }
      return Promise.resolve(stats);
    },

    replaceEntries(docName, replaced, merged) {
      const document = documentFor(docName);
      const removed = new Set(replaced.map((entry) => entry.id));
      // The merged state covers every entry up to the highest one it replaces.
      const covers = Math.max(0, ...removed);
      // Written only over what the caller read: not over a newer merged state
      // (it would take content away), not over a delete (it would bring it back).
      const stale =
        (document.checkpoint !== undefined && !removed.has(document.checkpoint.id)) || replaced.some((entry) => entry.id <= document.deletedThrough);
      if (stale) return Promise.resolve(statsOf(document));
      document.checkpoint = { id: covers, update: merged.slice() };
      document.entries = document.entries.filter((entry) => !removed.has(entry.id));
      document.storedBytes = document.entries.reduce((total, entry) => total + entry.update.byteLength, merged.byteLength);
      document.updatedAt = Date.now();
      return Promise.resolve(statsOf(document));
    },

    listDocuments(): Promise<DocumentInfo[]> {
      return Promise.resolve(
        [...documents].filter(([, document]) => logOf(document).length > 0).map(([name, document]) => ({
          name,
          storedBytes: document.storedBytes,
          updatedAt: new Date(document.updatedAt),
        })),
      );
    },

    deleteDocument(docName) {
      const document = documents.get(docName);
      if (document !== undefined) {
        Object.assign(document, { checkpoint: undefined, entries: [], deletedThrough: document.lastSeq, storedBytes: 0, updatedAt: Date.now() });
      }
      return Promise.resolve();
    },

    async close() {},
  };
}

/** A document store held in memory: for tests and for servers that persist nothing. */
export function createMemoryStore(options: DocumentStoreOptions = {}): SequencedDocumentStore {
  return createDocumentStore(createMemoryBackend(), options);
}
