import type { ChangeAuthor, RoomEventSink } from '../room/room-events.ts';
import { ChangeDebounce } from './change-debounce.ts';
import type { ServerEventEmitter } from './event-emitter.ts';
import type { DocumentChangeAuthor } from './server-events.ts';

const SERVER_AUTHOR: DocumentChangeAuthor = Object.freeze({ server: true });

/**
 * What rooms report, turned into the public document events: `loaded` as
 * is; `changed` debounced per document (ChangeDebounce) into one
 * `documentChanged` per period with its authors; `stored` into
 * `documentStored`, which always follows the `documentChanged` it confirms,
 * never precedes it, and is not repeated without a change in between.
 */
export class DocumentEvents implements RoomEventSink {
  private readonly debounce: ChangeDebounce;
  /** Documents with a change the room has not yet reported stored. */
  private readonly unstored = new Set<string>();
  /** Documents with a `documentChanged` emitted and no `documentStored` after it yet. */
  private readonly unconfirmed = new Set<string>();

  constructor(
    private readonly emitter: ServerEventEmitter,
    debounceMs: number,
  ) {
    this.debounce = new ChangeDebounce(debounceMs, (docName, changedBy) => this.periodEnded(docName, changedBy));
  }

  loaded(docName: string): void {
    this.emitter.emit('documentLoaded', { documentName: docName });
  }

  changed(docName: string, _update: Uint8Array, author: ChangeAuthor): void {
    // Unobserved, a change costs nothing here; a listener added later starts with the next change.
    if (!this.emitter.has('documentChanged') && !this.emitter.has('documentStored')) return;
    this.unstored.add(docName);
    if (author.kind === 'server') {
      this.debounce.add(docName, 'server', SERVER_AUTHOR);
      return;
    }
    const { connectionId, subject } = author;
    this.debounce.add(docName, connectionId, subject === undefined ? { connectionId } : { connectionId, user: subject });
  }

  stored(docName: string): void {
    this.unstored.delete(docName);
    // A period still open reports it as it ends, after its documentChanged.
    if (this.debounce.isPending(docName)) return;
    if (this.unconfirmed.delete(docName)) this.emitter.emit('documentStored', { documentName: docName });
  }

  /** Emits every pending `documentChanged` (and `documentStored`, where stored) now: the server is closing. */
  flush(): void {
    this.debounce.endAll();
  }

  private periodEnded(docName: string, changedBy: readonly DocumentChangeAuthor[]): void {
    this.emitter.emit('documentChanged', { documentName: docName, changedBy });
    if (this.unstored.has(docName)) {
      this.unconfirmed.add(docName);
      return;
    }
    this.unconfirmed.delete(docName);
    this.emitter.emit('documentStored', { documentName: docName });
  }
}
