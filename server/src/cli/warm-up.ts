import * as Y from 'yjs';
import { decodeMessage, encodeSyncStep1, encodeSyncStep2, encodeSyncUpdate } from '@quire/protocol';
import { createMemoryStore, type DocumentStore } from '@quire/storage';
import { Connection } from '../room/connection.ts';
import { createSilentLogger } from '../logger.ts';
import { Room } from '../room/room.ts';
import type { SocketLike } from '../room/socket-like.ts';
import { roomLimitsOf, SYNC_SERVER_DEFAULTS } from '../server-options.ts';

const WARM_UP_EDITS = 64;
// Rounds of this many offline edits at scattered places (shared by two
// clients, each resuming with its part), until V8 has
// optimised Yjs's integration and the inspector: the first clients after a
// restart are the ones coming back with offline edits, and unoptimised
// integration of a 2,000-edit resume took 7–13 ms where optimised takes 0.7.
const WARM_UP_RESUMES = 6;
const WARM_UP_RESUME_EDITS = 600;
// The server's default limits, which are the rooms' limits when nothing is configured.
const WARM_UP_LIMITS = roomLimitsOf(SYNC_SERVER_DEFAULTS);
const UNLIMITED_RATES = {
  messagesPerSecond: 1e9,
  messageBurst: 1e9,
  bytesPerSecond: 1e12,
  byteBurst: 1e12,
  maxIgnoredMessagesPerMinute: 1e9,
  awarenessIntervalMs: 0,
} as const;

/**
 * Runs one throwaway document through a room before the server listens: a
 * join, an edit and a resume, against an in-memory store. The first client
 * of a fresh process otherwise pays for compiling the message codecs, the
 * update inspector, the ownership check and Yjs's encoder and decoder. It
 * touches no real document, socket or storage, and resolves with what the
 * room sent (the text a joiner received), so a test can check the path ran.
 */
export async function warmUp(): Promise<{
  readonly messagesSent: number;
  readonly textLength: number;
  /** The text a joiner of the reloaded document received. */
  readonly reloadedTextLength: number;
}> {
  const store = createMemoryStore();
  const sent: Uint8Array[] = [];
  const socket: SocketLike = {
    protocol: '',
    bufferedAmount: 0,
    send: (data) => void sent.push(data),
    close: () => undefined,
  };
  const room = new Room({ docName: 'warm-up', store, logger: createSilentLogger(), onFailed: () => undefined, limits: WARM_UP_LIMITS });
  try {
    await room.loaded;
    const connection = warmUpConnection(0, socket, true);
    const otherConnection = warmUpConnection(2, socket, true);
    room.addConnection(connection);
    room.addConnection(otherConnection);
    room.receive(connection, asReceived(encodeSyncStep1(new Uint8Array([0]))));

    // Two clients edit the same text offline, in turn sending their edits as
    // one step 2 (a resume), so the room integrates concurrent inserts at
    // the same places; then live edits. Real client IDs are random 32-bit
    // numbers, most too large for V8's small integers: one of each kind, or
    // the first real client deoptimises code specialised to the other.
    const client = new Y.Doc();
    client.clientID = 3_000_000_001;
    const other = new Y.Doc();
    other.clientID = 1_000_001;
    const writers = [
      { doc: client, connection },
      { doc: other, connection: otherConnection },
    ];
    let place = 1;
    for (let resume = 0; resume < WARM_UP_RESUMES; resume += 1) {
      const known = writers.map((writer) => Y.encodeStateVector(writer.doc));
      for (const writer of writers) {
        const text = writer.doc.getText('text');
        for (let index = 0; index < WARM_UP_RESUME_EDITS / writers.length; index += 1) {
          // A fixed scatter of positions (a linear congruential sequence): no randomness at start-up.
          place = (place * 48_271) % 2_147_483_647;
          text.insert(place % (text.length + 1), 'w');
        }
      }
      for (const [index, writer] of writers.entries()) {
        room.receive(writer.connection, asReceived(encodeSyncStep2(Y.encodeStateAsUpdate(writer.doc, known[index]))));
        // Each resume in a turn of its own, as resumes arrive: the room
        // integrates it alone. The live edits below arrive in one turn and
        // are integrated joined.
        await new Promise((resolve) => setImmediate(resolve));
      }
      // Both start the next round from the same text.
      Y.applyUpdate(client, Y.encodeStateAsUpdate(other, Y.encodeStateVector(client)));
      Y.applyUpdate(other, Y.encodeStateAsUpdate(client, Y.encodeStateVector(other)));
    }
    for (const writer of writers) {
      const text = writer.doc.getText('text');
      const live = (update: Uint8Array): void => room.receive(writer.connection, asReceived(encodeSyncUpdate(update)));
      writer.doc.on('update', live);
      for (let index = 0; index < WARM_UP_EDITS / writers.length; index += 1) text.insert(text.length, 'w');
      writer.doc.off('update', live);
      writer.doc.destroy();
    }
    room.removeConnection(otherConnection);

    // A second joiner reads the whole state, as a cold load does.
    room.receive(connection, asReceived(encodeSyncStep1(new Uint8Array([0]))));
    await room.flush();
    room.removeConnection(connection);
    // The client side's decoding is the server's too (relayed messages).
    const textLength = joinedText(sent);
    const messagesSent = sent.length;
    sent.length = 0;
    const reloadedTextLength = await reopen(store, socket, sent);
    return { messagesSent: messagesSent + sent.length, textLength, reloadedTextLength };
  } finally {
    room.destroy();
    await store.close();
  }
}

/**
 * The same document loaded again by a fresh room and read whole by a joiner:
 * the path of the first client after a restart (merging the stored log,
 * integrating it, encoding it for the joiner). Resolves with the text length
 * the joiner received, found in `sent`, where the socket records messages.
 */
async function reopen(store: DocumentStore, socket: SocketLike, sent: readonly Uint8Array[]): Promise<number> {
  await store.compact('warm-up');
  const room = new Room({ docName: 'warm-up', store, logger: createSilentLogger(), onFailed: () => undefined, limits: WARM_UP_LIMITS });
  try {
    await room.loaded;
    const connection = warmUpConnection(1, socket, false);
    room.addConnection(connection);
    room.receive(connection, asReceived(encodeSyncStep1(new Uint8Array([0]))));
    room.removeConnection(connection);
    return joinedText(sent);
  } finally {
    room.destroy();
  }
}

/** The text length a client gets from the sync step 2 messages among `messages`. */
function joinedText(messages: readonly Uint8Array[]): number {
  const joined = new Y.Doc();
  for (const message of messages) {
    const decoded = decodeMessage(message);
    if (decoded.ok && decoded.message.type === 'sync-step-2') Y.applyUpdate(joined, decoded.message.update);
  }
  const length = joined.getText('text').length;
  joined.destroy();
  return length;
}

/**
 * A message as the WebSocket library hands it over: a Buffer, not a plain
 * Uint8Array. V8 specialises code to the object types it saw, so a warm-up
 * on Uint8Arrays would leave code that the first real message deoptimises.
 */
function asReceived(message: Uint8Array): Buffer {
  return Buffer.from(message);
}

function warmUpConnection(id: number, socket: SocketLike, extensions: boolean): Connection {
  return new Connection({
    id,
    docName: 'warm-up',
    socket,
    extensions,
    maxBufferedBytes: Infinity,
    onSlowConsumer: () => undefined,
    rates: UNLIMITED_RATES,
  });
}
