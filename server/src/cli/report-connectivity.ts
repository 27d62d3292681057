import { isStorageError } from '@quire/storage';

// The operations that reach the database on the paths a serving node uses:
// loads, appends, the cluster's catch-up reads, the document list and /readyz's probe.
const OBSERVED: ReadonlySet<PropertyKey> = new Set(['load', 'append', 'loadSequenced', 'changesAfter', 'latestSequences', 'list', 'checkWritable']);

/**
 * The store, telling `report` after each observed operation whether it
 * reached the database: true when it succeeded, false when it failed to read
 * or write (a bad document name or a closed store says nothing about the
 * database). Idle connections' errors alone would miss a database that went
 * away while every connection was busy or none was open.
 *
 * The store's own promises are returned, not new ones: appends of one storage
 * batch share a promise, which the room's journal relies on to handle a batch
 * once, and which is observed here once too.
 */
export function reportingConnectivity<Store extends object>(store: Store, report: (connected: boolean) => void): Store {
  const observed = new WeakSet<Promise<unknown>>();
  const observe = (result: Promise<unknown>): void => {
    if (observed.has(result)) return;
    observed.add(result);
    result.then(
      () => report(true),
      (error: unknown) => {
        if (isStorageError(error, 'ERR_STORAGE_READ_FAILED') || isStorageError(error, 'ERR_STORAGE_WRITE_FAILED')) report(false);
      },
    );
  };
  // One wrapper per operation, made on first use: `append` is read for every update.
  const wrappers = new Map<PropertyKey, (...args: unknown[]) => unknown>();
  return new Proxy(store, {
    get(target, key) {
      const value: unknown = Reflect.get(target, key, target);
      if (typeof value !== 'function' || !OBSERVED.has(key)) return value;
      let wrapper = wrappers.get(key);
      if (wrapper === undefined) {
        wrapper = (...args: unknown[]): unknown => {
          const result: unknown = Reflect.apply(value, target, args);
          if (result instanceof Promise) observe(result);
          return result;
        };
        wrappers.set(key, wrapper);
      }
      return wrapper;
    },
  });
}
