import * as encoding from 'lib0/encoding';
import { ByteCursor, ByteCursorError } from '@quire/protocol';
import { measureJsonDepth } from '@quire/yjs-update';
import { OwnerTable } from '../ownership/owner-table.ts';

export type AwarenessRejectionCode =
  | 'ERR_AWARENESS_MALFORMED'
  | 'ERR_AWARENESS_TOO_BIG'
  | 'ERR_AWARENESS_TOO_DEEP'
  | 'ERR_AWARENESS_TOO_MANY_CLIENTS';

export interface AwarenessLimits {
  /** Client IDs one connection may own. A stock client announces one. Default 4. */
  readonly maxClientsPerConnection?: number;
  /** Bytes of one entry's state JSON. Default 16 KiB. */
  readonly maxStateBytes?: number;
  /** Nesting of one state's JSON; deeper states crash recursive encoders. Default 32. */
  readonly maxDepth?: number;
  /**
   * Entries in one message. Stock clients echo every change they receive, so
   * a client joining a room of N users sends back N entries. Default 10,000.
   */
  readonly maxEntries?: number;
  /**
   * What to do with a fresh entry for an unowned client ID once the
   * connection owns `maxClientsPerConnection` IDs: `'drop'` the entry, or
   * `'reject'` the message with ERR_AWARENESS_TOO_MANY_CLIENTS. Default
   * `'drop'`: a tab relays its sibling tabs' states (y-websocket forwards
   * awareness from BroadcastChannel), so the cap is reached honestly.
   */
  readonly overCap?: 'drop' | 'reject';
  /**
   * Client IDs no connection may set or remove: pass the room's own
   * awareness client ID, whose state Awareness would otherwise adopt as its
   * local state and keep renewing.
   */
  readonly reservedClientIds?: Iterable<number>;
}

export interface AwarenessEntry {
  readonly clientId: number;
  readonly clock: number;
  /** The state's JSON text, exactly as received. */
  readonly stateJson: string;
  /** The state is `null`: the client asks to remove its state. */
  readonly isRemoval: boolean;
}

export type AwarenessDecodeResult =
  | { readonly ok: true; readonly entries: readonly AwarenessEntry[] }
  | AwarenessRejection;

export interface AwarenessRejection {
  readonly ok: false;
  readonly code: AwarenessRejectionCode;
  /** For logs only; not stable. */
  readonly detail: string;
}

/** Why an entry was left out: it was not the connection's to set. */
export type AwarenessDropReason = 'foreign' | 'stale' | 'unowned-removal' | 'reserved' | 'over-cap';

export interface AwarenessFilterResult {
  readonly ok: true;
  /** The entries to apply, in message order. */
  readonly entries: readonly AwarenessEntry[];
  readonly dropped: readonly { readonly clientId: number; readonly reason: AwarenessDropReason }[];
  /** Client IDs this message made the connection's own. */
  readonly claimed: readonly number[];
  /** The allowed entries as an awareness update: the input itself when nothing was dropped. */
  readonly update: Uint8Array;
}

export type ResolvedAwarenessLimits = Required<Omit<AwarenessLimits, 'reservedClientIds'>>;

const DEFAULTS: ResolvedAwarenessLimits = {
  maxClientsPerConnection: 4,
  maxStateBytes: 16 * 1024,
  maxDepth: 32,
  maxEntries: 10_000,
  overCap: 'drop',
};

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * Decodes a y-protocols awareness update (varUint count, then per entry
 * varUint client ID, varUint clock, varString state JSON) and validates every
 * entry before any is applied: y-protocols parses entry by entry and would
 * apply the entries before a broken one. The depth of each state is measured
 * by a linear scan before JSON.parse, so 100k-deep input costs one pass.
 */
export function decodeAwarenessUpdate(update: Uint8Array, limits: AwarenessLimits = {}): AwarenessDecodeResult {
  return decodeWithLimits(update, resolveLimits(limits));
}

function decodeWithLimits(update: Uint8Array, resolved: ResolvedAwarenessLimits): AwarenessDecodeResult {
  const cursor = new ByteCursor(update);
  try {
    const count = cursor.readVarUint();
    if (count > resolved.maxEntries) return reject('ERR_AWARENESS_TOO_MANY_CLIENTS', `${count} entries in one message`);
    // An entry takes at least 3 bytes; refuse a count the input cannot hold.
    if (count * 3 > cursor.remaining) return reject('ERR_AWARENESS_MALFORMED', `${count} entries cannot fit`);
    const entries: AwarenessEntry[] = [];
    for (let index = 0; index < count; index++) {
      const clientId = cursor.readVarUint();
      const clock = cursor.readVarUint();
      const length = cursor.readVarUint();
      if (length > resolved.maxStateBytes) {
        return reject('ERR_AWARENESS_TOO_BIG', `state of ${length} bytes exceeds ${resolved.maxStateBytes}`);
      }
      const start = cursor.offset;
      cursor.skip(length);
      if (measureJsonDepth(update, start, start + length, resolved.maxDepth) > resolved.maxDepth) {
        return reject('ERR_AWARENESS_TOO_DEEP', `state nested deeper than ${resolved.maxDepth}`);
      }
      let stateJson: string;
      let state: unknown;
      try {
        stateJson = utf8.decode(update.subarray(start, start + length));
        state = JSON.parse(stateJson);
      } catch {
        return reject('ERR_AWARENESS_MALFORMED', `entry ${index} is not valid JSON`);
      }
      entries.push({ clientId, clock, stateJson, isRemoval: state === null });
    }
    if (cursor.remaining !== 0) return reject('ERR_AWARENESS_MALFORMED', `${cursor.remaining} bytes after the entries`);
    return { ok: true, entries };
  } catch (error) {
    if (error instanceof ByteCursorError) return reject('ERR_AWARENESS_MALFORMED', error.message);
    throw error;
  }
}

/** Encodes entries as a y-protocols awareness update. */
export function encodeAwarenessEntries(entries: readonly AwarenessEntry[]): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, entries.length);
  for (const entry of entries) {
    encoding.writeVarUint(encoder, entry.clientId);
    encoding.writeVarUint(encoder, entry.clock);
    encoding.writeVarString(encoder, entry.stateJson);
  }
  return encoding.toUint8Array(encoder);
}

/**
 * Merges two batches of entries into one entry per client ID, the one with
 * the higher clock (the newer one on a tie): the `merge` for a
 * CoalescingThrottle that forwards awareness at a bounded rate.
 */
export function mergeAwarenessEntries(
  held: readonly AwarenessEntry[],
  next: readonly AwarenessEntry[],
): AwarenessEntry[] {
  const byClient = new Map<number, AwarenessEntry>();
  for (const entry of [...held, ...next]) {
    const existing = byClient.get(entry.clientId);
    if (existing === undefined || entry.clock >= existing.clock) byClient.set(entry.clientId, entry);
  }
  return [...byClient.values()];
}

// One function for every room's guard, not a closure per room.
const sameConnectionId = (connectionId: number): number => connectionId;
const heldNowhere = (): boolean => false;

export interface AwarenessGuardOptions extends AwarenessLimits {
  /**
   * Whether a client ID's state is held by a live client elsewhere (another
   * node's connection): such an ID is foreign to every connection here, as if
   * a connection of this room owned it. Default: nowhere.
   */
  readonly isHeldElsewhere?: (clientId: number) => boolean;
}

/**
 * The awareness rules of one room: a connection may only set or remove its
 * own client IDs. The first client IDs a connection announces with a fresh
 * state become its own, up to the cap, until it closes; entries for IDs
 * owned by another connection are dropped silently, because stock clients
 * echo every awareness change they receive back to the server.
 */
export class AwarenessGuard {
  private readonly resolved: ResolvedAwarenessLimits;
  private readonly reserved: ReadonlySet<number>;
  /** Owner: the connection ID itself. */
  private readonly table = new OwnerTable<number>(sameConnectionId);

  private readonly isHeldElsewhere: (clientId: number) => boolean;

  constructor(limits: AwarenessGuardOptions = {}) {
    this.resolved = resolveLimits(limits);
    this.reserved = new Set(limits.reservedClientIds ?? []);
    this.isHeldElsewhere = limits.isHeldElsewhere ?? heldNowhere;
  }

  /** Decodes and validates `update` under this guard's limits, claiming nothing (another node's relayed update). */
  decode(update: Uint8Array): AwarenessDecodeResult {
    return decodeWithLimits(update, this.resolved);
  }

  /** The limits in force, defaults filled in. */
  get limits(): Readonly<ResolvedAwarenessLimits> {
    return this.resolved;
  }

  ownerOf(clientId: number): number | undefined {
    return this.table.ownerOf(clientId);
  }

  clientsOf(connectionId: number): ReadonlySet<number> {
    return this.table.clientsOf(connectionId);
  }

  /**
   * Decodes `update` from `connectionId` and keeps the entries it may apply.
   * `knownClock` returns the room's clock for a client ID
   * (`awareness.meta.get(id)?.clock`): an entry for an unowned ID that is not
   * newer is an echo of a departed client, which must not become anyone's.
   */
  filter(
    update: Uint8Array,
    connectionId: number,
    knownClock: (clientId: number) => number | undefined,
  ): AwarenessFilterResult | AwarenessRejection {
    const decoded = decodeWithLimits(update, this.resolved);
    if (!decoded.ok) return decoded;
    const entries: AwarenessEntry[] = [];
    const dropped: { clientId: number; reason: AwarenessDropReason }[] = [];
    const claimed: number[] = [];
    for (const entry of decoded.entries) {
      const reason = this.admit(entry, connectionId, knownClock, claimed);
      if (reason === null) entries.push(entry);
      else if (reason === 'over-cap' && this.resolved.overCap === 'reject') {
        // Undo this message's claims: it is refused whole.
        for (const clientId of claimed) this.table.unassign(clientId);
        return reject('ERR_AWARENESS_TOO_MANY_CLIENTS', `connection ${connectionId} exceeds its client IDs`);
      } else dropped.push({ clientId: entry.clientId, reason });
    }
    const filtered = dropped.length === 0 ? update : encodeAwarenessEntries(entries);
    return { ok: true, entries, dropped, claimed, update: filtered };
  }

  /** Forgets the connection's client IDs and returns them, for `removeAwarenessStates`. */
  release(connectionId: number): number[] {
    return this.table.releaseConnection(connectionId);
  }

  private admit(
    entry: AwarenessEntry,
    connectionId: number,
    knownClock: (clientId: number) => number | undefined,
    claimed: number[],
  ): AwarenessDropReason | null {
    const { clientId } = entry;
    if (this.reserved.has(clientId)) return 'reserved';
    const owner = this.table.ownerOf(clientId);
    if (owner === connectionId) return null;
    if (owner !== undefined || this.isHeldElsewhere(clientId)) return 'foreign';
    if (entry.isRemoval) return 'unowned-removal';
    const known = knownClock(clientId);
    if (known !== undefined && entry.clock <= known) return 'stale';
    // Ownership is kept when a state is removed, so a connection cannot
    // churn through fresh IDs (each leaves an entry in Awareness.meta forever).
    if (this.table.countOf(connectionId) >= this.resolved.maxClientsPerConnection) return 'over-cap';
    this.table.assign(clientId, connectionId);
    claimed.push(clientId);
    return null;
  }
}

function resolveLimits(limits: AwarenessLimits): ResolvedAwarenessLimits {
  const resolved: ResolvedAwarenessLimits = {
    maxClientsPerConnection: limits.maxClientsPerConnection ?? DEFAULTS.maxClientsPerConnection,
    maxStateBytes: limits.maxStateBytes ?? DEFAULTS.maxStateBytes,
    maxDepth: limits.maxDepth ?? DEFAULTS.maxDepth,
    maxEntries: limits.maxEntries ?? DEFAULTS.maxEntries,
    overCap: limits.overCap ?? DEFAULTS.overCap,
  };
  for (const name of ['maxClientsPerConnection', 'maxStateBytes', 'maxDepth', 'maxEntries'] as const) {
    const value = resolved[name];
    if (!Number.isSafeInteger(value) || value < 0) {
      throw new RangeError(`awareness limit ${name} must be a non-negative integer, got ${String(value)}`);
    }
  }
  if (resolved.overCap !== 'drop' && resolved.overCap !== 'reject') {
    throw new RangeError(`awareness limit overCap must be 'drop' or 'reject', got ${String(resolved.overCap)}`);
  }
  return resolved;
}

function reject(code: AwarenessRejectionCode, detail: string): AwarenessRejection {
  return { ok: false, code, detail };
}

export const DEFAULT_AWARENESS_LIMITS: Readonly<ResolvedAwarenessLimits> = Object.freeze({ ...DEFAULTS });
