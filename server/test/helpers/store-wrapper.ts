import type { DocumentStore } from '@quire/storage';

/** A store that passes every call to `inner` except those `overrides` replace: for tests that make storage misbehave. */
export function wrapStore(inner: DocumentStore, overrides: Partial<DocumentStore>): DocumentStore {
  return {
    load: (docName) => inner.load(docName),
    append: (docName, update) => inner.append(docName, update),
    compact: (docName) => inner.compact(docName),
    list: () => inner.list(),
    repair: (docName, options) => inner.repair(docName, options),
    delete: (docName) => inner.delete(docName),
    checkWritable: () => inner.checkWritable(),
    close: () => inner.close(),
    useCurrentState: (source) => inner.useCurrentState(source),
    ...overrides,
  };
}
