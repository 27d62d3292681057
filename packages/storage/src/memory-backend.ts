import { createDocumentStore } from './create-document-store.ts';
import type { DocumentStoreOptions } from './create-document-store.ts';
import type { DocumentInfo, DocumentStore } from './document-store.ts';
import type { LogEntry, LogStats, NewLogEntry, StorageBackend } from './storage-backend.ts';

interface MemoryDocument {
  entries: LogEntry[];
  nextId: number;
  storedBytes: number;
  updatedAt: number;
}

/**
 * A backend that keeps logs in process memory. `close()` keeps the data, so a test
 * can wrap the same backend in a new store to simulate a restart. Stored and
 * returned bytes are copies: callers cannot alter what is stored.
 */
export function createMemoryBackend(): StorageBackend {
  const documents = new Map<string, MemoryDocument>();

  function documentFor(docName: string): MemoryDocument {
    let document = documents.get(docName);
    if (document === undefined) {
      document = { entries: [], nextId: 1, storedBytes: 0, updatedAt: 0 };
      documents.set(docName, document);
    }
    return document;
  }

  function addEntry(document: MemoryDocument, update: Uint8Array, now: number): void {
    document.entries.push({ id: document.nextId, update: update.slice() });
    document.nextId += 1;
    document.storedBytes += update.byteLength;
    document.updatedAt = now;
  }

  // Everything happens at once; the promises only fit the backend interface.
  return {
    readLog(docName) {
      const entries = documents.get(docName)?.entries ?? [];
      return Promise.resolve(entries.map(({ id, update }) => ({ id, update: update.slice() })));
    },

    appendEntries(entries: readonly NewLogEntry[]) {
      const now = Date.now();
      const stats = new Map<string, LogStats>();
      for (const { docName, update } of entries) {
        const document = documentFor(docName);
        addEntry(document, update, now);
        stats.set(docName, { entryCount: document.entries.length, storedBytes: document.storedBytes });
      }
      return Promise.resolve(stats);
    },

    replaceEntries(docName, replaced, merged) {
      const document = documentFor(docName);
      const removed = new Set(replaced.map((entry) => entry.id));
      document.entries = document.entries.filter((entry) => !removed.has(entry.id));
      document.storedBytes = document.entries.reduce((total, entry) => total + entry.update.byteLength, 0);
      addEntry(document, merged, Date.now());
      return Promise.resolve({ entryCount: document.entries.length, storedBytes: document.storedBytes });
    },

    listDocuments(): Promise<DocumentInfo[]> {
      return Promise.resolve(
        [...documents].map(([name, document]) => ({
          name,
          storedBytes: document.storedBytes,
          updatedAt: new Date(document.updatedAt),
        })),
      );
    },

    deleteDocument(docName) {
      documents.delete(docName);
      return Promise.resolve();
    },

    async close() {},
  };
}

/** A document store held in memory: for tests and for servers that persist nothing. */
export function createMemoryStore(options: DocumentStoreOptions = {}): DocumentStore {
  return createDocumentStore(createMemoryBackend(), options);
}
