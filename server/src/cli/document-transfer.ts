import * as Y from 'yjs';
import type { DocumentStore } from '@quire/storage';
import { toCanonicalUpdate } from '@quire/yjs-update';

export class DocumentTransferError extends Error {
  override readonly name = 'DocumentTransferError';
}

/** The stored document as one Yjs update (V1), for a file. */
export async function exportDocument(store: DocumentStore, docName: string): Promise<Uint8Array> {
  const stored = await store.load(docName);
  if (stored === null) throw new DocumentTransferError(`document "${docName}" has no stored entries`);
  return stored.update;
}

/**
 * Merges a Yjs update (V1, for example an exported document) into a stored
 * document, as one more log entry in Yjs's canonical form; the CRDT merges it
 * with what is there, and an update that adds nothing stores nothing.
 * Refused unless it decodes and integrates completely with the stored
 * content: a log entry that builds on content the document lacks would stay
 * pending in every room that loads it. Returns the merged document's size.
 */
export async function importDocument(store: DocumentStore, docName: string, update: Uint8Array): Promise<number> {
  const stored = await store.load(docName);
  const doc = new Y.Doc();
  try {
    if (stored !== null) Y.applyUpdate(doc, stored.update);
    const before = Y.snapshot(doc);
    try {
      // A scratch document: whatever a failing update integrated is discarded with it.
      Y.applyUpdate(doc, update);
    } catch (error) {
      throw new DocumentTransferError(`the file is not a Yjs update (${error instanceof Error ? error.message : String(error)})`);
    }
    if (doc.store.pendingStructs !== null || doc.store.pendingDs !== null) {
      throw new DocumentTransferError(`the update builds on content document "${docName}" does not hold`);
    }
    // What the document already holds is not stored again (a file imported twice).
    if (!Y.equalSnapshots(before, Y.snapshot(doc))) await store.append(docName, toCanonicalUpdate(update).update);
    return Y.encodeStateAsUpdate(doc).byteLength;
  } finally {
    doc.destroy();
  }
}
