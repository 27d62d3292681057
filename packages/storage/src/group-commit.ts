import type { LogStats, NewLogEntry } from './storage-backend.ts';
import type { SerialQueue } from './serial-queue.ts';
import { toStorageError } from './storage-error.ts';

export interface GroupCommitOptions {
  /** The store's write queue: batches are written one at a time, in order. */
  readonly writes: SerialQueue;
  readonly write: (entries: readonly NewLogEntry[]) => Promise<ReadonlyMap<string, LogStats>>;
  /** Called after each successful batch with the log size of every document in it. */
  readonly onWritten: (stats: ReadonlyMap<string, LogStats>) => void;
}

export interface GroupCommit {
  /** Resolves once the batch holding this update is written. */
  append(docName: string, update: Uint8Array): Promise<void>;
  /** Queues the waiting appends for writing now rather than in the check phase. */
  flush(): void;
}

interface PendingAppend extends NewLogEntry {
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Collects appends and writes them as one batch. A batch is cut when the write
 * queue reaches it, not when it was scheduled, so while one batch is being written
 * (an fsync) every append that arrives joins the next one: the busier the store,
 * the larger the batches.
 */
export function createGroupCommit({ writes, write, onWritten }: GroupCommitOptions): GroupCommit {
  let pending: PendingAppend[] = [];
  let scheduled: NodeJS.Immediate | undefined;

  async function writeBatch(): Promise<void> {
    const batch = pending;
    pending = [];
    if (batch.length === 0) return;
    let stats: ReadonlyMap<string, LogStats>;
    try {
      stats = await write(batch.map(({ docName, update }) => ({ docName, update })));
    } catch (error) {
      for (const { docName, reject } of batch) {
        reject(toStorageError(error, 'ERR_STORAGE_WRITE_FAILED', `Failed to write an update of "${docName}"`, docName));
      }
      return;
    }
    for (const { resolve } of batch) resolve();
    onWritten(stats);
  }

  function flush(): void {
    if (scheduled !== undefined) {
      clearImmediate(scheduled);
      scheduled = undefined;
    }
    // writeBatch settles every append itself and never rejects.
    void writes.run(writeBatch);
  }

  return {
    append(docName, update) {
      return new Promise<void>((resolve, reject) => {
        pending.push({ docName, update, resolve, reject });
        // setImmediate rather than a microtask: it also gathers the other I/O
        // callbacks of this event-loop turn (several socket messages) into the batch.
        scheduled ??= setImmediate(flush);
      });
    },
    flush,
  };
}
