import { IndexeddbPersistence } from 'y-indexeddb';
import type * as Y from 'yjs';

/**
 * The browser's copy of a document, in IndexedDB (y-indexeddb). One database
 * per server and document, so the same name on two servers never mixes.
 */
export class OfflineCopy {
  readonly persistence: IndexeddbPersistence;

  constructor(serverUrl: string, documentName: string, doc: Y.Doc) {
    this.persistence = new IndexeddbPersistence(offlineCopyName(serverUrl, documentName), doc);
  }

  /** Resolves once the stored copy has been loaded into the document. */
  async whenLoaded(): Promise<void> {
    await this.persistence.whenSynced;
  }

  /**
   * Resolves once every update written so far is committed. IndexedDB runs
   * transactions on the same store in the order they were created, so a
   * read-only transaction that completes proves the writes before it did.
   */
  async flush(): Promise<void> {
    await this.persistence.whenSynced;
    const db = this.persistence.db;
    if (db === null) return;
    await new Promise<void>((resolve, reject) => {
      const transaction = db.transaction(['updates'], 'readonly');
      transaction.oncomplete = () => resolve();
      transaction.onerror = () => reject(transaction.error ?? new Error('IndexedDB transaction failed'));
      transaction.onabort = () => reject(transaction.error ?? new Error('IndexedDB transaction aborted'));
    });
  }

  /** Closes the database; the stored copy stays for the next visit. */
  async close(): Promise<void> {
    await this.persistence.destroy();
  }

  /** Deletes the stored copy. */
  async clear(): Promise<void> {
    await this.persistence.clearData();
  }
}

/** The IndexedDB database name for a document on a server. */
export function offlineCopyName(serverUrl: string, documentName: string): string {
  return `quire:${serverUrl.replace(/\/+$/u, '')}#${documentName}`;
}
