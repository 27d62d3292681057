import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeMessage } from './decode-message.ts';
import { encodeMessage } from './encode-message.ts';
import type { Message } from './message.ts';
import { peekMessageType, type MessageTypeName } from './peek-message-type.ts';

// A Record, so a new message kind without an example here fails to compile.
const EXAMPLES: Record<MessageTypeName, Message> = {
  'sync-step-1': { type: 'sync-step-1', stateVector: new Uint8Array([0]) },
  'sync-step-2': { type: 'sync-step-2', update: new Uint8Array([0, 0]) },
  'sync-update': { type: 'sync-update', update: new Uint8Array([0, 0]) },
  awareness: { type: 'awareness', update: new Uint8Array([0]) },
  'permission-denied': { type: 'permission-denied', reason: 'no' },
  'query-awareness': { type: 'query-awareness' },
  saved: { type: 'saved', count: 3 },
  stateless: { type: 'stateless', payload: '{}' },
  ping: { type: 'ping', id: 7 },
  pong: { type: 'pong', id: 7 },
  error: { type: 'error', code: 4403, reason: 'forbidden' },
  'auth-token': { type: 'auth-token', token: 'abc' },
};

describe('peekMessageType', () => {
  it.each(Object.entries(EXAMPLES))('names %s from its leading bytes', (name, message) => {
    expect(peekMessageType(encodeMessage(message))).toBe(name);
  });

  it.each([
    ['an empty message', []],
    ['an unknown type', [42, 1, 2]],
    ['a truncated type', [0x80]],
    ['a sync message without sub-type', [0]],
    ['an unknown sync sub-type', [0, 7, 0]],
    ['a varUint longer than 8 bytes', [0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00]],
  ])('says unknown for %s', (_name, bytes) => {
    expect(peekMessageType(new Uint8Array(bytes))).toBe('unknown');
  });

  it('reads a type written in more than one byte, as lib0 does', () => {
    expect(peekMessageType(new Uint8Array([0xe9, 0x00, 0x00]))).toBe('auth-token');
    expect(peekMessageType(new Uint8Array([0x80, 0x00, 0x82, 0x00, 0x00]))).toBe('sync-update');
  });

  it('agrees with decodeMessage on every message that decodes', () => {
    const leading = fc.constantFrom(0, 1, 2, 3, 100, 101, 102, 103, 104, 105, 0x80, 0xe4, 7);
    fc.assert(
      fc.property(leading, fc.uint8Array({ maxLength: 16 }), (first, rest) => {
        const bytes = new Uint8Array([first, ...rest]);
        const decoded = decodeMessage(bytes);
        if (decoded.ok) expect(peekMessageType(bytes)).toBe(decoded.message.type);
      }),
      { numRuns: 2000 },
    );
  });
});
