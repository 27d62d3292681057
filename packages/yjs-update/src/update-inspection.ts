import type { UpdateRejectionCode } from './update-rejection-error.ts';

export type { UpdateRejectionCode } from './update-rejection-error.ts';

/** The structs one update carries for one client. */
export interface ClientStructRange {
  /** Clock of the first struct: `Y.parseUpdateMeta(update).from`. */
  readonly firstClock: number;
  /** Clock after the last struct, Skip structs included: `Y.parseUpdateMeta(update).to`. */
  readonly endClock: number;
  readonly structCount: number;
  /**
   * The receiver must already hold this client up to this clock for every
   * non-Skip struct to integrate instead of waiting as a pending struct: the
   * clock of the first struct after the last Skip (the first clock when the
   * section has no Skip). Null when the section holds only Skip structs.
   */
  readonly requiredClock: number | null;
  /** Clock after the last non-Skip struct; null when the section holds only Skip structs. */
  readonly contentEndClock: number | null;
  /** Byte offset in the update where the section's structs begin (after its client and clock). */
  readonly structsStart: number;
  /** Byte offset just after the section's last struct. */
  readonly structsEnd: number;
}

export interface DeleteSetRange {
  readonly rangeCount: number;
  /** The highest `clock + length` over the client's delete ranges. */
  readonly endClock: number;
}

export interface UpdateInspection {
  readonly ok: true;
  /** Client sections by client ID. */
  readonly clients: ReadonlyMap<number, ClientStructRange>;
  readonly structCount: number;
  /** Clients named in the delete set. */
  readonly deleteSet: ReadonlyMap<number, DeleteSetRange>;
  readonly deleteRangeCount: number;
  /**
   * For every client other than a struct's own that a struct points at (as
   * origin, right origin or parent), the clock the receiver must reach for
   * the struct to integrate: the highest referenced clock + 1.
   */
  readonly references: ReadonlyMap<number, number>;
  readonly byteLength: number;
  /** Byte offset in the update where the delete set begins. */
  readonly deleteSetStart: number;
  /**
   * Whether the update is in the form Yjs itself writes (docs/architecture.md,
   * "Canonical updates"): client sections by client ID, highest first; delete
   * set clients likewise; each client's delete ranges sorted by clock,
   * non-empty, neither overlapping nor touching. `Y.mergeUpdates` and a
   * receiver's pending delete set rely on it.
   */
  readonly canonical: boolean;
}

export interface UpdateRejection {
  readonly ok: false;
  readonly code: UpdateRejectionCode;
  /** For logs only; not stable. */
  readonly detail: string;
  /** Byte offset where the problem was found. */
  readonly offset: number;
}

export type UpdateInspectionResult = UpdateInspection | UpdateRejection;
