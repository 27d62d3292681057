import type { StoredDocument } from '@quire/storage';

/**
 * How a room reaches the other nodes that serve its document (many nodes on
 * PostgreSQL and Redis). Absent on a single node: the room then loads its
 * document from the store itself.
 */
export interface NodeLink {
  /**
   * Joins a document on this node: notes the bus position first, then loads
   * the document (checkpoint and the entries after it) from storage, so that
   * nothing committed meanwhile by another node is missed. From then on the
   * link hands `room` every change other nodes commit, in sequence order, and
   * their clients' awareness. Rejects when storage cannot load the document:
   * the room must then not serve it.
   */
  join(docName: string, room: LinkedRoom): Promise<DocumentLink>;
}

/** What a link may do to a room it joined. Calls start after `join` resolved. */
export interface LinkedRoom {
  /** Another node's committed change (already stored): applied and sent to this node's connections, not stored again. */
  applyRemoteUpdate(update: Uint8Array): void;
  /** Another node's clients' awareness (y-protocols' encoding): applied and sent to this node's connections. */
  applyRemoteAwareness(update: Uint8Array): void;
  /** Removes awareness states of clients whose node died. */
  removeRemoteAwareness(clientIds: readonly number[]): void;
  /** The awareness states of this node's own connections, as one update; undefined when there are none. */
  encodeLocalAwareness(): Uint8Array | undefined;
  /** The link can no longer keep the document in step with storage: the room stops serving, and clients reconnect. */
  fail(error: unknown): void;
}

/** One joined document's end of the link. */
export interface DocumentLink {
  /** What storage held when the document was joined, null for a new document. */
  readonly stored: StoredDocument | null;
  /** An awareness update of this node's own connections, to relay to the other nodes. */
  publishAwareness(update: Uint8Array): void;
  /** The room unloads: stop delivering to it. */
  leave(): void;
}
