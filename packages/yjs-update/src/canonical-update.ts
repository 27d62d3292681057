import { inspectUpdate } from './update-inspector.ts';
import type { UpdateInspection } from './update-inspection.ts';
import type { UpdateLimits } from './update-limits.ts';
import { concatenateUpdates } from './update-concatenation.ts';

/**
 * No caps: for updates the server already accepted once (its own log), which
 * may be a whole document's merged state, far beyond one message's limits.
 */
const UNCAPPED: UpdateLimits = Object.freeze({
  maxClients: Number.MAX_SAFE_INTEGER,
  maxStructs: Number.MAX_SAFE_INTEGER,
  maxStructLength: Number.MAX_SAFE_INTEGER,
  maxStringBytes: Number.MAX_SAFE_INTEGER,
  maxDeleteRanges: Number.MAX_SAFE_INTEGER,
  maxNestingDepth: 1024,
});

/** An update as Yjs would write it, and whether it had to be rewritten to get there. */
export interface CanonicalUpdate {
  readonly update: Uint8Array;
  readonly rewritten: boolean;
}

/**
 * The update in Yjs's canonical form (see UpdateInspection.canonical),
 * rewritten at the byte level when it is not: its client sections ordered,
 * its delete ranges sorted and merged. An update the inspector refuses is
 * returned as it is, for Yjs to judge (a repair reports what Yjs cannot read).
 */
export function toCanonicalUpdate(update: Uint8Array): CanonicalUpdate {
  const inspection = inspectUpdate(update, UNCAPPED);
  if (!inspection.ok || inspection.canonical) return { update, rewritten: false };
  return { update: canonicalize(update, inspection), rewritten: true };
}

/** Rewrites an inspected update in canonical form (one update always joins with itself). */
export function canonicalize(update: Uint8Array, inspection: UpdateInspection): Uint8Array {
  return concatenateUpdates([{ update, inspection }])!;
}
