import * as Y from 'yjs';
import { decodeMessage, encodeSyncStep1, encodeSyncStep2, encodeSyncUpdate } from '@quire/protocol';
import { createMemoryStore, type DocumentStore } from '@quire/storage';
import { Connection } from './connection.ts';
import { createSilentLogger } from './logger.ts';
import { Room } from './room.ts';
import type { SocketLike } from './socket-like.ts';

const WARM_UP_EDITS = 64;
// Resumes of this many offline edits at scattered places, until V8 has
// optimised Yjs's integration and the inspector: the first clients after a
// restart are the ones coming back with offline edits, and unoptimised
// integration of a 2,000-edit resume took 7–13 ms where optimised takes 0.7.
const WARM_UP_RESUMES = 6;
const WARM_UP_RESUME_EDITS = 600;
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
  const room = new Room({ docName: 'warm-up', store, logger: createSilentLogger(), onFailed: () => undefined });
  try {
    await room.loaded;
    const connection = warmUpConnection(0, socket, true);
    room.addConnection(connection);
    room.receive(connection, encodeSyncStep1(new Uint8Array([0])));

    // Edits made offline, sent as one step 2 (a resume), then live edits.
    const client = new Y.Doc();
    const text = client.getText('text');
    let place = 1;
    for (let resume = 0; resume < WARM_UP_RESUMES; resume += 1) {
      const known = Y.encodeStateVector(client);
      for (let index = 0; index < WARM_UP_RESUME_EDITS; index += 1) {
        // A fixed scatter of positions (a linear congruential sequence): no randomness at start-up.
        place = (place * 48_271) % 2_147_483_647;
        text.insert(place % (text.length + 1), 'w');
      }
      room.receive(connection, encodeSyncStep2(Y.encodeStateAsUpdate(client, known)));
      // Each resume in a turn of its own, as resumes arrive: the room
      // integrates it alone. The live edits below arrive in one turn and are
      // integrated joined.
      await new Promise((resolve) => setImmediate(resolve));
    }
    const live = (update: Uint8Array): void => room.receive(connection, encodeSyncUpdate(update));
    client.on('update', live);
    for (let index = 0; index < WARM_UP_EDITS; index += 1) text.insert(text.length, 'w');
    client.off('update', live);
    client.destroy();

    // A second joiner reads the whole state, as a cold load does.
    room.receive(connection, encodeSyncStep1(new Uint8Array([0])));
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
  const room = new Room({ docName: 'warm-up', store, logger: createSilentLogger(), onFailed: () => undefined });
  try {
    await room.loaded;
    const connection = warmUpConnection(1, socket, false);
    room.addConnection(connection);
    room.receive(connection, encodeSyncStep1(new Uint8Array([0])));
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
