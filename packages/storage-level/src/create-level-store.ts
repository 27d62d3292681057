import { createDocumentStore } from '@quire/storage';
import type { DocumentStore, DocumentStoreOptions } from '@quire/storage';
import { openLevelBackend } from './open-level-backend.ts';
import type { LevelBackendOptions } from './open-level-backend.ts';

export interface LevelStoreOptions extends LevelBackendOptions, DocumentStoreOptions {}

/**
 * Opens a document store in a LevelDB directory. Rejects with ERR_STORAGE_LOCKED
 * when the directory is already open, so a second server fails at startup instead
 * of sharing (and corrupting) the data.
 */
export async function createLevelStore(options: LevelStoreOptions): Promise<DocumentStore> {
  const backend = await openLevelBackend(options);
  try {
    return createDocumentStore(backend, options);
  } catch (error) {
    // Invalid thresholds: do not keep the directory locked.
    await backend.close();
    throw error;
  }
}
