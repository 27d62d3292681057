/** Who changed a document. */
export type ChangeAuthor =
  | {
      readonly kind: 'connection';
      readonly connectionId: number;
      /** The connection's authenticated subject (a JWT's `sub`), when it has one. */
      readonly subject: string | undefined;
    }
  | { readonly kind: 'server' };

/**
 * What a room reports about its document, for the server's public events
 * (server/src/events/). A room calls these after the fact; an implementation
 * must not throw into the room.
 */
export interface RoomEventSink {
  /** The document was loaded from storage (or found new) and the room serves it. */
  loaded(docName: string): void;
  /**
   * An accepted change was applied to the document; it is stored next. The
   * changes of one turn that are stored joined as one log entry are reported
   * one by one, each with its own update and author.
   */
  changed(docName: string, update: Uint8Array, author: ChangeAuthor): void;
  /** Every change the room applied so far is durably stored. */
  stored(docName: string): void;
}
