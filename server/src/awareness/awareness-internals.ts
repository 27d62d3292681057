import type { Awareness } from 'y-protocols/awareness';

// y-protocols' Awareness starts its own interval per document to drop
// outdated states, kept in the private `_checkInterval`. The room stops it
// in favour of one shared sweep (room-awareness.ts); this file is the only
// place that touches it, and awareness-internals.test.ts fails by name when
// it changes.

/** Stops the Awareness's own outdated-state interval. */
export function stopOwnOutdatedCheck(awareness: Awareness): void {
  const interval = (awareness as unknown as { _checkInterval?: unknown })._checkInterval;
  if (interval === undefined || interval === null) {
    throw new Error('y-protocols internals changed: Awareness._checkInterval is gone (server/src/awareness/awareness-internals.ts)');
  }
  clearInterval(interval as NodeJS.Timeout);
}
