import { createDocumentStore, createMemoryBackend } from '../src/index.ts';
import { runDocumentStoreSuite } from '../src/test-suite.ts';

runDocumentStoreSuite({
  name: 'memory',
  createStore(options) {
    // One backend outlives its stores, which is what lets the suite reopen.
    const backend = createMemoryBackend();
    let store = createDocumentStore(backend, options);
    return Promise.resolve({
      store,
      reopen() {
        store = createDocumentStore(backend, options);
        return Promise.resolve(store);
      },
      async injectRawEntry(docName, bytes) {
        await backend.appendEntries([{ docName, update: bytes }]);
      },
      async cleanup() {
        await store.close();
      },
    });
  },
});
