import * as Y from 'yjs';
import type { LogEntry } from './storage-backend.ts';

/** A log entry a repair leaves out, and why. */
export interface DroppedEntry {
  readonly id: number;
  readonly bytes: number;
  /** Yjs's error, for the operator. */
  readonly reason: string;
}

export interface SalvagedLog {
  /** Everything that integrates, as one update. */
  readonly update: Uint8Array;
  readonly dropped: readonly DroppedEntry[];
  /**
   * Bytes of content that builds on content the document lacks (a dropped
   * entry, or one never stored): Yjs would hold it as pending for ever, and a
   * sync server holding pending content cannot acknowledge saves, so it is
   * left out too.
   */
  readonly droppedPendingBytes: number;
}

/**
 * Rebuilds a document from the entries of its log that Yjs can decode and
 * integrate, in log order, leaving out each one that fails whole. A client
 * that still holds what was left out sends it again on its next sync: the
 * rebuilt document's state vector lacks it.
 */
export function salvageLogEntries(entries: readonly LogEntry[]): SalvagedLog {
  const kept: LogEntry[] = [];
  const dropped: DroppedEntry[] = [];
  let doc = new Y.Doc();
  try {
    for (const entry of entries) {
      // Decoding first keeps the document untouched by bytes that are no
      // update at all; only a failed apply calls for a rebuild.
      const undecodable = problemOf(entry.update);
      const reason = undecodable ?? applyProblem(doc, entry.update);
      if (reason === undefined) {
        kept.push(entry);
        continue;
      }
      dropped.push({ id: entry.id, bytes: entry.update.byteLength, reason });
      if (undecodable === undefined) {
        // The failed apply may have integrated part of the entry: start
        // again from the entries kept so far.
        doc.destroy();
        doc = rebuild(kept);
      }
    }
    const { store } = doc;
    const droppedPendingBytes = (store.pendingStructs?.update.byteLength ?? 0) + (store.pendingDs?.byteLength ?? 0);
    // Yjs adds pending content to every update it encodes.
    store.pendingStructs = null;
    store.pendingDs = null;
    return { update: Y.encodeStateAsUpdate(doc), dropped, droppedPendingBytes };
  } finally {
    doc.destroy();
  }
}

/** Why the bytes are not a Yjs update, or undefined when they decode. */
function problemOf(update: Uint8Array): string | undefined {
  try {
    Y.decodeUpdate(update);
    return undefined;
  } catch (error) {
    return messageOf(error);
  }
}

function applyProblem(doc: Y.Doc, update: Uint8Array): string | undefined {
  try {
    Y.applyUpdate(doc, update);
    return undefined;
  } catch (error) {
    return messageOf(error);
  }
}

function rebuild(entries: readonly LogEntry[]): Y.Doc {
  const doc = new Y.Doc();
  doc.transact(() => {
    for (const entry of entries) Y.applyUpdate(doc, entry.update);
  });
  return doc;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
