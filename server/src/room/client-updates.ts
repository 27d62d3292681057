import { decodeMessage } from '@quire/protocol';
import type { ResolvedUpdateLimits } from '@quire/yjs-update';
import type { Logger } from '../logger.ts';
import { ClientOwnership, type UpdateMessageKind, type Writer } from '../ownership/client-ownership.ts';
import { foreignClientRefusal } from '../ownership/foreign-client-refusal.ts';
import type { Connection } from './connection.ts';
import type { DocumentChanges } from './document-changes.ts';
import { admitUpdate, type AcceptedVerdict, type AdmissionContext } from './update-admission.ts';

export interface ClientUpdatesOptions {
  readonly limits: ResolvedUpdateLimits;
  readonly maxClockGaps: number;
  readonly maxDocumentBytes: number;
  readonly changes: DocumentChanges;
  /** The room's connections: the owner of a contested client ID may be probed. */
  readonly connections: Iterable<Connection>;
}

/**
 * A client's update, from its arrival in the room to the document:
 * admitUpdate decides what becomes of it, and `take` acts on the decision,
 * one case per kind. It also keeps the room's client-ID ownership, which the
 * decision reads and an accepted update changes (docs/security.md).
 */
export class ClientUpdates {
  /** Who owns which Yjs client ID, against clock poisoning. */
  private readonly ownership = new ClientOwnership();
  private readonly writers = new WeakMap<Connection, Writer>();
  private readonly admission: AdmissionContext;
  private readonly changes: DocumentChanges;
  private readonly connections: Iterable<Connection>;

  constructor(options: ClientUpdatesOptions) {
    const { changes } = options;
    this.changes = changes;
    this.connections = options.connections;
    this.admission = {
      limits: options.limits,
      ownership: this.ownership,
      clockOf: changes.clockOf,
      maxClockGaps: options.maxClockGaps,
      maxDocumentBytes: options.maxDocumentBytes,
      documentBytes: () => changes.documentBytes,
      integratedDocument: () => changes.integrateQueuedChanges(),
    };
  }

  /** Takes one update from `connection`; throws the error to close it with. */
  take(connection: Connection, kind: UpdateMessageKind, update: Uint8Array): void {
    const receivedAt = performance.now();
    const writer = this.writerOf(connection);
    const admission = admitUpdate(this.admission, connection, writer, kind, update);
    // Counted for every update but a malformed one, which closes the connection anyway.
    const sequence = ++connection.updatesReceived;
    switch (admission.kind) {
      case 'malformed':
      case 'too-many-gaps':
      case 'too-big':
        throw admission.error;
      case 'refused-foreign':
        // 1008 for another principal; 1013 while an owner that may be this client's stale socket is probed.
        throw foreignClientRefusal(admission.verdict, writer, this.connections);
      case 'resync':
        // Not applied: Yjs would park it as pending without bound. The client
        // answers this step 1 with a step 2 holding exactly what is missing;
        // acknowledgements wait until then. Among the messages held while the
        // document loaded (bounded by the inbox), gaps are expected and not
        // counted, and one step 1 asks for all of them.
        if (connection.replayingHeld) {
          if (!connection.awaitingResync) connection.send(this.changes.syncStep1());
          connection.awaitingResync = true;
          return;
        }
        connection.clockGaps += 1;
        connection.awaitingResync = true;
        connection.send(this.changes.syncStep1());
        return;
      case 'read-only':
        connection.clockGaps = 0;
        connection.refuseWrite(sequence);
        return;
      case 'new-structs':
        this.changes.queueAsSent(admission.update, admission.inspection, connection, sequence, receivedAt);
        this.accepted(connection, writer, admission.verdict, kind);
        return;
      case 'nothing-new':
      case 'apply':
        if (admission.kind === 'apply') this.changes.applyFromClient(connection, admission.update);
        else this.changes.integrateQueuedChanges();
        this.accepted(connection, writer, admission.verdict, kind);
        this.changes.settleApplied(connection, sequence, receivedAt);
        return;
      default: {
        const unhandled: never = admission;
        throw new Error(`unhandled admission ${JSON.stringify(unhandled)}`);
      }
    }
  }

  /**
   * Takes the edits a client sent before it left while the document loaded
   * (a page being closed still meant its last edit): they waited in the
   * connection's inbox. Only document updates are taken: awareness from a
   * gone client would be a ghost caret, and a sync step 1 has no one left to
   * answer. The first refused one ends the replay.
   */
  takeDeparted(connection: Connection, logger: Logger): void {
    for (const bytes of connection.takeHeldMessages()) {
      const result = decodeMessage(bytes);
      if (!result.ok) break;
      const { message } = result;
      if (message.type !== 'sync-step-2' && message.type !== 'sync-update') continue;
      try {
        this.take(connection, message.type, message.update);
      } catch (error) {
        logger.warn({ docName: connection.docName, connectionId: connection.id, err: error }, 'edit of a departed client refused');
        break;
      }
    }
  }

  /** Forgets the client IDs a connection that left owned. */
  release(connection: Connection): void {
    this.ownership.releaseConnection(connection.id);
  }

  /** The update is taken in: its claims are the writer's now, and a step 2 ends a resync. */
  private accepted(connection: Connection, writer: Writer, verdict: AcceptedVerdict, kind: UpdateMessageKind): void {
    connection.clockGaps = 0;
    this.ownership.commit(verdict, writer);
    if (kind === 'sync-step-2') connection.awaitingResync = false;
  }

  /** The connection as an ownership writer, made once per connection and subject. */
  private writerOf(connection: Connection): Writer {
    const cached = this.writers.get(connection);
    if (cached !== undefined && cached.principal === connection.subject) return cached;
    const writer: Writer =
      connection.subject === undefined ? { connectionId: connection.id } : { connectionId: connection.id, principal: connection.subject };
    this.writers.set(connection, writer);
    return writer;
  }
}
