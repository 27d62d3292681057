import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDocumentStore } from '@quire/storage';
import type { DocumentStore, StorageBackend } from '@quire/storage';
import { runDocumentStoreSuite } from '@quire/storage/test-suite';
import { openLevelBackend } from '../src/index.ts';

// The suite composes the backend itself (what createLevelStore does) so that it can
// reach the backend to inject corrupt entries.
runDocumentStoreSuite({
  name: 'level',
  async createStore(options) {
    const path = await mkdtemp(join(tmpdir(), 'quire-level-suite-'));
    let backend: StorageBackend = await openLevelBackend({ path });
    let store: DocumentStore = createDocumentStore(backend, options);
    return {
      store,
      async reopen() {
        backend = await openLevelBackend({ path });
        store = createDocumentStore(backend, options);
        return store;
      },
      async injectRawEntry(docName, bytes) {
        await backend.appendEntries([{ docName, update: bytes }]);
      },
      async cleanup() {
        await store.close();
        await rm(path, { recursive: true, force: true });
      },
    };
  },
});
