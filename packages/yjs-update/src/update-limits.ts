/**
 * Caps that `inspectUpdate` enforces on one Yjs update. Every cap is checked
 * against the *declared* count or length before anything is read for it, so
 * a short hostile update that declares 2^40 clients is refused at once.
 * Caps above the transport's `maxPayload` never fire for byte-sized values;
 * they matter for counts and lengths that cost no bytes (GC lengths).
 */
export interface UpdateLimits {
  /**
   * Client sections in the update, and separately distinct clients in its
   * delete set and distinct other clients its structs point at. A sync step 2
   * that restores a whole document carries every client that ever edited it
   * (one per editing session), hence the generous default. Default 100,000.
   */
  readonly maxClients?: number;
  /** Structs in the whole update (the sum of the declared per-client counts). Default 1,000,000. */
  readonly maxStructs?: number;
  /**
   * Clock length of a GC struct, a Skip struct or an item with deleted
   * content: the lengths that cost no bytes and so could claim 2^50 clocks of
   * a client in a few bytes. No editing session performs 2^32 operations.
   * Default 2^32 - 1.
   */
  readonly maxStructLength?: number;
  /** Bytes of any one string, key, binary or JSON text. Default 8 MiB. */
  readonly maxStringBytes?: number;
  /** Ranges in the delete set (all clients together). Default 1,000,000. */
  readonly maxDeleteRanges?: number;
  /**
   * Nesting of JSON text (embeds, formats, JSON content) and of lib0 "any"
   * values (map values, array content, subdocument options). Deeper values
   * overflow the stack of the recursive encoders that later send the document
   * to other clients. Default 64.
   */
  readonly maxNestingDepth?: number;
}

export type ResolvedUpdateLimits = { readonly [Key in keyof UpdateLimits]-?: number };

export const DEFAULT_UPDATE_LIMITS: ResolvedUpdateLimits = Object.freeze({
  maxClients: 100_000,
  maxStructs: 1_000_000,
  maxStructLength: 2 ** 32 - 1,
  maxStringBytes: 8 * 1024 * 1024,
  maxDeleteRanges: 1_000_000,
  maxNestingDepth: 64,
});

/**
 * Fills in defaults. Limits are configuration, so a bad one is a programmer
 * error and throws RangeError.
 */
export function resolveUpdateLimits(limits: UpdateLimits = {}): ResolvedUpdateLimits {
  const resolved = { ...DEFAULT_UPDATE_LIMITS, ...definedEntries(limits) };
  for (const [name, value] of Object.entries(resolved)) {
    if (!Number.isSafeInteger(value) || value < 0) {
      throw new RangeError(`update limit ${name} must be a non-negative safe integer, got ${String(value)}`);
    }
  }
  return resolved;
}

// With exactOptionalPropertyTypes an explicit `undefined` cannot be passed,
// but plain JavaScript callers can; it must not override a default.
function definedEntries(limits: UpdateLimits): UpdateLimits {
  return Object.fromEntries(Object.entries(limits).filter(([, value]) => value !== undefined));
}
