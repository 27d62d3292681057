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
  /**
   * Resolves once the batch holding this update is written. Appends of one
   * document that join the same batch share one promise.
   */
  append(docName: string, update: Uint8Array): Promise<void>;
  /** Queues the waiting appends for writing now rather than in the check phase. */
  flush(): void;
}

/** The appends of one document in the batch being collected: they settle together. */
interface DocumentWaiter {
  readonly promise: Promise<void>;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Collects appends and writes them as one batch. A batch is cut when the write
 * queue reaches it, not when it was scheduled, so while one batch is being written
 * (an fsync) every append that arrives joins the next one: the busier the store,
 * the larger the batches. One promise per document per batch (not per append)
 * keeps the per-update cost of a busy store low.
 */
export function createGroupCommit({ writes, write, onWritten }: GroupCommitOptions): GroupCommit {
  let entries: NewLogEntry[] = [];
  let waiters = new Map<string, DocumentWaiter>();
  let scheduled: NodeJS.Immediate | undefined;

  async function writeBatch(): Promise<void> {
    const batch = entries;
    const settle = waiters;
    entries = [];
    waiters = new Map();
    if (batch.length === 0) return;
    let stats: ReadonlyMap<string, LogStats>;
    try {
      stats = await write(batch);
    } catch (error) {
      for (const [docName, { reject }] of settle) {
        reject(toStorageError(error, 'ERR_STORAGE_WRITE_FAILED', `Failed to write an update of "${docName}"`, docName));
      }
      return;
    }
    for (const { resolve } of settle.values()) resolve();
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

  function waiterFor(docName: string): DocumentWaiter {
    const existing = waiters.get(docName);
    if (existing !== undefined) return existing;
    let resolve!: () => void;
    let reject!: (error: unknown) => void;
    const promise = new Promise<void>((resolvePromise, rejectPromise) => {
      resolve = resolvePromise;
      reject = rejectPromise;
    });
    const waiter = { promise, resolve, reject };
    waiters.set(docName, waiter);
    return waiter;
  }

  return {
    append(docName, update) {
      entries.push({ docName, update });
      // setImmediate rather than a microtask: it also gathers the other I/O
      // callbacks of this event-loop turn (several socket messages) into the batch.
      scheduled ??= setImmediate(flush);
      return waiterFor(docName).promise;
    },
    flush,
  };
}
