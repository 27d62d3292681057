/** What a store holds for one document. */
export interface StoredDocument {
  /** All stored updates merged into one Yjs update (V1 encoding). */
  readonly update: Uint8Array;
  /** How many log entries (appended updates plus merged states) were read. */
  readonly entryCount: number;
  /** Total bytes of those entries. */
  readonly storedBytes: number;
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
