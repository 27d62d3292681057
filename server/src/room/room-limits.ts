import type { AwarenessLimits } from '../awareness/awareness-guard.ts';

/**
 * The document-level limits of docs/security.md. A room has no defaults of
 * its own: the server's settings (`roomLimitsOf` in server-options.ts) are
 * the one source of them.
 */
export interface RoomLimits {
  /** An update that would grow the document past this many bytes is refused with 1008. */
  readonly maxDocumentBytes: number;
  /** Updates in a row refused for a clock gap before 1008. */
  readonly maxClockGaps: number;
  readonly awareness: Omit<AwarenessLimits, 'reservedClientIds'>;
}
