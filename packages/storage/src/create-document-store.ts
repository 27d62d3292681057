import { assertDocumentName } from './assert-document-name.ts';
import { assertUpdate } from './assert-update.ts';
import { createCommitListeners } from './commit-listeners.ts';
import type { CurrentStateSource, DocumentStore, RepairReport, StoredDocument } from './document-store.ts';
import { createGroupCommit } from './group-commit.ts';
import { compactLogEntries, mergeLogEntries } from './merge-log-entries.ts';
import { decodeStored as decode, readDocument, sumBytes, type ReadDocument } from './read-document.ts';
import { DEFAULT_COMPACT_AFTER_BYTES, DEFAULT_COMPACT_AFTER_ENTRIES, readThreshold } from './compaction-thresholds.ts';
import { salvageLogEntries } from './salvage-log-entries.ts';
import { withSequencedReads } from './sequenced-facade.ts';
import type { SequencedDocumentStore } from './sequenced-store.ts';
import { createSerialQueue } from './serial-queue.ts';
import { isSequencedBackend } from './storage-backend.ts';
import type { LogEntry, LogStats, SequencedBackend, StorageBackend } from './storage-backend.ts';
import { StorageError, toStorageError } from './storage-error.ts';

const MAX_CHECKED_NAMES = 4096;

/** What one compaction did, for metrics. */
export interface CompactionInfo {
  readonly docName: string;
  /** True when the store started it because a threshold was passed. */
  readonly automatic: boolean;
  readonly entriesMerged: number;
  readonly bytesBefore: number;
  readonly bytesAfter: number;
}

export interface DocumentStoreOptions {
  /**
   * Compact a document in the background once its log holds more entries than this.
   * Default 2000; `Infinity` turns it off.
   */
  readonly compactAfterEntries?: number;
  /**
   * Compact a document in the background once its log has grown by more than this
   * many bytes beyond its last merged state (so a large document is not rewritten
   * on every append). Default 4 MiB; `Infinity` turns it off.
   */
  readonly compactAfterBytes?: number;
  /** Receives failures of background compactions, which have no caller to reject. */
  readonly onBackgroundError?: (error: StorageError) => void;
  /** Called after every compaction that wrote a merged state. */
  readonly onCompacted?: (info: CompactionInfo) => void;
}

/**
 * The validating facade over a backend: checks names and updates, groups appends
 * into batches, serialises writes and per-document compactions and repairs, and
 * maps backend failures to StorageError codes. Over a sequenced backend it is a
 * SequencedDocumentStore.
 */
export function createDocumentStore(backend: SequencedBackend, options?: DocumentStoreOptions): SequencedDocumentStore;
export function createDocumentStore(backend: StorageBackend, options?: DocumentStoreOptions): DocumentStore;
export function createDocumentStore(backend: StorageBackend, options: DocumentStoreOptions = {}): DocumentStore {
  const compactAfterEntries = readThreshold(options.compactAfterEntries, 'compactAfterEntries', DEFAULT_COMPACT_AFTER_ENTRIES);
  const compactAfterBytes = readThreshold(options.compactAfterBytes, 'compactAfterBytes', DEFAULT_COMPACT_AFTER_BYTES);
  const { onBackgroundError, onCompacted } = options;

  let closing: Promise<void> | undefined;
  const inFlight = new Set<Promise<unknown>>();
  const writes = createSerialQueue();
  // Size of each document's last merged state: the byte threshold counts growth
  // beyond it. Unknown after a restart, which costs at most one early compaction.
  const mergedBytes = new Map<string, number>();
  // Compactions and repairs of one document run one after another.
  const maintenanceTails = new Map<string, Promise<void>>();
  const automaticWaiting = new Set<string>();
  // The running compaction or repair of a document, flagged by any delete that
  // overlaps it: writing its merged state afterwards would bring the deleted
  // content back.
  const runningRewrites = new Map<string, { overlapsDelete: boolean }>();

  // The last unwritten append of each document, so that a load sees every
  // append issued before it (read your writes): a document unloaded while its
  // last append was in flight and opened again at once must not look older.
  const unwrittenAppends = new Map<string, Promise<void>>();

  // Names already checked by an append: a busy document appends many times a
  // second under the same name. Capped so that a stream of one-off names
  // cannot grow it without bound.
  const checkedNames = new Set<string>();
  function assertAppendName(docName: string): void {
    if (checkedNames.has(docName)) return;
    assertDocumentName(docName);
    if (checkedNames.size >= MAX_CHECKED_NAMES) checkedNames.clear();
    checkedNames.add(docName);
  }

  let currentState: CurrentStateSource | undefined;

  const commits = createCommitListeners();
  const groupCommit = createGroupCommit({
    writes,
    // Listeners hear of a batch after it committed and before its appends resolve.
    write: isSequencedBackend(backend) ? (entries) => commits.appendAnnounced(backend, entries) : (entries) => backend.appendEntries(entries),
    onWritten(stats) {
      for (const [docName, size] of stats) {
        if (exceedsThreshold(docName, size)) requestCompaction(docName);
      }
    },
  });

  function track<T>(promise: Promise<T>): Promise<T> {
    inFlight.add(promise);
    const forget = (): void => {
      inFlight.delete(promise);
    };
    promise.then(forget, forget);
    return promise;
  }

  function operation<T>(body: () => Promise<T>): Promise<T> {
    if (closing !== undefined) {
      return Promise.reject(new StorageError('ERR_STORAGE_NOT_OPEN', 'The document store is closed'));
    }
    return track(body());
  }

  function exceedsThreshold(docName: string, size: LogStats): boolean {
    if (size.entryCount < 2) return false;
    if (size.entryCount > compactAfterEntries) return true;
    return size.storedBytes - (mergedBytes.get(docName) ?? 0) > compactAfterBytes;
  }

  function report(error: unknown): void {
    if (onBackgroundError === undefined) return;
    try {
      onBackgroundError(toStorageError(error, 'ERR_STORAGE_WRITE_FAILED', 'Background compaction failed'));
    } catch {
      // A throwing listener must not turn into an unhandled rejection.
    }
  }

  function requestCompaction(docName: string): void {
    // One waiting compaction reads everything appended before it starts.
    if (closing !== undefined || automaticWaiting.has(docName)) return;
    automaticWaiting.add(docName);
    const run = enqueueCompaction(docName, true, () => automaticWaiting.delete(docName));
    void track(run.catch(report));
  }

  function enqueueCompaction(docName: string, automatic: boolean, onStart?: () => void): Promise<void> {
    // A compaction already queued still runs when close() begins: close waits for
    // it, so a closed store never holds more entries than the threshold allows.
    return enqueueMaintenance(docName, async () => {
      onStart?.();
      await compactNow(docName, automatic);
    });
  }

  function enqueueMaintenance<T>(docName: string, body: () => Promise<T>): Promise<T> {
    const previous = maintenanceTails.get(docName) ?? Promise.resolve();
    const run = previous.then(body);
    const tail = run.then(
      () => undefined,
      () => undefined,
    );
    maintenanceTails.set(docName, tail);
    void tail.then(() => {
      if (maintenanceTails.get(docName) === tail) maintenanceTails.delete(docName);
    });
    return run;
  }

  async function compactNow(docName: string, automatic: boolean): Promise<void> {
    const running = { overlapsDelete: false };
    runningRewrites.set(docName, running);
    try {
      const entries = await readLog(docName);
      const [only] = entries;
      if (only === undefined) return;
      if (entries.length === 1) {
        // Already one entry: nothing to merge, but a corrupt one is still reported.
        decode(docName, () => mergeLogEntries(entries));
        mergedBytes.set(docName, only.update.byteLength);
        return;
      }
      // The holder's in-memory document, when there is one, already is the
      // merged state: encoding it costs far less than replaying the log.
      const merged = currentState?.(docName) ?? decode(docName, () => compactLogEntries(entries));
      if (!(await replaceLog(docName, entries, merged, running, 'compact'))) return;
      notifyCompacted({
        docName,
        automatic,
        entriesMerged: entries.length,
        bytesBefore: sumBytes(entries),
        bytesAfter: merged.byteLength,
      });
    } finally {
      runningRewrites.delete(docName);
    }
  }

  async function repairNow(docName: string, dryRun: boolean): Promise<RepairReport | null> {
    const running = { overlapsDelete: false };
    runningRewrites.set(docName, running);
    try {
      const entries = await readLog(docName);
      if (entries.length === 0) return null;
      const salvaged = salvageLogEntries(entries);
      const healthy =
        salvaged.dropped.length === 0 &&
        salvaged.droppedPendingBytes === 0 &&
        salvaged.nonCanonicalEntries === 0 &&
        !salvaged.mergeDiffers;
      let written = false;
      if (!healthy && !dryRun) written = await replaceLog(docName, entries, salvaged.update, running, 'repair');
      return {
        docName,
        entriesRead: entries.length,
        droppedEntries: salvaged.dropped,
        droppedPendingBytes: salvaged.droppedPendingBytes,
        nonCanonicalEntries: salvaged.nonCanonicalEntries,
        mergeDiffers: salvaged.mergeDiffers,
        mergedBytes: salvaged.update.byteLength,
        written,
      };
    } finally {
      runningRewrites.delete(docName);
    }
  }

  /**
   * Replaces the entries a compaction or repair read with their merged state,
   * in the write queue. False when a delete overlapped it: the merged state
   * would bring the deleted content back.
   */
  async function replaceLog(
    docName: string,
    entries: readonly LogEntry[],
    merged: Uint8Array,
    running: { readonly overlapsDelete: boolean },
    action: 'compact' | 'repair',
  ): Promise<boolean> {
    const written = await writes.run(async () => {
      if (running.overlapsDelete) return false;
      try {
        await backend.replaceEntries(docName, entries, merged);
      } catch (error) {
        throw toStorageError(error, 'ERR_STORAGE_WRITE_FAILED', `Failed to ${action} "${docName}"`, docName);
      }
      return true;
    });
    if (written) mergedBytes.set(docName, merged.byteLength);
    return written;
  }

  /** Writes the document's unwritten appends first, so what follows reads every append issued before it. */
  async function settleAppends(docName: string): Promise<void> {
    const unwritten = unwrittenAppends.get(docName);
    if (unwritten === undefined) return;
    groupCommit.flush();
    // A failed append is its caller's error; what follows reads what is there.
    await unwritten.catch(() => undefined);
  }

  function notifyCompacted(info: CompactionInfo): void {
    try {
      onCompacted?.(info);
    } catch {
      // Metrics must not fail a compaction that already succeeded.
    }
  }

  function markDeleted(docName: string): void {
    const running = runningRewrites.get(docName);
    if (running !== undefined) running.overlapsDelete = true;
  }

  async function readLog(docName: string): Promise<LogEntry[]> {
    try {
      return await backend.readLog(docName);
    } catch (error) {
      throw toStorageError(error, 'ERR_STORAGE_READ_FAILED', `Failed to read "${docName}"`, docName);
    }
  }

  async function loadDocument(docName: string): Promise<ReadDocument | null> {
    await settleAppends(docName);
    const entries = await readLog(docName);
    return entries.length === 0 ? null : readDocument(docName, entries);
  }

  const store: DocumentStore = {
    load(docName) {
      return operation(async (): Promise<StoredDocument | null> => {
        assertDocumentName(docName);
        return (await loadDocument(docName))?.stored ?? null;
      });
    },

    append(docName, update) {
      // Not through `operation`: appends are the hot path, and those of one
      // document in one batch share the batch's promise, tracked once.
      if (closing !== undefined) {
        return Promise.reject(new StorageError('ERR_STORAGE_NOT_OPEN', 'The document store is closed'));
      }
      try {
        assertAppendName(docName);
        assertUpdate(update);
      } catch (error) {
        return Promise.reject(error);
      }
      // A private copy: the caller may reuse its buffer before the batch is written.
      const written = groupCommit.append(docName, new Uint8Array(update));
      if (unwrittenAppends.get(docName) !== written) {
        unwrittenAppends.set(docName, written);
        const forget = (): void => {
          if (unwrittenAppends.get(docName) === written) unwrittenAppends.delete(docName);
        };
        void track(written).then(forget, forget);
      }
      return written;
    },

    compact(docName) {
      return operation(async () => {
        assertDocumentName(docName);
        await enqueueCompaction(docName, false);
      });
    },

    repair(docName, options = {}) {
      return operation(async () => {
        assertDocumentName(docName);
        await settleAppends(docName);
        return enqueueMaintenance(docName, () => repairNow(docName, options.dryRun === true));
      });
    },

    list() {
      return operation(async () => {
        try {
          return await backend.listDocuments();
        } catch (error) {
          throw toStorageError(error, 'ERR_STORAGE_READ_FAILED', 'Failed to list documents');
        }
      });
    },

    delete(docName) {
      return operation(async () => {
        assertDocumentName(docName);
        // Appends issued before this call are written before the delete.
        groupCommit.flush();
        await writes.run(async () => {
          // Flag both before and after: a compaction that began reading while the
          // delete ran may have read entries the delete then removed.
          markDeleted(docName);
          try {
            await backend.deleteDocument(docName);
          } catch (error) {
            throw toStorageError(error, 'ERR_STORAGE_WRITE_FAILED', `Failed to delete "${docName}"`, docName);
          } finally {
            markDeleted(docName);
          }
        });
        mergedBytes.delete(docName);
      });
    },

    useCurrentState(source) {
      currentState = source;
    },

    checkWritable() {
      return operation(async () => {
        // Through the write queue: a store whose batches stall is not ready either.
        await writes.run(async () => {
          try {
            await backend.probeWrite?.();
          } catch (error) {
            throw toStorageError(error, 'ERR_STORAGE_WRITE_FAILED', 'The storage backend failed a probe write');
          }
        });
      });
    },

    close() {
      closing ??= (async () => {
        groupCommit.flush();
        while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
        try {
          await backend.close();
        } catch (error) {
          throw toStorageError(error, 'ERR_STORAGE_WRITE_FAILED', 'Failed to close the storage backend');
        }
      })();
      return closing;
    },
  };
  if (!isSequencedBackend(backend)) return store;
  return withSequencedReads(store, backend, { operation, settleAppends, readDocument: loadDocument, commits });
}
