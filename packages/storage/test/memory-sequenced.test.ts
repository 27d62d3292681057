import { createDocumentStore, createMemoryBackend, type SequencedDocumentStore } from '../src/index.ts';
import { runSequencedStoreSuite } from '../src/test-suite.ts';

runSequencedStoreSuite({
  name: 'memory',
  createStore(options) {
    // Stores over one backend play nodes sharing one database.
    const backend = createMemoryBackend();
    const stores: SequencedDocumentStore[] = [createDocumentStore(backend, options)];
    return Promise.resolve({
      store: stores[0]!,
      openAnother() {
        const another = createDocumentStore(backend, options);
        stores.push(another);
        return Promise.resolve(another);
      },
      async cleanup() {
        await Promise.all(stores.map((store) => store.close()));
      },
    });
  },
});
