import type { MessageType } from './message.ts';
import {
  MESSAGE_AUTH,
  MESSAGE_AWARENESS,
  MESSAGE_QUERY_AWARENESS,
  MESSAGE_QUIRE_AUTH_TOKEN,
  MESSAGE_QUIRE_ERROR,
  MESSAGE_QUIRE_PING,
  MESSAGE_QUIRE_PONG,
  MESSAGE_QUIRE_SAVED,
  MESSAGE_QUIRE_STATELESS,
  MESSAGE_SYNC,
  SYNC_STEP_1,
  SYNC_STEP_2,
  SYNC_UPDATE,
} from './message-type.ts';

/** The kinds of message this version knows, as `decodeMessage` tags them. */
export type MessageTypeName = Exclude<MessageType, 'unknown'>;

// Switches rather than maps: this runs for every message sent and received.
function nameOfType(type: number): MessageTypeName | 'unknown' {
  switch (type) {
    case MESSAGE_AWARENESS:
      return 'awareness';
    // Auth has one kind only, so its sub-type need not be read.
    case MESSAGE_AUTH:
      return 'permission-denied';
    case MESSAGE_QUERY_AWARENESS:
      return 'query-awareness';
    case MESSAGE_QUIRE_SAVED:
      return 'saved';
    case MESSAGE_QUIRE_STATELESS:
      return 'stateless';
    case MESSAGE_QUIRE_PING:
      return 'ping';
    case MESSAGE_QUIRE_PONG:
      return 'pong';
    case MESSAGE_QUIRE_ERROR:
      return 'error';
    case MESSAGE_QUIRE_AUTH_TOKEN:
      return 'auth-token';
    default:
      return 'unknown';
  }
}

function nameOfSyncType(subType: number): MessageTypeName | 'unknown' {
  switch (subType) {
    case SYNC_STEP_1:
      return 'sync-step-1';
    case SYNC_STEP_2:
      return 'sync-step-2';
    case SYNC_UPDATE:
      return 'sync-update';
    default:
      return 'unknown';
  }
}

// As ByteCursor: a varUint longer than this is malformed.
const MAX_VARINT_BYTES = 8;

/** The offset just past the varUint at `offset`; -1 when it is truncated or too long. */
function varUintEnd(bytes: Uint8Array, offset: number): number {
  for (let index = offset; index < offset + MAX_VARINT_BYTES; index++) {
    const byte = bytes[index];
    if (byte === undefined) return -1;
    if (byte < 0x80) return index + 1;
  }
  return -1;
}

/** The varUint from `offset` to `end` (see varUintEnd): little-endian 7-bit groups. */
function varUintValue(bytes: Uint8Array, offset: number, end: number): number {
  let value = 0;
  for (let index = end - 1; index >= offset; index--) value = value * 128 + ((bytes[index] as number) & 0x7f);
  return value;
}

/**
 * The kind of a raw message, read from its leading varUint (and, for sync
 * messages, the sub-type after it) without decoding the rest: cheap enough
 * for every message on the hot path (metrics, routing). It names what
 * `decodeMessage` would return for a well-formed message and checks nothing
 * else, so a named message may still fail to decode. `unknown`: an unknown
 * type or sync sub-type, or leading bytes that are no varUint.
 */
export function peekMessageType(bytes: Uint8Array): MessageTypeName | 'unknown' {
  const first = bytes[0];
  // Every type and sync sub-type in use fits one byte: the common case reads two at most.
  if (first !== undefined && first < 0x80) {
    if (first !== MESSAGE_SYNC) return nameOfType(first);
    const second = bytes[1];
    if (second !== undefined && second < 0x80) return nameOfSyncType(second);
  }
  const typeEnd = varUintEnd(bytes, 0);
  if (typeEnd === -1) return 'unknown';
  const type = varUintValue(bytes, 0, typeEnd);
  if (type !== MESSAGE_SYNC) return nameOfType(type);
  const subTypeEnd = varUintEnd(bytes, typeEnd);
  if (subTypeEnd === -1) return 'unknown';
  return nameOfSyncType(varUintValue(bytes, typeEnd, subTypeEnd));
}
