import { describe, expect, it } from 'vitest';
import { decodeMessage } from './decode-message.ts';
import type { Message } from './message.ts';
import type { ProtocolErrorCode } from './protocol-error.ts';
import { ProtocolDecodeError } from './protocol-error.ts';

const ONE_MIB = 1024 * 1024;

function filled(length: number, byte: number): number[] {
  return new Array<number>(length).fill(byte);
}

function decodeError(bytes: Uint8Array): ProtocolDecodeError {
  const result = decodeMessage(bytes);
  if (result.ok) throw new Error(`expected a decode error, got ${JSON.stringify(result.message)}`);
  return result.error;
}

function decodeOk(bytes: Uint8Array): Message {
  const result = decodeMessage(bytes);
  if (!result.ok) throw result.error;
  return result.message;
}

describe('illegal inputs → error code', () => {
  const cases: ReadonlyArray<readonly [name: string, bytes: readonly number[], code: ProtocolErrorCode]> = [
    ['empty frame', [], 'ERR_PROTOCOL_EMPTY_MESSAGE'],
    ['truncated top-level varint', [0x80], 'ERR_PROTOCOL_TRUNCATED'],
    ['truncated multi-byte varint', [0xff, 0xff], 'ERR_PROTOCOL_TRUNCATED'],
    ['1 MiB of 0x80 (varint never ends)', filled(ONE_MIB, 0x80), 'ERR_PROTOCOL_VARINT_OVERFLOW'],
    ['nine-byte varint', [...filled(8, 0x80), 0x00], 'ERR_PROTOCOL_VARINT_OVERFLOW'],
    ['varint of exactly 2^53', [...filled(7, 0xff), 0x10], 'ERR_PROTOCOL_VARINT_OVERFLOW'],
    ['inner length varint never ends', [1, ...filled(ONE_MIB, 0xff)], 'ERR_PROTOCOL_VARINT_OVERFLOW'],
    ['sync without sub-type', [0], 'ERR_PROTOCOL_TRUNCATED'],
    ['sync step 1 without payload', [0, 0], 'ERR_PROTOCOL_TRUNCATED'],
    ['sync update whose length exceeds the frame', [0, 2, 5, 1, 2], 'ERR_PROTOCOL_TRUNCATED'],
    ['sync step 2 declaring 2^31 bytes', [0, 1, 0x80, 0x80, 0x80, 0x80, 0x08, 0], 'ERR_PROTOCOL_TRUNCATED'],
    ['awareness whose length exceeds the frame', [1, 3, 0], 'ERR_PROTOCOL_TRUNCATED'],
    ['unknown sync sub-type [0, 7]', [0, 7], 'ERR_PROTOCOL_UNKNOWN_SYNC_TYPE'],
    ['unknown sync sub-type 3 with payload', [0, 3, 0], 'ERR_PROTOCOL_UNKNOWN_SYNC_TYPE'],
    ['unknown auth sub-type', [2, 1, 0], 'ERR_PROTOCOL_UNKNOWN_AUTH_TYPE'],
    ['auth without sub-type', [2], 'ERR_PROTOCOL_TRUNCATED'],
    ['permission denied without reason', [2, 0], 'ERR_PROTOCOL_TRUNCATED'],
    ['trailing byte after sync step 1', [0, 0, 0, 0xff], 'ERR_PROTOCOL_TRAILING_BYTES'],
    ['trailing byte after awareness', [1, 1, 0, 0], 'ERR_PROTOCOL_TRAILING_BYTES'],
    ['trailing byte after query awareness', [3, 0], 'ERR_PROTOCOL_TRAILING_BYTES'],
    ['trailing byte after saved', [100, 1, 0], 'ERR_PROTOCOL_TRAILING_BYTES'],
    ['two messages in one frame', [102, 1, 102, 2], 'ERR_PROTOCOL_TRAILING_BYTES'],
    ['invalid UTF-8 in permission denied', [2, 0, 2, 0xc3, 0x28], 'ERR_PROTOCOL_INVALID_STRING'],
    ['invalid UTF-8 in stateless', [101, 1, 0xff], 'ERR_PROTOCOL_INVALID_STRING'],
    ['UTF-8-encoded surrogate in auth token', [105, 3, 0xed, 0xa0, 0x80], 'ERR_PROTOCOL_INVALID_STRING'],
    ['overlong UTF-8 NUL in error reason', [104, 1, 2, 0xc0, 0x80], 'ERR_PROTOCOL_INVALID_STRING'],
    ['UTF-8 sequence cut by the string length', [101, 1, 0xe2, 0x82, 0xac], 'ERR_PROTOCOL_INVALID_STRING'],
    ['saved without count', [100], 'ERR_PROTOCOL_TRUNCATED'],
    ['ping without id', [102], 'ERR_PROTOCOL_TRUNCATED'],
    ['pong with truncated id', [103, 0x80], 'ERR_PROTOCOL_TRUNCATED'],
    ['error with code but no reason', [104, 0xef, 0x07], 'ERR_PROTOCOL_TRUNCATED'],
    ['stateless whose length exceeds the frame', [101, 10, 0x61], 'ERR_PROTOCOL_TRUNCATED'],
  ];

  it.each(cases)('%s', (_name, bytes, code) => {
    const error = decodeError(Uint8Array.from(bytes));
    expect(error).toBeInstanceOf(ProtocolDecodeError);
    expect(error.code).toBe(code);
  });
});

describe('edge cases that decode', () => {
  const cases: ReadonlyArray<readonly [name: string, bytes: readonly number[], message: Message]> = [
    ['unknown top-level type 99', [99], { type: 'unknown', messageType: 99 }],
    ['unknown type 99 with a body (skipped)', [99, 1, 2, 3, 0xff], { type: 'unknown', messageType: 99 }],
    ['unknown type 4', [4], { type: 'unknown', messageType: 4 }],
    ['unknown type 106', [106, 0], { type: 'unknown', messageType: 106 }],
    [
      'unknown type 2^53 - 1',
      [...filled(7, 0xff), 0x0f],
      { type: 'unknown', messageType: Number.MAX_SAFE_INTEGER },
    ],
    // lib0 accepts non-minimal varints, so we do too (within eight bytes).
    ['overlong varint for type 99', [0xe3, 0x80, 0x00], { type: 'unknown', messageType: 99 }],
    ['overlong varint for sync', [0x80, 0x00, 0, 0], { type: 'sync-step-1', stateVector: new Uint8Array() }],
    ['empty state vector', [0, 0, 0], { type: 'sync-step-1', stateVector: new Uint8Array() }],
    ['query awareness', [3], { type: 'query-awareness' }],
    ['stateless with a leading U+FEFF', [101, 4, 0xef, 0xbb, 0xbf, 0x61], { type: 'stateless', payload: '\uFEFFa' }],
    ['error 1007', [104, 0xef, 0x07, 1, 0x78], { type: 'error', code: 1007, reason: 'x' }],
  ];

  it.each(cases)('%s', (_name, bytes, message) => {
    expect(decodeOk(Uint8Array.from(bytes))).toEqual(message);
  });

  it('returns views into the input, not copies', () => {
    const frame = Uint8Array.from([0, 2, 3, 7, 8, 9]);
    const message = decodeOk(frame);
    if (message.type !== 'sync-update') throw new Error(message.type);
    expect(message.update.buffer).toBe(frame.buffer);
    expect(message.update.byteOffset).toBe(3);
  });

  it('decodes a frame that is a view into a larger buffer', () => {
    const backing = Uint8Array.from([0xff, 0xff, 102, 5, 0xff]);
    expect(decodeOk(backing.subarray(2, 4))).toEqual({ type: 'ping', id: 5 });
  });
});
