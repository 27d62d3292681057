import type { AwarenessLimits } from '../awareness/awareness-guard.ts';

/** The document-level limits of docs/security.md; each has a default. */
export interface RoomLimits {
  /** An update that would grow the document past this many bytes is refused with 1008. Default 64 MiB. */
  readonly maxDocumentBytes?: number;
  /** Updates in a row refused for a clock gap before 1008. Default 8. */
  readonly maxClockGaps?: number;
  readonly awareness?: Omit<AwarenessLimits, 'reservedClientIds'>;
}

export type ResolvedRoomLimits = Required<RoomLimits>;

export function resolveRoomLimits(limits: RoomLimits | undefined): ResolvedRoomLimits {
  return {
    maxDocumentBytes: limits?.maxDocumentBytes ?? 64 * 1024 * 1024,
    maxClockGaps: limits?.maxClockGaps ?? 8,
    awareness: limits?.awareness ?? {},
  };
}
