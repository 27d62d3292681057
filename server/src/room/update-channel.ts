import type * as Y from 'yjs';
import type { ResolvedUpdateLimits } from '@quire/yjs-update';
import { ServerError } from '../server-error.ts';
import type { Connection } from './connection.ts';
import type { Journal } from './journal.ts';
import type { ChangeAuthor, RoomEventSink } from './room-events.ts';
import { admitServerUpdate } from './update-admission.ts';

/** The origin of changes that come from no client connection: the server's own. */
export const SERVER_ORIGIN = 'server';

/**
 * The origin of another node's committed changes (a NodeLink's): already
 * stored, so they are applied and broadcast but neither stored again nor
 * reported as `changed` (that is told on the node that accepted them).
 */
export const REMOTE_ORIGIN = 'remote';

/** Who made a change that passes through the channel. */
export type ChangeOrigin = Connection | typeof SERVER_ORIGIN | typeof REMOTE_ORIGIN;

/** A change that comes from outside: an update, or a function that edits the document in one transaction. */
export type OutsideChange = Uint8Array | ((doc: Y.Doc) => void);

export interface UpdateChannelOptions {
  readonly docName: string;
  readonly journal: Journal;
  /** Told of every change that leaves (already guarded: it never throws). */
  readonly events: RoomEventSink | undefined;
  /** What an outside update is inspected against: the room's limits and clocks (queued changes counted). */
  readonly limits: ResolvedUpdateLimits;
  readonly clockOf: (clientId: number) => number;
  /**
   * Applies an outside change to the room's document at once, after the
   * changes the room has queued, and hands every update it makes to the
   * broadcast (to every connection) and back to `leave` (DocumentChanges.applyNow).
   */
  readonly apply: (change: OutsideChange, origin: typeof SERVER_ORIGIN | typeof REMOTE_ORIGIN) => void;
}

const SERVER_AUTHOR: ChangeAuthor = Object.freeze({ kind: 'server' });

/**
 * The seam for many nodes: the one place where a room's accepted changes
 * leave it and where changes from outside its connections enter it.
 *
 * Out (`leave`): every change the document integrated, a client's or an
 * outside one, is appended to storage through the journal and reported as
 * `changed`. A bus to other server processes plugs in here, publishing each
 * change once the journal's append of it is written, so no other node serves
 * a change this one could still lose.
 *
 * In (`enter`): a change that did not come from a client connection (the
 * server's own) is applied to the document with SERVER_ORIGIN, broadcast to
 * every connection, stored, and answered once the store confirms it.
 * Another node's committed change comes in through `enterRemote`: applied
 * with REMOTE_ORIGIN and broadcast, and since it is stored already, it does
 * not leave again.
 */
export class UpdateChannel {
  constructor(private readonly options: UpdateChannelOptions) {}

  /** Out: a change the document integrated, stored as one log entry; another node's (REMOTE_ORIGIN) is stored already. */
  leave(update: Uint8Array, origin: ChangeOrigin): void {
    if (origin === REMOTE_ORIGIN) return;
    this.options.journal.append(update);
    this.options.events?.changed(this.options.docName, update, authorOf(origin));
  }

  /**
   * Out: a turn's changes that the document integrated as one joined update,
   * stored as one log entry; each is reported as its own change, by its own
   * author.
   */
  leaveJoined(joined: Uint8Array, changes: readonly { readonly update: Uint8Array; readonly source: Connection }[]): void {
    this.options.journal.append(joined);
    const { events, docName } = this.options;
    if (events !== undefined) for (const change of changes) events.changed(docName, change.update, authorOf(change.source));
  }

  /**
   * In: applies an outside change and resolves once every append issued so
   * far, its own included, is written; rejects with the store's error if it
   * could not be stored. An update is inspected like a client's first
   * (admitServerUpdate) and rejected with a ServerError if refused. A change
   * function that throws partway rejects with its error; what it had changed
   * stays (Yjs has no rollback) and is broadcast and stored like any change.
   */
  async enter(change: OutsideChange): Promise<void> {
    if (change instanceof Uint8Array) {
      const admitted = admitServerUpdate(this.options.limits, this.options.clockOf, change);
      if (admitted instanceof ServerError) throw admitted;
      change = admitted;
    }
    this.options.apply(change, SERVER_ORIGIN);
    await this.options.journal.whenWritten();
  }

  /**
   * In: another node's committed change, applied after the turn's queued
   * changes and broadcast to every connection. Not inspected: the node that
   * accepted it did, and the link checked it is a whole update. Throws what
   * Yjs throws.
   */
  enterRemote(update: Uint8Array): void {
    this.options.apply(update, REMOTE_ORIGIN);
  }
}

function authorOf(origin: Exclude<ChangeOrigin, typeof REMOTE_ORIGIN>): ChangeAuthor {
  if (origin === SERVER_ORIGIN) return SERVER_AUTHOR;
  return { kind: 'connection', connectionId: origin.id, subject: origin.subject };
}
