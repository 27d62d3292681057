import { StorageError } from '@quire/storage';
import type { DocumentInfo, LogEntry, LogStats, NewLogEntry, StorageBackend } from '@quire/storage';
import { Level } from 'level';
import { decodeDocumentMetadata, encodeDocumentMetadata } from './document-metadata.ts';
import type { DocumentMetadata } from './document-metadata.ts';
import {
  decodeLogSequence,
  decodeMetadataKey,
  encodeLogKeyAfter,
  encodeMetadataKey,
  FORMAT_KEY,
  FORMAT_VERSION,
  logRange,
  METADATA_RANGE,
  PROBE_KEY,
} from './level-keys.ts';
import { assertOpenable, inspectLevelDirectory } from './level-directory.ts';
import { openFailure } from './open-failure.ts';

export interface LevelBackendOptions {
  /** Directory of the database; created when missing. */
  readonly path: string;
  /**
   * Default true: every write batch is fsynced before its appends resolve, so an
   * acknowledged update survives a power loss. False: it survives a crash of the
   * process (the OS holds it) but not of the machine.
   */
  readonly syncWrites?: boolean;
  /** Called after each append batch is written, with the number of updates in it. */
  readonly onBatchWritten?: (updateCount: number) => void;
}

type Database = Level<Uint8Array, Uint8Array>;
type Operation = { type: 'put'; key: Uint8Array; value: Uint8Array } | { type: 'del'; key: Uint8Array };

interface DocumentState extends DocumentMetadata {
  readonly lastSequence: number;
}

const NO_METADATA: DocumentMetadata = { entryCount: 0, storedBytes: 0, updatedAt: 0 };

/**
 * Opens a LevelDB directory as a storage backend (see level-keys.ts for the key
 * layout). Relies on the facade's guarantee that writes never overlap: each
 * document's last sequence number and metadata are cached after first use and
 * updated only once the batch that changes them is written.
 */
export async function openLevelBackend(options: LevelBackendOptions): Promise<StorageBackend> {
  const { path, syncWrites = true, onBatchWritten } = options;
  if (typeof path !== 'string' || path.length === 0) throw new TypeError('path must be a non-empty string');
  if (typeof syncWrites !== 'boolean') throw new TypeError('syncWrites must be a boolean');
  const directory = await inspectLevelDirectory(path);
  assertOpenable(path, directory);
  const db: Database = new Level(path, { keyEncoding: 'view', valueEncoding: 'view' });
  try {
    // Only an empty place may become a new database: should CURRENT vanish
    // after the check above, LevelDB fails instead of starting afresh.
    await db.open({ createIfMissing: !directory.hasDataFiles });
  } catch (error) {
    throw openFailure(path, error);
  }
  try {
    await checkFormat(db, path, syncWrites);
  } catch (error) {
    await db.close();
    throw error;
  }

  const states = new Map<string, DocumentState>();

  async function measureLog(docName: string): Promise<DocumentMetadata> {
    // Metadata is derived from the log, so a missing or unreadable record is rebuilt
    // rather than trusted; its update time is unknown and reported as the epoch.
    let entryCount = 0;
    let storedBytes = 0;
    for await (const value of db.values(logRange(docName))) {
      entryCount += 1;
      storedBytes += value.byteLength;
    }
    return { entryCount, storedBytes, updatedAt: 0 };
  }

  async function stateOf(docName: string): Promise<DocumentState> {
    const cached = states.get(docName);
    if (cached !== undefined) return cached;
    const [lastKey] = await db.keys({ ...logRange(docName), reverse: true, limit: 1 }).all();
    const lastSequence = lastKey === undefined ? 0 : decodeLogSequence(lastKey);
    const record = await db.get(encodeMetadataKey(docName));
    const metadata =
      (record === undefined ? undefined : decodeDocumentMetadata(record)) ??
      (lastKey === undefined ? NO_METADATA : await measureLog(docName));
    const state = { ...metadata, lastSequence };
    states.set(docName, state);
    return state;
  }

  async function write(operations: Operation[], docNames: Iterable<string>): Promise<void> {
    // A chained batch: abstract-level's array form clones and re-validates
    // every operation (about 7 µs each), the chained form hands each one to
    // the native batch at once (about 1 µs).
    const batch = db.batch();
    try {
      for (const operation of operations) {
        if (operation.type === 'put') batch.put(operation.key, operation.value);
        else batch.del(operation.key);
      }
    } catch (error) {
      await batch.close();
      for (const docName of docNames) states.delete(docName);
      throw error;
    }
    try {
      await batch.write({ sync: syncWrites });
    } catch (error) {
      // The batch may or may not have reached the log; read the truth back next time.
      for (const docName of docNames) states.delete(docName);
      throw error;
    }
  }

  function putMetadata(docName: string, metadata: DocumentMetadata): Operation {
    return { type: 'put', key: encodeMetadataKey(docName), value: encodeDocumentMetadata(metadata) };
  }

  return {
    async readLog(docName): Promise<LogEntry[]> {
      const records = await db.iterator(logRange(docName)).all();
      return records.map(([key, update]) => ({ id: decodeLogSequence(key), update: asPlainArray(update) }));
    },

    async appendEntries(entries: readonly NewLogEntry[]) {
      const byDocument = new Map<string, Uint8Array[]>();
      for (const { docName, update } of entries) {
        const updates = byDocument.get(docName);
        if (updates === undefined) byDocument.set(docName, [update]);
        else updates.push(update);
      }
      // Only documents not seen since the store opened need a read.
      const unknown = [...byDocument.keys()].filter((docName) => !states.has(docName));
      if (unknown.length > 0) await Promise.all(unknown.map(stateOf));
      const now = Date.now();
      const operations: Operation[] = [];
      const next = new Map<string, DocumentState>();
      for (const [docName, updates] of byDocument) {
        const state = states.get(docName) ?? (await stateOf(docName));
        const prefix = logRange(docName).gte;
        let { lastSequence, entryCount, storedBytes } = state;
        for (const update of updates) {
          lastSequence += 1;
          entryCount += 1;
          storedBytes += update.byteLength;
          operations.push({ type: 'put', key: encodeLogKeyAfter(prefix, lastSequence), value: update });
        }
        const written: DocumentState = { lastSequence, entryCount, storedBytes, updatedAt: now };
        operations.push(putMetadata(docName, written));
        next.set(docName, written);
      }
      await write(operations, next.keys());
      const stats = new Map<string, LogStats>();
      for (const [docName, state] of next) {
        states.set(docName, state);
        stats.set(docName, { entryCount: state.entryCount, storedBytes: state.storedBytes });
      }
      onBatchWritten?.(entries.length);
      return stats;
    },

    async replaceEntries(docName, replaced, merged) {
      const state = await stateOf(docName);
      const operations: Operation[] = [];
      const prefix = logRange(docName).gte;
      let removedBytes = 0;
      for (const entry of replaced) {
        operations.push({ type: 'del', key: encodeLogKeyAfter(prefix, entry.id) });
        removedBytes += entry.update.byteLength;
      }
      const next: DocumentState = {
        lastSequence: state.lastSequence + 1,
        entryCount: state.entryCount - replaced.length + 1,
        storedBytes: state.storedBytes - removedBytes + merged.byteLength,
        updatedAt: Date.now(),
      };
      operations.push({ type: 'put', key: encodeLogKeyAfter(prefix, next.lastSequence), value: merged });
      operations.push(putMetadata(docName, next));
      await write(operations, [docName]);
      states.set(docName, next);
      return { entryCount: next.entryCount, storedBytes: next.storedBytes };
    },

    async listDocuments(): Promise<DocumentInfo[]> {
      const records = await db.iterator(METADATA_RANGE).all();
      return Promise.all(
        records.map(async ([key, value]) => {
          const name = decodeName(key);
          const metadata = decodeDocumentMetadata(value) ?? (await measureLog(name));
          return { name, storedBytes: metadata.storedBytes, updatedAt: new Date(metadata.updatedAt) };
        }),
      );
    },

    async deleteDocument(docName) {
      const keys = await db.keys(logRange(docName)).all();
      const operations: Operation[] = keys.map((key) => ({ type: 'del', key }));
      operations.push({ type: 'del', key: encodeMetadataKey(docName) });
      await write(operations, [docName]);
      states.delete(docName);
    },

    async probeWrite() {
      // A fresh value each time, so reading it back proves this write landed.
      const value = new Uint8Array(8);
      new DataView(value.buffer).setFloat64(0, Date.now() + Math.random());
      await db.put(PROBE_KEY, value, { sync: false });
      const read = await db.get(PROBE_KEY);
      if (read === undefined || Buffer.compare(read, value) !== 0) throw new Error('the probe record did not read back');
    },

    async close() {
      states.clear();
      await db.close();
    },
  };
}

function decodeName(key: Uint8Array): string {
  try {
    return decodeMetadataKey(key);
  } catch (error) {
    throw new StorageError('ERR_STORAGE_CORRUPT', 'A metadata key is not a UTF-8 document name', { cause: error });
  }
}

/**
 * Marks a fresh directory as a Quire store, and refuses directories that hold
 * other data (another application's LevelDB) or a format this code does not know.
 */
async function checkFormat(db: Database, path: string, sync: boolean): Promise<void> {
  const marker = await db.get(FORMAT_KEY);
  if (marker === undefined) {
    const [anyKey] = await db.keys({ limit: 1 }).all();
    if (anyKey !== undefined) {
      throw new StorageError('ERR_STORAGE_CORRUPT', `LevelDB directory ${path} holds data that is not a Quire store`);
    }
    await db.put(FORMAT_KEY, Uint8Array.of(FORMAT_VERSION), { sync });
    return;
  }
  if (marker.byteLength !== 1 || marker[0] !== FORMAT_VERSION) {
    throw new StorageError('ERR_STORAGE_CORRUPT', `LevelDB directory ${path} has an unsupported Quire format`);
  }
}

/**
 * A value as a plain Uint8Array over the same bytes (no copy). The binding
 * makes its Buffers natively, with a hidden class no JavaScript-made array
 * has; the first stored update through Yjs's decoders would deoptimise the
 * code that every client's update runs through.
 */
function asPlainArray(value: Uint8Array): Uint8Array {
  return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
}
