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
 */
export function reportingConnectivity<Store extends object>(store: Store, report: (connected: boolean) => void): Store {
  return new Proxy(store, {
    get(target, key) {
      const value: unknown = Reflect.get(target, key, target);
      if (typeof value !== 'function' || !OBSERVED.has(key)) return value;
      return (...args: unknown[]): unknown => {
        const result: unknown = Reflect.apply(value, target, args);
        if (!(result instanceof Promise)) return result;
        return result.then(
          (resolved: unknown) => {
            report(true);
            return resolved;
          },
          (error: unknown) => {
            if (isStorageError(error, 'ERR_STORAGE_READ_FAILED') || isStorageError(error, 'ERR_STORAGE_WRITE_FAILED')) report(false);
            throw error;
          },
        );
      };
    },
  });
}
