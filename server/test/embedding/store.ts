import { createMemoryStore, type DocumentStore } from '@quire/storage';
import { createLevelStore } from '@quire/storage-level';

/**
 * LevelDB in a directory of its own for the app; the memory store, which
 * forgets everything when it closes, for tests. The server closes the store
 * when it closes.
 */
export async function openStore(dataDir: string | undefined): Promise<DocumentStore> {
  if (dataDir === undefined) return createMemoryStore();
  return createLevelStore({
    path: dataDir,
    // Compactions run in the background; their failures end up here.
    onBackgroundError: (error) => console.error('quire storage:', error),
  });
}
