import type { CommittedEntry } from './sequenced-store.ts';
import type { NewLogEntry, SequencedBackend, SequencedLogStats } from './storage-backend.ts';

export type CommitListener = (entries: readonly CommittedEntry[]) => void;

export interface CommitListeners {
  add(listener: CommitListener): () => void;
  /** Tells every listener what a committed batch added, numbered from the backend's stats. */
  announce(batch: readonly NewLogEntry[], stats: ReadonlyMap<string, SequencedLogStats>): void;
  /** Appends a batch, then announces it: after the commit, before the caller goes on. */
  appendAnnounced(backend: SequencedBackend, batch: readonly NewLogEntry[]): Promise<ReadonlyMap<string, SequencedLogStats>>;
}

/**
 * The listeners of a sequenced store's commits. A backend reports only the
 * last number each document got in a batch: its entries of that batch got
 * the consecutive numbers up to it, in batch order.
 */
export function createCommitListeners(): CommitListeners {
  const listeners = new Set<CommitListener>();

  function numbered(batch: readonly NewLogEntry[], stats: ReadonlyMap<string, SequencedLogStats>): CommittedEntry[] {
    const counts = new Map<string, number>();
    for (const { docName } of batch) counts.set(docName, (counts.get(docName) ?? 0) + 1);
    const nextSeq = new Map<string, number>();
    for (const [docName, count] of counts) nextSeq.set(docName, (stats.get(docName)?.lastSeq ?? count) - count + 1);
    return batch.map(({ docName, update }) => {
      const seq = nextSeq.get(docName) ?? 0;
      nextSeq.set(docName, seq + 1);
      return { docName, seq, update };
    });
  }

  const commitListeners: CommitListeners = {
    async appendAnnounced(backend, batch) {
      const stats = await backend.appendEntries(batch);
      commitListeners.announce(batch, stats);
      return stats;
    },
    add(listener) {
      // A wrapper per subscription: the same function subscribed twice is called twice.
      const subscription: CommitListener = (entries) => listener(entries);
      listeners.add(subscription);
      return () => {
        listeners.delete(subscription);
      };
    },
    announce(batch, stats) {
      if (listeners.size === 0) return;
      const entries = numbered(batch, stats);
      for (const listener of [...listeners]) {
        try {
          listener(entries);
        } catch {
          // The batch is committed whatever a listener does.
        }
      }
    },
  };
  return commitListeners;
}
