import type { ServerEventEmitter } from './event-emitter.ts';

/** What the transport reports about sockets; it knows nothing of the public payloads. */
export interface ConnectionEventSink {
  /** A socket was accepted for `docName`, and its session is authorized and in its room. */
  opened(docName: string, connectionId: number, subject: string | undefined): void;
  /** That socket closed with `closeCode`. */
  closed(docName: string, connectionId: number, subject: string | undefined, closeCode: number): void;
}

/** The transport's reports as `connectionOpened` and `connectionClosed`. */
export class ConnectionEvents implements ConnectionEventSink {
  constructor(private readonly emitter: ServerEventEmitter) {}

  opened(docName: string, connectionId: number, subject: string | undefined): void {
    if (!this.emitter.has('connectionOpened')) return;
    this.emitter.emit(
      'connectionOpened',
      subject === undefined ? { documentName: docName, connectionId } : { documentName: docName, connectionId, user: subject },
    );
  }

  closed(docName: string, connectionId: number, subject: string | undefined, closeCode: number): void {
    if (!this.emitter.has('connectionClosed')) return;
    this.emitter.emit(
      'connectionClosed',
      subject === undefined
        ? { documentName: docName, connectionId, closeCode }
        : { documentName: docName, connectionId, user: subject, closeCode },
    );
  }
}
