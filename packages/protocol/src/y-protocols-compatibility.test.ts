import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import * as authProtocol from 'y-protocols/auth';
import * as awarenessProtocol from 'y-protocols/awareness';
import * as syncProtocol from 'y-protocols/sync';
import * as Y from 'yjs';
import { afterEach, describe, expect, it } from 'vitest';
import { decodeMessage } from './decode-message.ts';
import {
  encodeAwareness,
  encodePermissionDenied,
  encodeQueryAwareness,
  encodeSyncStep1,
  encodeSyncStep2,
  encodeSyncUpdate,
} from './encode-message.ts';
import type { Message } from './message.ts';
import { MESSAGE_AUTH, MESSAGE_AWARENESS, MESSAGE_QUERY_AWARENESS, MESSAGE_SYNC } from './message-type.ts';

// Every Awareness starts an interval timer; destroy them all after each test.
const awarenesses: awarenessProtocol.Awareness[] = [];
afterEach(() => {
  for (const awareness of awarenesses.splice(0)) awareness.destroy();
});

function createDoc(clientID: number, text: string): Y.Doc {
  const doc = new Y.Doc();
  doc.clientID = clientID;
  doc.getText('body').insert(0, text);
  return doc;
}

function createAwareness(doc: Y.Doc, state: Record<string, unknown> | null): awarenessProtocol.Awareness {
  const awareness = new awarenessProtocol.Awareness(doc);
  awarenesses.push(awareness);
  awareness.setLocalState(state);
  return awareness;
}

/** Builds one message the way y-websocket does: top-level type, then the y-protocols body. */
function buildStock(messageType: number, writeBody: (encoder: encoding.Encoder) => void): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, messageType);
  writeBody(encoder);
  return encoding.toUint8Array(encoder);
}

function decodeOk(bytes: Uint8Array): Message {
  const result = decodeMessage(bytes);
  if (!result.ok) throw result.error;
  return result.message;
}

/**
 * What a stock y-websocket client does with one incoming message (the
 * `messageHandlers` table of y-websocket's provider): returns the reply it
 * would send, or null. Throws, as y-protocols does, on unknown sync types.
 */
function stockClientReceive(
  doc: Y.Doc,
  awareness: awarenessProtocol.Awareness,
  bytes: Uint8Array,
  onPermissionDenied: (reason: string) => void = () => {},
): Uint8Array | null {
  const decoder = decoding.createDecoder(bytes);
  const encoder = encoding.createEncoder();
  const messageType = decoding.readVarUint(decoder);
  switch (messageType) {
    case MESSAGE_SYNC:
      encoding.writeVarUint(encoder, MESSAGE_SYNC);
      syncProtocol.readSyncMessage(decoder, encoder, doc, 'server');
      break;
    case MESSAGE_AWARENESS:
      awarenessProtocol.applyAwarenessUpdate(awareness, decoding.readVarUint8Array(decoder), 'server');
      break;
    case MESSAGE_AUTH:
      authProtocol.readAuthMessage(decoder, doc, (_doc, reason) => onPermissionDenied(reason));
      break;
    case MESSAGE_QUERY_AWARENESS:
      encoding.writeVarUint(encoder, MESSAGE_AWARENESS);
      encoding.writeVarUint8Array(
        encoder,
        awarenessProtocol.encodeAwarenessUpdate(awareness, Array.from(awareness.getStates().keys())),
      );
      break;
    default:
      throw new Error(`stock client cannot handle message type ${messageType}`);
  }
  return encoding.length(encoder) > 1 ? encoding.toUint8Array(encoder) : null;
}

describe('messages written by y-protocols decode to the right typed message', () => {
  it('sync step 1', () => {
    const doc = createDoc(2 ** 31 + 7, 'hello');
    const stock = buildStock(MESSAGE_SYNC, (encoder) => syncProtocol.writeSyncStep1(encoder, doc));
    expect(decodeOk(stock)).toEqual({ type: 'sync-step-1', stateVector: Y.encodeStateVector(doc) });
    expect(encodeSyncStep1(Y.encodeStateVector(doc))).toEqual(stock);
  });

  it('sync step 2, with and without a remote state vector', () => {
    const doc = createDoc(11, 'hello world');
    const remote = createDoc(12, 'other');
    for (const stateVector of [undefined, Y.encodeStateVector(remote)]) {
      const stock = buildStock(MESSAGE_SYNC, (encoder) =>
        syncProtocol.writeSyncStep2(encoder, doc, stateVector),
      );
      const update = Y.encodeStateAsUpdate(doc, stateVector);
      expect(decodeOk(stock)).toEqual({ type: 'sync-step-2', update });
      expect(encodeSyncStep2(update)).toEqual(stock);
    }
  });

  it('the step 2 that readSyncMessage writes in reply to a step 1', () => {
    const doc = createDoc(13, 'server text');
    const encoder = encoding.createEncoder();
    encoding.writeVarUint(encoder, MESSAGE_SYNC);
    syncProtocol.readSyncMessage(
      decoding.createDecoder(encodeSyncStep1(new Uint8Array([0])).subarray(1)),
      encoder,
      doc,
      null,
    );
    const message = decodeOk(encoding.toUint8Array(encoder));
    expect(message).toEqual({ type: 'sync-step-2', update: Y.encodeStateAsUpdate(doc, new Uint8Array([0])) });
  });

  it('sync update, as emitted by a Y.Doc', () => {
    const doc = new Y.Doc();
    const updates: Uint8Array[] = [];
    doc.on('update', (update: Uint8Array) => updates.push(update));
    doc.getMap('meta').set('title', 'Quire');
    doc.getText('body').insert(0, 'ünïcödé 🎉');
    expect(updates).toHaveLength(2);
    for (const update of updates) {
      const stock = buildStock(MESSAGE_SYNC, (encoder) => syncProtocol.writeUpdate(encoder, update));
      expect(decodeOk(stock)).toEqual({ type: 'sync-update', update });
      expect(encodeSyncUpdate(update)).toEqual(stock);
    }
  });

  it('awareness update', () => {
    const doc = new Y.Doc();
    const awareness = createAwareness(doc, { user: { name: 'Ada', color: '#ff8800' } });
    const update = awarenessProtocol.encodeAwarenessUpdate(awareness, [doc.clientID]);
    const stock = buildStock(MESSAGE_AWARENESS, (encoder) => encoding.writeVarUint8Array(encoder, update));
    expect(decodeOk(stock)).toEqual({ type: 'awareness', update });
    expect(encodeAwareness(update)).toEqual(stock);
  });

  it('awareness removal (null state)', () => {
    const doc = new Y.Doc();
    const awareness = createAwareness(doc, { user: 'Ada' });
    awareness.setLocalState(null);
    const update = awarenessProtocol.encodeAwarenessUpdate(awareness, [doc.clientID]);
    const stock = buildStock(MESSAGE_AWARENESS, (encoder) => encoding.writeVarUint8Array(encoder, update));
    expect(decodeOk(stock)).toEqual({ type: 'awareness', update });
    expect(encodeAwareness(update)).toEqual(stock);
  });

  it.each(['', 'token expired', 'keine Berechtigung für „team/notes“ 🔒', '\uFEFFbom'])(
    'permission denied %j',
    (reason) => {
      const stock = buildStock(MESSAGE_AUTH, (encoder) => authProtocol.writePermissionDenied(encoder, reason));
      expect(decodeOk(stock)).toEqual({ type: 'permission-denied', reason });
      expect(encodePermissionDenied(reason)).toEqual(stock);
    },
  );

  it('query awareness', () => {
    const stock = buildStock(MESSAGE_QUERY_AWARENESS, () => {});
    expect(decodeOk(stock)).toEqual({ type: 'query-awareness' });
    expect(encodeQueryAwareness()).toEqual(stock);
  });
});

describe('messages we encode are read correctly by y-protocols', () => {
  it('sync step 2 and update apply to a stock client document', () => {
    const source = createDoc(21, 'from the server');
    const client = new Y.Doc();
    const awareness = createAwareness(client, null);
    expect(stockClientReceive(client, awareness, encodeSyncStep2(Y.encodeStateAsUpdate(source)))).toBeNull();
    expect(client.getText('body').toString()).toBe('from the server');

    const updates: Uint8Array[] = [];
    source.on('update', (update: Uint8Array) => updates.push(update));
    source.getText('body').insert(0, '> ');
    for (const update of updates) stockClientReceive(client, awareness, encodeSyncUpdate(update));
    expect(client.getText('body').toString()).toBe('> from the server');
  });

  it('awareness applies to a stock client awareness', () => {
    const serverSide = createAwareness(new Y.Doc(), { user: { name: 'Grace' } });
    const client = new Y.Doc();
    const clientAwareness = createAwareness(client, null);
    const update = awarenessProtocol.encodeAwarenessUpdate(serverSide, [serverSide.clientID]);
    stockClientReceive(client, clientAwareness, encodeAwareness(update));
    expect(clientAwareness.getStates().get(serverSide.clientID)).toEqual({ user: { name: 'Grace' } });
  });

  it('permission denied reaches the stock handler with its reason', () => {
    const doc = new Y.Doc();
    const reasons: string[] = [];
    stockClientReceive(doc, createAwareness(doc, null), encodePermissionDenied('\uFEFFnope 🔒'), (reason) =>
      reasons.push(reason),
    );
    expect(reasons).toEqual(['\uFEFFnope 🔒']);
  });

  it('query awareness makes the stock client answer with its awareness', () => {
    const doc = new Y.Doc();
    const awareness = createAwareness(doc, { user: 'Ada' });
    const reply = stockClientReceive(doc, awareness, encodeQueryAwareness());
    expect(reply).not.toBeNull();
    const message = decodeOk(reply ?? new Uint8Array());
    expect(message.type).toBe('awareness');
  });

  it('the documented handshake syncs a stock client and a server built on this package', () => {
    const server = createDoc(31, 'server ');
    const serverAwareness = createAwareness(server, null);
    const client = createDoc(32, 'client');
    const clientAwareness = createAwareness(client, { user: 'Ada' });
    const peer = createAwareness(new Y.Doc(), { user: 'Grace' });

    /** The server side: answers a client message, using only this package's codec. */
    const serverReceive = (bytes: Uint8Array): Uint8Array[] => {
      const message = decodeOk(bytes);
      switch (message.type) {
        case 'sync-step-1':
          return [encodeSyncStep2(Y.encodeStateAsUpdate(server, message.stateVector))];
        case 'sync-step-2':
        case 'sync-update':
          Y.applyUpdate(server, message.update, 'client');
          return [];
        case 'awareness':
          awarenessProtocol.applyAwarenessUpdate(serverAwareness, message.update, 'client');
          return [];
        default:
          throw new Error(`unexpected ${message.type}`);
      }
    };

    // On connect the server sends sync step 1 and the current awareness states.
    const greeting = [
      encodeSyncStep1(Y.encodeStateVector(server)),
      encodeAwareness(awarenessProtocol.encodeAwarenessUpdate(peer, [peer.clientID])),
    ];
    // On open the stock client sends its own step 1 and its awareness (y-websocket `onopen`).
    const fromClient = [
      buildStock(MESSAGE_SYNC, (encoder) => syncProtocol.writeSyncStep1(encoder, client)),
      buildStock(MESSAGE_AWARENESS, (encoder) =>
        encoding.writeVarUint8Array(encoder, awarenessProtocol.encodeAwarenessUpdate(clientAwareness, [client.clientID])),
      ),
    ];
    for (const bytes of greeting) {
      const reply = stockClientReceive(client, clientAwareness, bytes);
      if (reply !== null) fromClient.push(reply);
    }
    expect(fromClient.map((bytes) => decodeOk(bytes).type)).toEqual(['sync-step-1', 'awareness', 'sync-step-2']);

    for (const bytes of fromClient) {
      for (const reply of serverReceive(bytes)) {
        expect(decodeOk(reply).type).toBe('sync-step-2');
        expect(stockClientReceive(client, clientAwareness, reply)).toBeNull();
      }
    }

    expect(server.getText('body').toString()).toBe(client.getText('body').toString());
    expect(Y.encodeStateVector(server)).toEqual(Y.encodeStateVector(client));
    expect(serverAwareness.getStates().get(client.clientID)).toEqual({ user: 'Ada' });
    expect(clientAwareness.getStates().get(peer.clientID)).toEqual({ user: 'Grace' });
  });
});
