import { OwnerTable } from './owner-table.ts';
import type { UpdateInspection } from '@quire/yjs-update';

/** Who is writing: one connection, and the authenticated subject behind it if any. */
export interface Writer {
  readonly connectionId: number;
  /** The authenticated subject (JWT `sub`), if the connection has one. */
  readonly principal?: string;
}

/** The sync message that carried the update. */
export type UpdateMessageKind = 'sync-step-2' | 'sync-update';

export type OwnershipRejectionCode = 'ERR_UPDATE_FOREIGN_CLIENT' | 'ERR_UPDATE_CLOCK_GAP';

/** Read access to who owns which client ID; implemented by ClientOwnership. */
export interface ClientOwnershipView {
  ownerOf(clientId: number): Writer | undefined;
}

/**
 * Whether `writer` may write new structs under a client ID that `owner`, a
 * different live connection, holds. The default allows it only between
 * connections of the same authenticated principal: one user's reconnect
 * while the server still holds their previous, half-dead socket.
 */
export type TakeOverPolicy = (owner: Writer, writer: Writer) => boolean;

export const samePrincipal: TakeOverPolicy = (owner, writer) =>
  owner.principal !== undefined && owner.principal !== '' && owner.principal === writer.principal;

export interface OwnershipCheckInput {
  readonly inspection: UpdateInspection;
  readonly writer: Writer;
  readonly kind: UpdateMessageKind;
  /** The room document's clock for a client before applying: `(id) => Y.getState(doc.store, id)`. */
  readonly serverClock: (clientId: number) => number;
  readonly ownership: ClientOwnershipView;
  /** Default: `samePrincipal`. */
  readonly mayTakeOver?: TakeOverPolicy;
}

export type OwnershipVerdict =
  | {
      readonly ok: true;
      /** Client IDs the writer should now own (pass the verdict to `ClientOwnership.commit` after applying). */
      readonly claims: readonly number[];
      /** Client IDs moving to the writer from another live connection under the take-over policy. */
      readonly takeOvers: readonly number[];
      /** Client IDs for which the update adds structs the server does not have. */
      readonly writtenClients: readonly number[];
    }
  | {
      readonly ok: false;
      readonly code: 'ERR_UPDATE_FOREIGN_CLIENT';
      readonly clientId: number;
      readonly owner: Writer;
      readonly detail: string;
    }
  | {
      readonly ok: false;
      readonly code: 'ERR_UPDATE_CLOCK_GAP';
      readonly clientId: number;
      /** Where the server's document is for this client. */
      readonly serverClock: number;
      /** Where the update needs it to be. */
      readonly requiredClock: number;
      /** What needs the missing clocks: struct content, a reference to another client's item, or a delete range. */
      readonly cause: 'structs' | 'reference' | 'delete-set';
      readonly detail: string;
    };

/**
 * The rule against clock poisoning and pending structs, decided before an
 * inspected update is applied. It reads the document's clocks and the owner
 * table and changes neither.
 *
 * 1. Gaps. Every struct must integrate at once: the update may not need
 *    clocks of any client that neither the server nor the update itself holds
 *    — through struct content starting past the server's clock (or after a
 *    Skip), through an origin / right origin / parent, or through a delete
 *    range. Otherwise Yjs parks the structs or deletes as pending, without
 *    bound. ERR_UPDATE_CLOCK_GAP is recoverable: do not apply, answer with
 *    SyncStep1 so that the client sends exactly what is missing.
 * 2. Foreign clients. An update may not add structs past the server's clock
 *    for a client ID owned by another live connection (unless the take-over
 *    policy allows it). Structs the server already holds are harmless no-ops
 *    and are let through, so honest replays never trip this.
 * 3. Unowned client IDs are writable by anyone: a client returning after the
 *    server lost data must be able to restore other users' edits.
 * 4. Claims. A `sync-update` that adds structs for exactly one client ID,
 *    which no one owns, makes the writer its owner: that is the shape of a
 *    local edit (stock providers send each local transaction as one update
 *    carrying only their own client ID). A sync step 2 never claims, because
 *    after a server restart it legitimately carries other users' edits.
 */
export function checkOwnership(input: OwnershipCheckInput): OwnershipVerdict {
  return decide(input, input.ownership);
}

// Shared by verdicts that claim or take over nothing (most of them): one
// update per keystroke should not allocate arrays it never fills.
const NONE: readonly number[] = Object.freeze([]);

/** How far the server will hold a client once the update is applied. */
function available(inspection: UpdateInspection, serverClock: (clientId: number) => number, clientId: number): number {
  const clock = serverClock(clientId);
  const range = inspection.clients.get(clientId);
  return range?.contentEndClock != null ? Math.max(clock, range.contentEndClock) : clock;
}

function decide(input: Omit<OwnershipCheckInput, 'ownership'>, ownership: ClientOwnershipView): OwnershipVerdict {
  const { inspection, writer, serverClock } = input;
  const mayTakeOver = input.mayTakeOver ?? samePrincipal;
  let takeOvers: number[] | undefined;
  const writtenClients: number[] = [];

  for (const [clientId, range] of inspection.clients) {
    const clock = serverClock(clientId);
    if (range.requiredClock !== null && range.requiredClock > clock) {
      return gap(clientId, clock, range.requiredClock, 'structs');
    }
    if (range.contentEndClock === null || range.contentEndClock <= clock) continue;
    writtenClients.push(clientId);
    const owner = ownership.ownerOf(clientId);
    if (owner === undefined || owner.connectionId === writer.connectionId) continue;
    if (!mayTakeOver(owner, writer)) {
      return {
        ok: false,
        code: 'ERR_UPDATE_FOREIGN_CLIENT',
        clientId,
        owner,
        detail: `connection ${writer.connectionId} wrote client ${clientId}, owned by connection ${owner.connectionId}`,
      };
    }
    (takeOvers ??= []).push(clientId);
  }
  for (const [clientId, requiredClock] of inspection.references) {
    if (requiredClock > available(inspection, serverClock, clientId)) {
      return gap(clientId, serverClock(clientId), requiredClock, 'reference');
    }
  }
  for (const [clientId, range] of inspection.deleteSet) {
    if (range.endClock > available(inspection, serverClock, clientId)) {
      return gap(clientId, serverClock(clientId), range.endClock, 'delete-set');
    }
  }

  let claims = NONE;
  const [only] = writtenClients;
  if (input.kind === 'sync-update' && writtenClients.length === 1 && only !== undefined) {
    if (ownership.ownerOf(only) === undefined) claims = [only];
  }
  return { ok: true, claims, takeOvers: takeOvers ?? NONE, writtenClients };
}

function gap(
  clientId: number,
  serverClock: number,
  requiredClock: number,
  cause: 'structs' | 'reference' | 'delete-set',
): OwnershipVerdict {
  return {
    ok: false,
    code: 'ERR_UPDATE_CLOCK_GAP',
    clientId,
    serverClock,
    requiredClock,
    cause,
    detail: `${cause} need client ${clientId} at clock ${requiredClock}, the document is at ${serverClock}`,
  };
}

export interface ClientOwnershipOptions {
  /**
   * Client IDs one connection may own. A stock client writes under one ID per
   * document; the cap stops one connection from squatting the IDs of every
   * offline user. Past it, writes are still accepted but claim nothing.
   * Default 8.
   */
  readonly maxClientsPerConnection?: number;
}

export type ClaimResult = 'claimed' | 'already-owned' | 'owned-by-other' | 'over-cap';

// One function for every room's table, not a closure per room.
const connectionIdOfWriter = (writer: Writer): number => writer.connectionId;

/**
 * The owner table of one room: client ID → the live connection that owns it.
 * Ownership lasts as long as the connection; nothing is persisted.
 */
export class ClientOwnership implements ClientOwnershipView {
  private readonly table = new OwnerTable<Writer>(connectionIdOfWriter);
  private readonly maxClientsPerConnection: number;

  constructor(options: ClientOwnershipOptions = {}) {
    const max = options.maxClientsPerConnection ?? 8;
    if (!Number.isSafeInteger(max) || max < 0) {
      throw new RangeError(`maxClientsPerConnection must be a non-negative integer, got ${String(max)}`);
    }
    this.maxClientsPerConnection = max;
  }

  get size(): number {
    return this.table.size;
  }

  ownerOf(clientId: number): Writer | undefined {
    return this.table.ownerOf(clientId);
  }

  clientsOf(connectionId: number): ReadonlySet<number> {
    return this.table.clientsOf(connectionId);
  }

  /**
   * Makes `writer` the owner of `clientId` if no one else is (also usable for
   * awareness announcements). With `transfer`, takes it from another owner.
   */
  claim(clientId: number, writer: Writer, options: { readonly transfer?: boolean } = {}): ClaimResult {
    const owner = this.table.ownerOf(clientId);
    if (owner?.connectionId === writer.connectionId) return 'already-owned';
    if (owner !== undefined && options.transfer !== true) return 'owned-by-other';
    if (this.table.countOf(writer.connectionId) >= this.maxClientsPerConnection) return 'over-cap';
    this.table.assign(clientId, writer);
    return 'claimed';
  }

  /** `checkOwnership` against this table. */
  check(input: Omit<OwnershipCheckInput, 'ownership'>): OwnershipVerdict {
    return decide(input, this);
  }

  /** Records the claims and take-overs of an accepted verdict, once its update is applied. */
  commit(verdict: OwnershipVerdict, writer: Writer): void {
    if (!verdict.ok) return;
    for (const clientId of verdict.takeOvers) this.claim(clientId, writer, { transfer: true });
    for (const clientId of verdict.claims) this.claim(clientId, writer);
  }

  /** Forgets every client ID the connection owned; returns them. */
  releaseConnection(connectionId: number): number[] {
    return this.table.releaseConnection(connectionId);
  }
}
