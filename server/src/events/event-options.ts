/** The settings of the server's events; createSyncServer takes them with its other options. */
export interface ServerEventOptions {
  /**
   * How long a document must go without a change before its
   * `documentChanged` event is emitted, listing every author of the changes
   * since the previous one. A document changed without such a pause gets its
   * event at the latest ten times this long after the period's first change.
   * 0 emits once per event-loop turn. Default 1000 ms. No CLI flag.
   */
  readonly documentChangedDebounceMs?: number;
}

export const SERVER_EVENT_DEFAULTS = {
  documentChangedDebounceMs: 1_000,
} as const;

export type ResolvedServerEventOptions = Required<ServerEventOptions>;

/** Fills in the defaults; a bad value is a programmer error (RangeError), as for every other option. */
export function resolveServerEventOptions(options: ServerEventOptions): ResolvedServerEventOptions {
  const documentChangedDebounceMs = options.documentChangedDebounceMs ?? SERVER_EVENT_DEFAULTS.documentChangedDebounceMs;
  if (!Number.isSafeInteger(documentChangedDebounceMs) || documentChangedDebounceMs < 0) {
    throw new RangeError('documentChangedDebounceMs must be a non-negative integer');
  }
  return { documentChangedDebounceMs };
}
