/** What a store holds for one document. */
export interface StoredDocument {
  /** All stored updates merged into one Yjs update (V1 encoding). */
  readonly update: Uint8Array;
  /** How many log entries (appended updates plus merged states) were read. */
  readonly entryCount: number;
  /** Total bytes of those entries. */
  readonly storedBytes: number;
}

/** A log entry a repair leaves out, and why. */
export interface DroppedEntry {
  readonly id: number;
  readonly bytes: number;
  /** Yjs's error, for the operator. */
  readonly reason: string;
}

/** What `repair` found in a document's log, and what it did. */
export interface RepairReport {
  readonly docName: string;
  /** Entries the log held when the repair read it. */
  readonly entriesRead: number;
  /** Entries Yjs could not decode or integrate, left out whole. */
  readonly droppedEntries: readonly DroppedEntry[];
  /** Bytes of content that builds on content the document lacks, left out too (see SalvagedLog). */
  readonly droppedPendingBytes: number;
  /**
   * Entries not in Yjs's canonical form (an older server's joined updates):
   * kept, and rewritten in that form when the log is replaced.
   */
  readonly nonCanonicalEntries: number;
  /**
   * Whether merging the log as it is stored (`Y.mergeUpdates`, as older
   * servers loaded it) gives another document than integrating its entries
   * one by one: the truncated load of non-canonical entries.
   */
  readonly mergeDiffers: boolean;
  /** Size of the rebuilt document: what replaced the log, or would have on a dry run. */
  readonly mergedBytes: number;
  /** Whether the log was replaced; false on a dry run and for a healthy log. */
  readonly written: boolean;
}

export interface DocumentInfo {
  readonly name: string;
  readonly storedBytes: number;
  /** Time of the last append or compaction. */
  readonly updatedAt: Date;
}

/**
 * Durable storage of Yjs documents as an append log per document.
 *
 * - `append` resolves only once the update is durably written; appends issued
 *   in the same tick may share one write (group commit).
 * - `load` returns null for a document that has never been written.
 * - `compact` replaces the entries present when it starts with one merged
 *   state, atomically; entries appended meanwhile are kept.
 * - All methods reject with a StorageError (`ERR_STORAGE_NOT_OPEN`) after
 *   `close()`, except `close()` itself: it waits for accepted work (appends,
 *   compactions) and returns the same promise when called again.
 */
export interface DocumentStore {
  load(docName: string): Promise<StoredDocument | null>;
  append(docName: string, update: Uint8Array): Promise<void>;
  compact(docName: string): Promise<void>;
  list(): Promise<DocumentInfo[]>;
  /**
   * Rebuilds a document whose log holds entries that cannot be decoded (the
   * case where `load` rejects with ERR_STORAGE_CORRUPT): every entry that
   * integrates is kept, in log order, and the log is replaced by their merged
   * state, atomically. What was left out is reported, never silently
   * dropped. A healthy log is left as it is. With `dryRun`, nothing is
   * written. Resolves with null for a document that has no entries.
   */
  repair(docName: string, options?: { readonly dryRun?: boolean }): Promise<RepairReport | null>;
  delete(docName: string): Promise<void>;
  /**
   * Resolves once a small probe record, outside every document, was written and
   * read back through the write queue: what a readiness check asks. Rejects with
   * ERR_STORAGE_NOT_OPEN after `close()`, ERR_STORAGE_WRITE_FAILED when the
   * backend cannot write.
   */
  checkWritable(): Promise<void>;
  close(): Promise<void>;
  /**
   * Names where compactions may take a document's merged state instead of
   * rebuilding it from the log: `source(docName)` returns the document as one
   * update when its owner holds it in memory, and undefined otherwise. Only
   * valid when every update appended for that document was first applied to
   * what `source` encodes (a sync server's open document: it applies, then
   * appends), so the state covers every entry the compaction replaces. Called
   * after the compaction has read the log. A holder must stop answering for a
   * document once it deletes it, or a later compaction writes the deleted
   * content back (the sync server deletes no document it holds open).
   */
  useCurrentState(source: CurrentStateSource): void;
}

export type CurrentStateSource = (docName: string) => Uint8Array | undefined;
