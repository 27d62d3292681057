import { describe, expect, it } from 'vitest';
import * as encoding from 'lib0/encoding';
import { varUintByteLength, writeVarUintAt } from './var-uint.ts';

describe('var-uint', () => {
  it('writes what lib0 writes, in the length it announces', () => {
    const values = [0, 1, 127, 128, 255, 16_383, 16_384, 2 ** 21 - 1, 2 ** 21, 2 ** 31, 2 ** 32 + 5, 2 ** 40 + 7, Number.MAX_SAFE_INTEGER];
    for (const value of values) {
      const encoder = encoding.createEncoder();
      encoding.writeVarUint(encoder, value);
      const expected = encoding.toUint8Array(encoder);
      const target = new Uint8Array(12).fill(0xee);
      const end = writeVarUintAt(target, 2, value);
      expect(varUintByteLength(value), `${value}`).toBe(expected.byteLength);
      expect(end - 2).toBe(expected.byteLength);
      expect(target.subarray(2, end)).toEqual(expected);
      expect(target[1]).toBe(0xee);
      expect(target[end]).toBe(0xee);
    }
  });
});
