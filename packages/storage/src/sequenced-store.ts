import type { DocumentStore, StoredDocument } from './document-store.ts';

/** One log entry with the per-document sequence number storage gave it at commit. */
export interface SequencedEntry {
  readonly seq: number;
  readonly update: Uint8Array;
}

/** An entry this process committed, as it is announced to other nodes. */
export interface CommittedEntry extends SequencedEntry {
  readonly docName: string;
}

/** A loaded document and the highest sequence number its merged state covers (0: none). */
export interface SequencedDocument extends StoredDocument {
  readonly seq: number;
}

/** What a document's log holds after a sequence number, for a node catching up (a backfill). */
export interface ChangesAfter {
  /**
   * Present when entries right after the asked sequence were merged into a
   * checkpoint by a compaction: the checkpoint, which covers up to
   * `checkpointSeq`. Applying it is harmless for a document that has part of it.
   */
  readonly checkpoint: Uint8Array | undefined;
  readonly checkpointSeq: number;
  /** Entries after max(asked sequence, checkpointSeq), in sequence order. */
  readonly entries: readonly SequencedEntry[];
  /** The highest sequence number covered by what is returned; the asked one when nothing is newer. */
  readonly seq: number;
}

/**
 * A store whose log numbers each document's entries 1, 2, 3… in commit order
 * (the number is allocated in the committing transaction, so entries become
 * visible in sequence order), for servers on several nodes: they announce
 * each commit with its number and catch up from storage after a gap.
 */
export interface SequencedDocumentStore extends DocumentStore {
  readonly sequenced: true;
  /** As `load`, with the highest sequence number the merged state covers. */
  loadSequenced(docName: string): Promise<SequencedDocument | null>;
  /** What the log holds after `seq` (see ChangesAfter). */
  changesAfter(docName: string, seq: number): Promise<ChangesAfter>;
  /** The highest committed sequence number of each named document that has one. */
  latestSequences(docNames: readonly string[]): Promise<ReadonlyMap<string, number>>;
  /**
   * Calls `listener` after every batch this store committed, before the
   * appends of that batch resolve, with the batch's entries in sequence order
   * per document. A listener that throws is ignored. Returns an unsubscribe.
   */
  onCommitted(listener: (entries: readonly CommittedEntry[]) => void): () => void;
}

export function isSequencedStore(store: DocumentStore): store is SequencedDocumentStore {
  return (store as Partial<SequencedDocumentStore>).sequenced === true;
}
