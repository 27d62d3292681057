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

/** Size of one document's log after an append, and the sequence number its last new entry got. */
export interface SequencedLogStats extends LogStats {
  /**
   * The entries an append added to this document got the consecutive
   * numbers ending here, in the order they were given.
   */
  readonly lastSeq: number;
}

/** What a sequenced backend's log holds after a sequence number. */
export interface LogAfter {
  /**
   * The document's merged state, when it covers entries after the asked
   * number; its id is the highest sequence number it covers.
   */
  readonly checkpoint: LogEntry | undefined;
  /** The entries after max(asked number, checkpoint id), in id order. */
  readonly entries: LogEntry[];
}

/**
 * A backend whose entry ids are per-document sequence numbers 1, 2, 3…
 * allocated when an append commits, so that one document's entries become
 * visible in number order. A merged state written by `replaceEntries` takes
 * the highest id it replaces (it covers every entry up to there). Wrapped by
 * `createDocumentStore`, it makes a SequencedDocumentStore.
 */
export interface SequencedBackend extends StorageBackend {
  readonly sequenced: true;
  appendEntries(entries: readonly NewLogEntry[]): Promise<ReadonlyMap<string, SequencedLogStats>>;
  /** What the log holds after `seq`, read in one snapshot. */
  readLogAfter(docName: string, seq: number): Promise<LogAfter>;
  /** The highest sequence number allocated for each named document that has one. */
  latestSequences(docNames: readonly string[]): Promise<ReadonlyMap<string, number>>;
}

export function isSequencedBackend(backend: StorageBackend): backend is SequencedBackend {
  return (backend as Partial<SequencedBackend>).sequenced === true;
}
