import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import type { WireAdapter } from './wire-adapter.ts';

// Hocuspocus message types that differ from y-websocket's.
const HOCUSPOCUS_AUTH = 2;
const HOCUSPOCUS_SYNC_REPLY = 4;
const AUTH_TOKEN = 0;
const Y_SYNC = 0;

/**
 * The Hocuspocus wire: every frame starts with the document name (a
 * varString), then a y-websocket-like message. A connection authenticates
 * each document with a token message before anything else is processed.
 */
export function createHocuspocusWire(): WireAdapter {
  const prefixes = new Map<string, Uint8Array>();
  const prefixOf = (docName: string): Uint8Array => {
    let prefix = prefixes.get(docName);
    if (prefix === undefined) {
      const encoder = encoding.createEncoder();
      encoding.writeVarString(encoder, docName);
      prefix = encoding.toUint8Array(encoder);
      prefixes.set(docName, prefix);
    }
    return prefix;
  };
  const wrap = (docName: string, message: Uint8Array): Uint8Array => {
    const prefix = prefixOf(docName);
    const frame = new Uint8Array(prefix.byteLength + message.byteLength);
    frame.set(prefix, 0);
    frame.set(message, prefix.byteLength);
    return frame;
  };
  return {
    url: (baseUrl, docName) => `${baseUrl}/${encodeURIComponent(docName)}`,
    subprotocols: [],
    opening(docName) {
      const encoder = encoding.createEncoder();
      encoding.writeVarUint(encoder, HOCUSPOCUS_AUTH);
      encoding.writeVarUint(encoder, AUTH_TOKEN);
      encoding.writeVarString(encoder, '');
      return [wrap(docName, encoding.toUint8Array(encoder))];
    },
    wrap,
    unwrap(frame) {
      const decoder = decoding.createDecoder(frame);
      decoding.readVarString(decoder);
      const start = decoder.pos;
      const type = decoding.readVarUint(decoder);
      if (type === HOCUSPOCUS_SYNC_REPLY) {
        // A sync message that must not trigger another step 1: the same payload.
        const message = frame.slice(decoder.pos - 1);
        message[0] = Y_SYNC;
        return message;
      }
      if (type === Y_SYNC || type === 1) return frame.subarray(start);
      return null;
    },
    stateless: false,
  };
}
