import * as Y from 'yjs';
import type { DocumentStore } from '@quire/storage';

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
 * document, as one more log entry; the CRDT merges it with what is there.
 * Refused unless it decodes and integrates completely with the stored
 * content: a log entry that builds on content the document lacks would stay
 * pending in every room that loads it. Returns the merged document's size.
 */
export async function importDocument(store: DocumentStore, docName: string, update: Uint8Array): Promise<number> {
  const stored = await store.load(docName);
  const doc = new Y.Doc();
  try {
    if (stored !== null) Y.applyUpdate(doc, stored.update);
    try {
      // A scratch document: whatever a failing update integrated is discarded with it.
      Y.applyUpdate(doc, update);
    } catch (error) {
      throw new DocumentTransferError(`the file is not a Yjs update (${error instanceof Error ? error.message : String(error)})`);
    }
    if (doc.store.pendingStructs !== null || doc.store.pendingDs !== null) {
      throw new DocumentTransferError(`the update builds on content document "${docName}" does not hold`);
    }
    await store.append(docName, update);
    return Y.encodeStateAsUpdate(doc).byteLength;
  } finally {
    doc.destroy();
  }
}
