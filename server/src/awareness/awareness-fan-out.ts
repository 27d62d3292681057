import * as awarenessProtocol from 'y-protocols/awareness';
import { encodeAwareness } from '@quire/protocol';
import { SharedMessage } from '../room/shared-message.ts';

/** A connection as the fan-out sees it. */
export interface AwarenessReceiver {
  send(message: Uint8Array): void;
  sendShared(message: SharedMessage, now: number): void;
}

/** Which awareness clients a change added, updated or removed (y-protocols' `update` event). */
export interface AwarenessChanges {
  readonly added: readonly number[];
  readonly updated: readonly number[];
  readonly removed: readonly number[];
}

/**
 * How a room's awareness reaches its connections: each change to every
 * connection, the sender included (stock clients count the echo of their own
 * periodic renewal as proof the connection is alive), encoded once for all
 * of them; and every known state to one connection that joins or asks.
 */
export class AwarenessFanOut {
  constructor(
    private readonly awareness: awarenessProtocol.Awareness,
    private readonly receivers: Iterable<AwarenessReceiver>,
    /** Sends the document changes waiting for the broadcast: a caret may point into one of them. */
    private readonly beforeSend: () => void,
  ) {}

  /** Sends a change of the room's awareness to every connection. */
  changed(changes: AwarenessChanges): void {
    this.beforeSend();
    const clients = [...changes.added, ...changes.updated, ...changes.removed];
    const message = new SharedMessage(encodeAwareness(awarenessProtocol.encodeAwarenessUpdate(this.awareness, clients)));
    const now = Date.now();
    for (const receiver of this.receivers) receiver.sendShared(message, now);
  }

  /** Every awareness state the room knows, as one message. */
  sendAll(receiver: AwarenessReceiver): void {
    const clients = [...this.awareness.getStates().keys()];
    receiver.send(encodeAwareness(awarenessProtocol.encodeAwarenessUpdate(this.awareness, clients)));
  }

  /** Every awareness state the room knows, to a connection that just started; nothing when there is none. */
  sendAllIfAny(receiver: AwarenessReceiver): void {
    if (this.awareness.getStates().size > 0) this.sendAll(receiver);
  }
}
