import type { DocumentStore } from '@quire/storage';
import { wrapStore } from './store-wrapper.ts';

/**
 * A store whose appends can be held: while held, `append` writes through to
 * the inner store but does not resolve until `release()`. Tests use it to
 * prove that something waits for storage to confirm a write.
 */
export interface HoldingStore extends DocumentStore {
  hold(): void;
  release(): void;
  /** Appends waiting for `release()`. */
  readonly heldAppends: number;
}

export function createHoldingStore(inner: DocumentStore): HoldingStore {
  let gate: { promise: Promise<void>; open: () => void } | undefined;
  let heldAppends = 0;
  return {
    ...wrapStore(inner, {}),
    async append(docName, update) {
      const current = gate;
      const written = inner.append(docName, update);
      if (current === undefined) return written;
      heldAppends += 1;
      try {
        await Promise.all([written, current.promise]);
      } finally {
        heldAppends -= 1;
      }
    },
    hold() {
      if (gate !== undefined) return;
      let open!: () => void;
      const promise = new Promise<void>((resolve) => (open = resolve));
      gate = { promise, open };
    },
    release() {
      gate?.open();
      gate = undefined;
    },
    get heldAppends() {
      return heldAppends;
    },
  };
}
