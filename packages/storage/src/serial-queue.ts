export interface SerialQueue {
  /** Runs `task` after every task queued before it has settled. */
  run<T>(task: () => Promise<T>): Promise<T>;
}

/** A queue that runs async tasks one at a time, in the order they were queued. */
export function createSerialQueue(): SerialQueue {
  let tail: Promise<unknown> = Promise.resolve();
  return {
    run<T>(task: () => Promise<T>): Promise<T> {
      const result = tail.then(task);
      // The next task waits for this one whatever its outcome; the caller sees the error.
      tail = result.catch(() => undefined);
      return result;
    },
  };
}
