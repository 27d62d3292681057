import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import { ByteCursor, ByteCursorError } from './byte-cursor.ts';

function problemOf(read: () => unknown): string | undefined {
  try {
    read();
    return undefined;
  } catch (error) {
    return error instanceof ByteCursorError ? error.problem : 'other';
  }
}

describe('ByteCursor', () => {
  it('reads what lib0 writes', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.maxSafeNat(), fc.maxSafeInteger())), (pairs) => {
        const encoder = encoding.createEncoder();
        for (const [unsigned, signed] of pairs) {
          encoding.writeVarUint(encoder, unsigned);
          encoding.writeVarInt(encoder, signed);
        }
        const cursor = new ByteCursor(encoding.toUint8Array(encoder));
        for (const [unsigned, signed] of pairs) {
          expect(cursor.readVarUint()).toBe(unsigned);
          expect(cursor.readVarInt()).toBe(signed);
        }
        expect(cursor.remaining).toBe(0);
      }),
      { numRuns: 500, seed: 1 },
    );
  });

  it('agrees with lib0 on every varuint lib0 reads exactly', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 10 }), (bytes) => {
        let expected: number | undefined;
        try {
          expected = decoding.readVarUint(decoding.createDecoder(bytes));
        } catch {
          expected = undefined;
        }
        let actual: number | undefined;
        try {
          actual = new ByteCursor(bytes).readVarUint();
        } catch {
          actual = undefined;
        }
        // The cursor refuses more (over-long or unsafe varints) but never reads differently.
        if (actual !== undefined) expect(actual).toBe(expected);
        if (expected !== undefined && Number.isSafeInteger(expected) && bytes.findIndex((byte) => byte < 0x80) < 8) {
          expect(actual).toBe(expected);
        }
      }),
      { numRuns: 5_000, seed: 2 },
    );
  });

  it('refuses a never-ending varint after 8 bytes', () => {
    const cursor = new ByteCursor(new Uint8Array(1024 * 1024).fill(0x80));
    expect(problemOf(() => cursor.readVarUint())).toBe('varint-overflow');
    expect(cursor.offset).toBe(8);
    expect(problemOf(() => new ByteCursor(new Uint8Array(1024).fill(0xff)).readVarInt())).toBe('varint-overflow');
  });

  it('refuses values above 2^53 - 1', () => {
    const encoder = encoding.createEncoder();
    encoding.writeVarUint(encoder, Number.MAX_SAFE_INTEGER);
    expect(new ByteCursor(encoding.toUint8Array(encoder)).readVarUint()).toBe(Number.MAX_SAFE_INTEGER);
    expect(problemOf(() => new ByteCursor(new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f])).readVarUint())).toBe(
      'varint-overflow',
    );
  });

  it('reports truncation, including lib0 reads that are unchecked', () => {
    expect(problemOf(() => new ByteCursor(new Uint8Array([])).readUint8())).toBe('truncated');
    expect(problemOf(() => new ByteCursor(new Uint8Array([])).readVarInt())).toBe('truncated');
    expect(problemOf(() => new ByteCursor(new Uint8Array([0x80])).readVarUint())).toBe('truncated');
    expect(problemOf(() => new ByteCursor(new Uint8Array([1, 2])).skip(3))).toBe('truncated');
    // lib0 returns 0 for a varint read past the end instead of failing.
    expect(decoding.readVarInt(decoding.createDecoder(new Uint8Array([])))).toBe(0);
  });

  it('reads length-prefixed bytes as views and strings as lib0 writes them, refusing invalid UTF-8', () => {
    const encoder = encoding.createEncoder();
    encoding.writeVarUint8Array(encoder, new Uint8Array([7, 8, 9]));
    encoding.writeVarString(encoder, '\uFEFFcafé ✓');
    const bytes = encoding.toUint8Array(encoder);
    const cursor = new ByteCursor(bytes);
    const view = cursor.readVarBytes();
    expect([...view]).toEqual([7, 8, 9]);
    expect(view.buffer).toBe(bytes.buffer);
    expect(cursor.readVarString()).toBe('\uFEFFcafé ✓');
    expect(cursor.remaining).toBe(0);

    expect(problemOf(() => new ByteCursor(new Uint8Array([4, 1, 2])).readVarBytes())).toBe('truncated');
    expect(problemOf(() => new ByteCursor(new Uint8Array([2, 0xc3, 0x28])).readVarString())).toBe('invalid-string');
  });
});
