import * as Y from 'yjs';
import { toCanonicalUpdate } from '@quire/yjs-update';
import type { DroppedEntry } from './document-store.ts';
import type { LogEntry } from './storage-backend.ts';

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
  /** Entries that were not in Yjs's canonical form, integrated in that form. */
  readonly nonCanonicalEntries: number;
  /** Whether `Y.mergeUpdates` of the entries as stored gives another document than the rebuild. */
  readonly mergeDiffers: boolean;
}

/**
 * Rebuilds a document from the entries of its log that Yjs can decode and
 * integrate, in log order, each in Yjs's canonical form (an older server's
 * joined entries are not: integrated as stored, their deletions could reach
 * the wrong items), leaving out each one that fails whole. A client that
 * still holds what was left out sends it again on its next sync: the rebuilt
 * document's state vector lacks it.
 */
export function salvageLogEntries(entries: readonly LogEntry[]): SalvagedLog {
  const kept: Uint8Array[] = [];
  const keptAsStored: Uint8Array[] = [];
  const dropped: DroppedEntry[] = [];
  let nonCanonicalEntries = 0;
  let doc = new Y.Doc();
  try {
    for (const entry of entries) {
      const canonical = toCanonicalUpdate(entry.update);
      // Decoding first keeps the document untouched by bytes that are no
      // update at all; only a failed apply calls for a rebuild.
      const undecodable = problemOf(canonical.update);
      const reason = undecodable ?? applyProblem(doc, canonical.update);
      if (reason === undefined) {
        kept.push(canonical.update);
        keptAsStored.push(entry.update);
        if (canonical.rewritten) nonCanonicalEntries += 1;
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
    const mergeDiffers = !sameAsMerged(doc, keptAsStored);
    const { store } = doc;
    const droppedPendingBytes = (store.pendingStructs?.update.byteLength ?? 0) + (store.pendingDs?.byteLength ?? 0);
    // Yjs adds pending content to every update it encodes.
    store.pendingStructs = null;
    store.pendingDs = null;
    return { update: Y.encodeStateAsUpdate(doc), dropped, droppedPendingBytes, nonCanonicalEntries, mergeDiffers };
  } finally {
    doc.destroy();
  }
}

/**
 * Whether merging the updates as they are (what a load did before entries
 * were put in canonical form) builds the same document as `doc`, pending
 * content included.
 */
function sameAsMerged(doc: Y.Doc, updates: readonly Uint8Array[]): boolean {
  if (updates.length === 0) return true;
  const merged = new Y.Doc();
  try {
    Y.applyUpdate(merged, updates.length === 1 ? updates[0]! : Y.mergeUpdates([...updates]));
    return (
      Y.equalSnapshots(Y.snapshot(merged), Y.snapshot(doc)) &&
      (merged.store.pendingStructs === null) === (doc.store.pendingStructs === null) &&
      (merged.store.pendingDs === null) === (doc.store.pendingDs === null)
    );
  } catch {
    return false;
  } finally {
    merged.destroy();
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

function rebuild(updates: readonly Uint8Array[]): Y.Doc {
  const doc = new Y.Doc();
  doc.transact(() => {
    for (const update of updates) Y.applyUpdate(doc, update);
  });
  return doc;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
