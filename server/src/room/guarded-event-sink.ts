import type { Logger } from '../logger.ts';
import type { ChangeAuthor, RoomEventSink } from './room-events.ts';

/**
 * A RoomEventSink that never throws into the room: a listener's error (or
 * its rejected promise, should it return one) is logged and the room goes
 * on. Rooms call their sink only through this.
 */
export class GuardedEventSink implements RoomEventSink {
  constructor(
    private readonly sink: RoomEventSink,
    private readonly logger: Logger,
  ) {}

  loaded(docName: string): void {
    try {
      this.settle(this.sink.loaded(docName), docName, 'loaded');
    } catch (error) {
      this.report(error, docName, 'loaded');
    }
  }

  changed(docName: string, update: Uint8Array, author: ChangeAuthor): void {
    try {
      this.settle(this.sink.changed(docName, update, author), docName, 'changed');
    } catch (error) {
      this.report(error, docName, 'changed');
    }
  }

  stored(docName: string): void {
    try {
      this.settle(this.sink.stored(docName), docName, 'stored');
    } catch (error) {
      this.report(error, docName, 'stored');
    }
  }

  // The sink's methods return void, but an async implementation returns a
  // promise; its rejection would otherwise be unhandled and end the process.
  private settle(result: unknown, docName: string, event: string): void {
    if (result instanceof Promise) result.catch((error: unknown) => this.report(error, docName, event));
  }

  private report(error: unknown, docName: string, event: string): void {
    this.logger.error({ docName, event, err: error }, 'room event listener threw');
  }
}
