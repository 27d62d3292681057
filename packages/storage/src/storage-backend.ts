import type { DocumentInfo } from './document-store.ts';

/** One stored update of a document's log. */
export interface LogEntry {
  /**
   * Identifies the entry within its document's log; increases with every entry the
   * backend adds (a sequence number, a bigserial). Only the backend interprets it.
   */
  readonly id: number;
  readonly update: Uint8Array;
}

export interface NewLogEntry {
  readonly docName: string;
  readonly update: Uint8Array;
}

/** Size of one document's log after a write. */
export interface LogStats {
  readonly entryCount: number;
  readonly storedBytes: number;
}

/**
 * The raw operations a storage backend implements. `createDocumentStore` wraps a
 * backend, so backends receive only normalised arguments: valid document names,
 * non-empty plain `Uint8Array`s, and never a call after `close()`.
 *
 * Concurrency contract: the facade never runs two writes (`appendEntries`,
 * `replaceEntries`, `deleteDocument`) at the same time, and issues them in the order
 * their callers did. Reads (`readLog`, `listDocuments`) may overlap writes and
 * must each see one consistent state (a snapshot or a transaction).
 */
export interface StorageBackend {
  /** All entries of one document, in id order; empty when it has none. */
  readLog(docName: string): Promise<LogEntry[]>;

  /**
   * Durably appends entries, possibly of several documents, in one write (this is
   * what makes group commit cheap). Resolves with the log size of every document
   * touched; rejects if none of the entries may be relied on.
   */
  appendEntries(entries: readonly NewLogEntry[]): Promise<ReadonlyMap<string, LogStats>>;

  /**
   * Atomically removes exactly the `replaced` entries and adds `merged` as one new
   * entry. Entries not listed (appended after the caller read the log) must survive.
   */
  replaceEntries(docName: string, replaced: readonly LogEntry[], merged: Uint8Array): Promise<LogStats>;

  /** One record per stored document, without reading any log. */
  listDocuments(): Promise<DocumentInfo[]>;

  /** Removes a document's entries and metadata; no-op for an unknown document. */
  deleteDocument(docName: string): Promise<void>;

  /**
   * Writes a probe record outside every document's log and reads it back, to
   * prove the backend can still write. Optional: without it the store counts
   * as writable while it is open.
   */
  probeWrite?(): Promise<void>;

  /** Releases the underlying resources. Called once, after every other call settled. */
  close(): Promise<void>;
}
