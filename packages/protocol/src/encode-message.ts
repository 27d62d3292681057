import * as encoding from 'lib0/encoding';
import {
  AUTH_PERMISSION_DENIED,
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
import type { Message } from './message.ts';
import { varUintByteLength, writeVarUintAt } from './var-uint.ts';

function encodeWith(build: (encoder: encoding.Encoder) => void): Uint8Array {
  const encoder = encoding.createEncoder();
  build(encoder);
  return encoding.toUint8Array(encoder);
}

/**
 * lib0's writeVarUint silently mangles negative, fractional and unsafe numbers
 * (-1 goes out as 127) and never returns for Infinity, so integer fields are
 * checked first: a bad value is a programmer error.
 */
function writeUnsignedInteger(encoder: encoding.Encoder, value: number, field: string): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`${field} must be an integer from 0 to 2^53 - 1, got ${value}`);
  }
  encoding.writeVarUint(encoder, value);
}

// Sync messages are most of the traffic: laid out in one exact-size buffer
// (both type numbers are below 128, one byte each) rather than through an
// encoder that allocates a scratch buffer and copies at the end.
function encodeSync(subType: number, payload: Uint8Array): Uint8Array {
  const message = new Uint8Array(2 + varUintByteLength(payload.byteLength) + payload.byteLength);
  message[0] = MESSAGE_SYNC;
  message[1] = subType;
  message.set(payload, writeVarUintAt(message, 2, payload.byteLength));
  return message;
}

export const encodeSyncStep1 = (stateVector: Uint8Array): Uint8Array =>
  encodeSync(SYNC_STEP_1, stateVector);
export const encodeSyncStep2 = (update: Uint8Array): Uint8Array => encodeSync(SYNC_STEP_2, update);
export const encodeSyncUpdate = (update: Uint8Array): Uint8Array => encodeSync(SYNC_UPDATE, update);

export const encodeAwareness = (update: Uint8Array): Uint8Array =>
  encodeWith((encoder) => {
    encoding.writeVarUint(encoder, MESSAGE_AWARENESS);
    encoding.writeVarUint8Array(encoder, update);
  });

export const encodeQueryAwareness = (): Uint8Array =>
  encodeWith((encoder) => encoding.writeVarUint(encoder, MESSAGE_QUERY_AWARENESS));

export const encodePermissionDenied = (reason: string): Uint8Array =>
  encodeWith((encoder) => {
    encoding.writeVarUint(encoder, MESSAGE_AUTH);
    encoding.writeVarUint(encoder, AUTH_PERMISSION_DENIED);
    encoding.writeVarString(encoder, reason);
  });

export const encodeSaved = (count: number): Uint8Array =>
  encodeWith((encoder) => {
    encoding.writeVarUint(encoder, MESSAGE_QUIRE_SAVED);
    writeUnsignedInteger(encoder, count, 'count');
  });

export const encodeStateless = (payload: string): Uint8Array =>
  encodeWith((encoder) => {
    encoding.writeVarUint(encoder, MESSAGE_QUIRE_STATELESS);
    encoding.writeVarString(encoder, payload);
  });

export const encodePing = (id: number): Uint8Array =>
  encodeWith((encoder) => {
    encoding.writeVarUint(encoder, MESSAGE_QUIRE_PING);
    writeUnsignedInteger(encoder, id, 'id');
  });

export const encodePong = (id: number): Uint8Array =>
  encodeWith((encoder) => {
    encoding.writeVarUint(encoder, MESSAGE_QUIRE_PONG);
    writeUnsignedInteger(encoder, id, 'id');
  });

export const encodeError = (code: number, reason: string): Uint8Array =>
  encodeWith((encoder) => {
    encoding.writeVarUint(encoder, MESSAGE_QUIRE_ERROR);
    writeUnsignedInteger(encoder, code, 'code');
    encoding.writeVarString(encoder, reason);
  });

export const encodeAuthToken = (token: string): Uint8Array =>
  encodeWith((encoder) => {
    encoding.writeVarUint(encoder, MESSAGE_QUIRE_AUTH_TOKEN);
    encoding.writeVarString(encoder, token);
  });

/** Encodes any known message; the inverse of `decodeMessage`. */
export function encodeMessage(message: Message): Uint8Array {
  switch (message.type) {
    case 'sync-step-1':
      return encodeSyncStep1(message.stateVector);
    case 'sync-step-2':
      return encodeSyncStep2(message.update);
    case 'sync-update':
      return encodeSyncUpdate(message.update);
    case 'awareness':
      return encodeAwareness(message.update);
    case 'permission-denied':
      return encodePermissionDenied(message.reason);
    case 'query-awareness':
      return encodeQueryAwareness();
    case 'saved':
      return encodeSaved(message.count);
    case 'stateless':
      return encodeStateless(message.payload);
    case 'ping':
      return encodePing(message.id);
    case 'pong':
      return encodePong(message.id);
    case 'error':
      return encodeError(message.code, message.reason);
    case 'auth-token':
      return encodeAuthToken(message.token);
    case 'unknown':
      return encodeWith((encoder) => writeUnsignedInteger(encoder, message.messageType, 'messageType'));
  }
}
