import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { measureUtf8 } from './measure-utf8.ts';

// The decoder lib0 (and so Yjs) uses for every string.
const lib0Decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function reference(bytes: Uint8Array): number {
  try {
    return lib0Decoder.decode(bytes).length;
  } catch {
    return -1;
  }
}

describe('measureUtf8', () => {
  it.each([
    ['ascii', [0x61, 0x62], 2],
    ['two-byte', [0xc3, 0xbc], 1],
    ['three-byte', [0xe4, 0xb8, 0xad], 1],
    ['four-byte (surrogate pair)', [0xf0, 0x9f, 0x98, 0x80], 2],
    ['byte-order mark kept', [0xef, 0xbb, 0xbf, 0x61], 2],
    ['overlong two-byte', [0xc0, 0xaf], -1],
    ['overlong three-byte', [0xe0, 0x80, 0xaf], -1],
    ['encoded surrogate', [0xed, 0xa0, 0x80], -1],
    ['above U+10FFFF', [0xf4, 0x90, 0x80, 0x80], -1],
    ['lone continuation', [0x80], -1],
    ['truncated sequence', [0xe4, 0xb8], -1],
    ['bad continuation', [0xc3, 0x28], -1],
    ['0xFF', [0xff], -1],
  ])('%s', (_name, bytes, expected) => {
    const array = new Uint8Array(bytes);
    expect(measureUtf8(array, 0, array.length)).toBe(expected);
    expect(reference(array)).toBe(expected);
  });

  it('measures only the given range', () => {
    const bytes = new Uint8Array([0xff, 0x61, 0xc3, 0xbc, 0xff]);
    expect(measureUtf8(bytes, 1, 4)).toBe(2);
    expect(measureUtf8(bytes, 1, 3)).toBe(-1);
  });

  it('agrees with the fatal TextDecoder on random bytes and random strings', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 24 }), (bytes) => {
        expect(measureUtf8(bytes, 0, bytes.length)).toBe(reference(bytes));
      }),
      { numRuns: 4_000, seed: 3 },
    );
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 20 }), (text) => {
        const bytes = new TextEncoder().encode(text);
        expect(measureUtf8(bytes, 0, bytes.length)).toBe(reference(bytes));
      }),
      { numRuns: 2_000, seed: 4 },
    );
  });
});
