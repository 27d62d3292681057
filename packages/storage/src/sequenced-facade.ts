import { assertDocumentName } from './assert-document-name.ts';
import type { CommitListeners } from './commit-listeners.ts';
import type { DocumentStore } from './document-store.ts';
import type { ReadDocument } from './read-document.ts';
import type { ChangesAfter, SequencedDocumentStore } from './sequenced-store.ts';
import type { LogEntry, SequencedBackend } from './storage-backend.ts';
import { toStorageError } from './storage-error.ts';

/** What the sequenced methods share with the facade they extend. */
export interface SequencedFacadeParts {
  /** Runs `body` as an operation of the open store (rejects after close, tracked for close). */
  readonly operation: <T>(body: () => Promise<T>) => Promise<T>;
  /** Writes a document's unwritten appends first (read your writes). */
  readonly settleAppends: (docName: string) => Promise<void>;
  /** The load path: settled appends, one read, merged; null for no entries. */
  readonly readDocument: (docName: string) => Promise<ReadDocument | null>;
  readonly commits: CommitListeners;
}

function assertSeq(seq: unknown): asserts seq is number {
  if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 0) {
    throw new TypeError(`A sequence number must be a non-negative integer, got ${String(seq)}`);
  }
}

function toSequenced(entries: readonly LogEntry[]): ChangesAfter['entries'] {
  return entries.map((entry) => ({ seq: entry.id, update: entry.update }));
}

/** Adds the sequenced reads and commit announcements of a sequenced backend to its facade. */
export function withSequencedReads(store: DocumentStore, backend: SequencedBackend, parts: SequencedFacadeParts): SequencedDocumentStore {
  const { operation, settleAppends, commits } = parts;
  return {
    ...store,
    sequenced: true,

    loadSequenced(docName) {
      return operation(async () => {
        assertDocumentName(docName);
        const read = await parts.readDocument(docName);
        return read === null ? null : { ...read.stored, seq: read.lastId };
      });
    },

    changesAfter(docName, seq) {
      return operation(async (): Promise<ChangesAfter> => {
        assertDocumentName(docName);
        assertSeq(seq);
        await settleAppends(docName);
        let log;
        try {
          log = await backend.readLogAfter(docName, seq);
        } catch (error) {
          throw toStorageError(error, 'ERR_STORAGE_READ_FAILED', `Failed to read "${docName}" after ${seq}`, docName);
        }
        const checkpointSeq = log.checkpoint?.id ?? 0;
        const last = log.entries.at(-1)?.id ?? 0;
        return {
          checkpoint: log.checkpoint?.update,
          checkpointSeq,
          entries: toSequenced(log.entries),
          seq: Math.max(seq, checkpointSeq, last),
        };
      });
    },

    latestSequences(docNames) {
      return operation(async () => {
        for (const docName of docNames) assertDocumentName(docName);
        if (docNames.length === 0) return new Map<string, number>();
        try {
          return await backend.latestSequences([...new Set(docNames)]);
        } catch (error) {
          throw toStorageError(error, 'ERR_STORAGE_READ_FAILED', 'Failed to read the latest sequence numbers');
        }
      });
    },

    onCommitted(listener) {
      return commits.add(listener);
    },
  };
}
