import { describe, expect, it } from 'vitest';
import { decodeMessage } from './decode-message.ts';
import {
  encodeError,
  encodeMessage,
  encodePing,
  encodePong,
  encodeSaved,
  encodeStateless,
} from './encode-message.ts';
import type { Message } from './message.ts';

const BOUNDARY_INTEGERS = [0, 1, 127, 128, 2 ** 31, 2 ** 32, Number.MAX_SAFE_INTEGER] as const;

const bytes = (...values: number[]): Uint8Array => Uint8Array.from(values);

function expectRoundTrip(message: Message): void {
  const result = decodeMessage(encodeMessage(message));
  if (!result.ok) throw result.error;
  expect(result.message).toEqual(message);
}

describe('encodeMessage → decodeMessage round trip', () => {
  const examples: readonly Message[] = [
    { type: 'sync-step-1', stateVector: bytes() },
    { type: 'sync-step-1', stateVector: bytes(1, 0x9c, 0xa4, 0x97, 0x8b, 0x06, 3) },
    { type: 'sync-step-2', update: bytes(0, 0) },
    { type: 'sync-step-2', update: new Uint8Array(300).fill(7) },
    { type: 'sync-update', update: bytes() },
    { type: 'sync-update', update: bytes(1, 2, 3, 0x80, 0xff) },
    { type: 'awareness', update: bytes() },
    { type: 'awareness', update: bytes(1, 1, 0, 4, 0x6e, 0x75, 0x6c, 0x6c) },
    { type: 'permission-denied', reason: '' },
    { type: 'permission-denied', reason: 'no access to team/notes' },
    { type: 'query-awareness' },
    { type: 'stateless', payload: '' },
    { type: 'stateless', payload: '{"kind":"cursor","at":[1,2]}' },
    { type: 'stateless', payload: 'ünïcödé 日本語 🎉' },
    { type: 'stateless', payload: '\uFEFFleading byte-order mark is content' },
    { type: 'stateless', payload: 'x'.repeat(70_000) },
    { type: 'error', code: 1007, reason: 'malformed message' },
    { type: 'auth-token', token: '' },
    { type: 'auth-token', token: 'eyJhbGciOiJIUzI1NiJ9.e30.sig' },
    { type: 'unknown', messageType: 4 },
    { type: 'unknown', messageType: 99 },
    { type: 'unknown', messageType: 106 },
  ];

  it.each(examples.map((message) => [message.type, message] as const))('%s', (_type, message) => {
    expectRoundTrip(message);
  });

  describe.each(BOUNDARY_INTEGERS)('integer field = %d', (value) => {
    it.each([
      { type: 'saved', count: value },
      { type: 'ping', id: value },
      { type: 'pong', id: value },
      { type: 'error', code: value, reason: 'r' },
    ] satisfies Message[])('$type', (message) => {
      expectRoundTrip(message);
    });
  });

  // 0–3 and 100–105 are known types; every other value decodes as `unknown`.
  it.each(BOUNDARY_INTEGERS.filter((value) => value > 3))('unknown messageType = %d', (value) => {
    expectRoundTrip({ type: 'unknown', messageType: value });
  });

  it('encodes 2^53 - 1 in exactly eight varint bytes', () => {
    expect(Array.from(encodePing(Number.MAX_SAFE_INTEGER))).toEqual([
      102, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x0f,
    ]);
  });

  it('keeps a leading U+FEFF in strings (lib0 decodes with ignoreBOM)', () => {
    const encoded = encodeStateless('\uFEFF');
    expect(Array.from(encoded)).toEqual([101, 3, 0xef, 0xbb, 0xbf]);
    const result = decodeMessage(encoded);
    expect(result.ok && result.message).toEqual({ type: 'stateless', payload: '\uFEFF' });
  });
});

describe('integer fields reject values lib0 would silently mangle', () => {
  const invalid = [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53] as const;

  it.each(invalid)('%d', (value) => {
    expect(() => encodeSaved(value)).toThrow(RangeError);
    expect(() => encodePing(value)).toThrow(RangeError);
    expect(() => encodePong(value)).toThrow(RangeError);
    expect(() => encodeError(value, 'r')).toThrow(RangeError);
    expect(() => encodeMessage({ type: 'unknown', messageType: value })).toThrow(RangeError);
  });
});
