// Each compaction rebuilds the whole document, so its cost per update falls as
// the interval grows; 2,000 small entries still merge in a few milliseconds at
// load, and a room also compacts its document when it unloads.
export const DEFAULT_COMPACT_AFTER_ENTRIES = 2000;
export const DEFAULT_COMPACT_AFTER_BYTES = 4 * 1024 * 1024;

/** A compaction threshold option, checked: a positive integer or Infinity (off). */
export function readThreshold(value: unknown, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number') throw new TypeError(`${name} must be a number`);
  if (value !== Infinity && !(Number.isSafeInteger(value) && value >= 1)) {
    throw new RangeError(`${name} must be a positive integer or Infinity, got ${value}`);
  }
  return value;
}
