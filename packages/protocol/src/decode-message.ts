import { ByteCursor, ByteCursorError, type ByteCursorProblem } from './byte-cursor.ts';
import type { Message } from './message.ts';
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
import { ProtocolDecodeError, type ProtocolErrorCode } from './protocol-error.ts';

const CODE_OF_PROBLEM: Readonly<Record<ByteCursorProblem, ProtocolErrorCode>> = {
  truncated: 'ERR_PROTOCOL_TRUNCATED',
  'varint-overflow': 'ERR_PROTOCOL_VARINT_OVERFLOW',
  'invalid-string': 'ERR_PROTOCOL_INVALID_STRING',
};

export type DecodeResult =
  | { readonly ok: true; readonly message: Message }
  | { readonly ok: false; readonly error: ProtocolDecodeError };

function readSync(reader: ByteCursor): Message {
  const subType = reader.readVarUint();
  switch (subType) {
    case SYNC_STEP_1:
      return { type: 'sync-step-1', stateVector: reader.readVarBytes() };
    case SYNC_STEP_2:
      return { type: 'sync-step-2', update: reader.readVarBytes() };
    case SYNC_UPDATE:
      return { type: 'sync-update', update: reader.readVarBytes() };
    default:
      throw new ProtocolDecodeError('ERR_PROTOCOL_UNKNOWN_SYNC_TYPE', `unknown sync type ${subType}`);
  }
}

function readAuth(reader: ByteCursor): Message {
  const subType = reader.readVarUint();
  if (subType !== AUTH_PERMISSION_DENIED) {
    throw new ProtocolDecodeError('ERR_PROTOCOL_UNKNOWN_AUTH_TYPE', `unknown auth type ${subType}`);
  }
  return { type: 'permission-denied', reason: reader.readVarString() };
}

function readBody(messageType: number, reader: ByteCursor): Message {
  switch (messageType) {
    case MESSAGE_SYNC:
      return readSync(reader);
    case MESSAGE_AWARENESS:
      return { type: 'awareness', update: reader.readVarBytes() };
    case MESSAGE_AUTH:
      return readAuth(reader);
    case MESSAGE_QUERY_AWARENESS:
      return { type: 'query-awareness' };
    case MESSAGE_QUIRE_SAVED:
      return { type: 'saved', count: reader.readVarUint() };
    case MESSAGE_QUIRE_STATELESS:
      return { type: 'stateless', payload: reader.readVarString() };
    case MESSAGE_QUIRE_PING:
      return { type: 'ping', id: reader.readVarUint() };
    case MESSAGE_QUIRE_PONG:
      return { type: 'pong', id: reader.readVarUint() };
    case MESSAGE_QUIRE_ERROR:
      return { type: 'error', code: reader.readVarUint(), reason: reader.readVarString() };
    case MESSAGE_QUIRE_AUTH_TOKEN:
      return { type: 'auth-token', token: reader.readVarString() };
    default:
      return { type: 'unknown', messageType };
  }
}

/**
 * Decodes one whole message. Total: every byte string gives either a message
 * or a ProtocolDecodeError, never another exception. Byte arrays in the
 * result are views into `bytes` (copy them if `bytes` will be reused).
 */
export function decodeMessage(bytes: Uint8Array): DecodeResult {
  if (bytes.byteLength === 0) {
    return { ok: false, error: new ProtocolDecodeError('ERR_PROTOCOL_EMPTY_MESSAGE', 'empty message') };
  }
  const reader = new ByteCursor(bytes);
  try {
    const messageType = reader.readVarUint();
    const message = readBody(messageType, reader);
    // Unknown types may carry a body this version cannot parse; it is skipped.
    if (message.type !== 'unknown' && reader.remaining !== 0) {
      throw new ProtocolDecodeError('ERR_PROTOCOL_TRAILING_BYTES', `${reader.remaining} unexpected bytes after the message`);
    }
    return { ok: true, message };
  } catch (error) {
    if (error instanceof ProtocolDecodeError) return { ok: false, error };
    if (error instanceof ByteCursorError) {
      return { ok: false, error: new ProtocolDecodeError(CODE_OF_PROBLEM[error.problem], error.message) };
    }
    throw error;
  }
}
