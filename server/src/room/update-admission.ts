import * as Y from 'yjs';
import {
  addsDeletions,
  canonicalize,
  inspectUpdate,
  type ResolvedUpdateLimits,
  type UpdateInspection,
} from '@quire/yjs-update';
import {
  checkOwnership,
  type ClientOwnership,
  type ClientOwnershipView,
  type OwnershipVerdict,
  type UpdateMessageKind,
  type Writer,
} from '../ownership/client-ownership.ts';
import type { ForeignClientVerdict } from '../ownership/foreign-client-refusal.ts';
import { ServerError } from '../server-error.ts';
import type { ConnectionAccess } from './connection.ts';

/** An ownership verdict that let the update through; committed once the update is taken in. */
export type AcceptedVerdict = Extract<OwnershipVerdict, { ok: true }>;

/** What the room does with a client's update (docs/security.md). */
export type Admission =
  /** Not a Yjs update within the limits: 1007, nothing of it is used. */
  | { readonly kind: 'malformed'; readonly error: ServerError }
  /** It needs content the document lacks (a clock gap): dropped, answered with sync step 1. */
  | { readonly kind: 'resync' }
  /** One clock gap too many in a row: 1008. */
  | { readonly kind: 'too-many-gaps'; readonly error: ServerError }
  /** It writes a client ID another live connection owns: 1008, or 1013 while that owner is probed. */
  | { readonly kind: 'refused-foreign'; readonly verdict: ForeignClientVerdict }
  /** A change from a connection without write access: dropped and refused; the connection stays. */
  | { readonly kind: 'read-only' }
  /** It would grow the document past its limit: 1008. */
  | { readonly kind: 'too-big'; readonly error: ServerError }
  /** New structs only, each client's starting at the document's clock: forwarded and stored as sent. */
  | { readonly kind: 'new-structs'; readonly update: Uint8Array; readonly inspection: UpdateInspection; readonly verdict: AcceptedVerdict }
  /** Nothing to apply (the step 2 of a client that joins with nothing new): acknowledged only. */
  | { readonly kind: 'nothing-new'; readonly verdict: AcceptedVerdict }
  /** Anything else: applied, and what it changed re-encoded by Yjs. */
  | { readonly kind: 'apply'; readonly update: Uint8Array; readonly verdict: AcceptedVerdict };

/** What the decision reads of the room; built once per room. */
export interface AdmissionContext {
  readonly limits: ResolvedUpdateLimits;
  readonly ownership: ClientOwnership;
  /** The document's clock for a client, queued changes counted. */
  readonly clockOf: (clientId: number) => number;
  readonly maxClockGaps: number;
  readonly maxDocumentBytes: number;
  /** The document's size as the room counts it. */
  documentBytes(): number;
  /** The document with every accepted change integrated: the read-only and size checks read it. */
  integratedDocument(): Y.Doc;
}

/** What the decision reads of the sender. */
export interface AdmissionSender {
  readonly access: ConnectionAccess;
  /** Updates in a row it sent that were refused for a clock gap. */
  readonly clockGaps: number;
}

// The kinds that carry nothing: one object each, not one per update.
const RESYNC: Admission = Object.freeze({ kind: 'resync' });
const READ_ONLY: Admission = Object.freeze({ kind: 'read-only' });

/**
 * Decides what becomes of a client's update, in the order docs/security.md
 * gives: validated whole (and put in canonical form) before anything else,
 * then the ownership check, then access and the document-size limit, then
 * how it is taken in. It changes nothing; the room acts on the answer. Only
 * the read-only and size checks, which read the document, integrate the
 * room's queued changes first.
 */
export function admitUpdate(
  context: AdmissionContext,
  sender: AdmissionSender,
  writer: Writer,
  kind: UpdateMessageKind,
  received: Uint8Array,
): Admission {
  let update = received;
  let inspection = inspectUpdate(update, context.limits);
  if (inspection.ok && !inspection.canonical) {
    // Stored, forwarded and joined only in the form Yjs writes: merged loads
    // and receivers' pending delete sets depend on it.
    update = canonicalize(update, inspection);
    inspection = inspectUpdate(update, context.limits);
  }
  if (!inspection.ok) return { kind: 'malformed', error: new ServerError(inspection.code, inspection.detail) };
  const verdict = context.ownership.check({ inspection, writer, kind, serverClock: context.clockOf });
  if (!verdict.ok && verdict.code === 'ERR_UPDATE_CLOCK_GAP') {
    if (sender.clockGaps + 1 <= context.maxClockGaps) return RESYNC;
    return { kind: 'too-many-gaps', error: new ServerError(verdict.code, verdict.detail) };
  }
  if (!verdict.ok) return { kind: 'refused-foreign', verdict };
  if (sender.access !== 'write') {
    if (verdict.writtenClients.length > 0 || addsDeletions(context.integratedDocument(), update)) return READ_ONLY;
  } else if (verdict.writtenClients.length > 0 && wouldBeTooBig(context, update)) {
    const limit = context.maxDocumentBytes;
    return { kind: 'too-big', error: new ServerError('ERR_DOCUMENT_TOO_BIG', `document would exceed ${limit} bytes`) };
  }
  // A resuming client's step 2 usually has this shape too (its offline edits
  // from the server's clocks on), and is the largest update a room sees.
  if (onlyNewStructs(inspection, context.clockOf)) return { kind: 'new-structs', update, inspection, verdict };
  // Yjs would open and close a transaction for it.
  if (inspection.structCount === 0 && inspection.deleteRangeCount === 0) return { kind: 'nothing-new', verdict };
  return { kind: 'apply', update, verdict };
}

/** An owner table with no owners: the gap rule alone. */
const NO_OWNERS: ClientOwnershipView = { ownerOf: () => undefined };
const SERVER_WRITER: Writer = { connectionId: -1 };

/**
 * Checks an update that comes from the server's side rather than a client
 * (an embedding application, later another node): validated whole and put
 * in canonical form like a client's, and refused if it builds on content the
 * document lacks (Yjs would hold it as pending, in no append). Ownership and
 * access are a client's limits, not the server's. Returns the update to
 * apply, or the ServerError it is refused with.
 */
export function admitServerUpdate(
  limits: ResolvedUpdateLimits,
  clockOf: (clientId: number) => number,
  received: Uint8Array,
): Uint8Array | ServerError {
  let update = received;
  let inspection = inspectUpdate(update, limits);
  if (inspection.ok && !inspection.canonical) {
    update = canonicalize(update, inspection);
    inspection = inspectUpdate(update, limits);
  }
  if (!inspection.ok) return new ServerError(inspection.code, inspection.detail);
  const verdict = checkOwnership({ inspection, writer: SERVER_WRITER, kind: 'sync-step-2', serverClock: clockOf, ownership: NO_OWNERS });
  return verdict.ok ? update : new ServerError(verdict.code, verdict.detail);
}

/**
 * Applying an update grows the document by about its own size at most, so
 * the exact growth (a costly decode and re-encode) is only worked out near
 * the limit.
 */
function wouldBeTooBig(context: AdmissionContext, update: Uint8Array): boolean {
  const bytes = context.documentBytes();
  if (bytes + 2 * update.byteLength + 1024 <= context.maxDocumentBytes) return false;
  const grows = Y.diffUpdate(update, Y.encodeStateVector(context.integratedDocument())).byteLength;
  return bytes + grows > context.maxDocumentBytes;
}

/**
 * Whether the update holds, for every client in it, structs starting exactly
 * at the document's clock and nothing else (the shape of a stock client's
 * local edit, or of a step 2 that answers the server's state vector):
 * applying it adds exactly those structs, so the update as sent is what the
 * other connections and storage need.
 */
export function onlyNewStructs(inspection: UpdateInspection, clockOf: (clientId: number) => number): boolean {
  if (inspection.clients.size === 0) return false;
  for (const [clientId, range] of inspection.clients) {
    if (range.firstClock !== clockOf(clientId)) return false;
    if (range.requiredClock !== range.firstClock || range.contentEndClock !== range.endClock) return false;
  }
  return true;
}
