import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import { describe, expect, it } from 'vitest';
import { createHocuspocusWire } from '../src/hocuspocus-wire.ts';

function frame(docName: string, type: number, payload: number[]): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarString(encoder, docName);
  encoding.writeVarUint(encoder, type);
  for (const byte of payload) encoding.writeUint8(encoder, byte);
  return encoding.toUint8Array(encoder);
}

describe('Hocuspocus wire adapter', () => {
  const wire = createHocuspocusWire();

  it('prefixes every message with the document name', () => {
    const wrapped = wire.wrap('notes/é', Uint8Array.of(0, 2, 1, 9));
    const decoder = decoding.createDecoder(wrapped);
    expect(decoding.readVarString(decoder)).toBe('notes/é');
    expect([...wrapped.subarray(decoder.pos)]).toEqual([0, 2, 1, 9]);
  });

  it('opens with an empty token message for the document', () => {
    const [auth] = wire.opening('doc');
    const decoder = decoding.createDecoder(auth!);
    expect(decoding.readVarString(decoder)).toBe('doc');
    expect(decoding.readVarUint(decoder)).toBe(2);
    expect(decoding.readVarUint(decoder)).toBe(0);
    expect(decoding.readVarString(decoder)).toBe('');
  });

  it('unwraps sync and awareness, maps sync replies to sync, and drops the rest', () => {
    expect([...wire.unwrap(frame('doc', 0, [1, 1, 7]))!]).toEqual([0, 1, 1, 7]);
    expect([...wire.unwrap(frame('doc', 4, [1, 1, 7]))!]).toEqual([0, 1, 1, 7]);
    expect([...wire.unwrap(frame('doc', 1, [1, 5]))!]).toEqual([1, 1, 5]);
    expect(wire.unwrap(frame('doc', 2, [2, 0]))).toBeNull();
    expect(wire.unwrap(frame('doc', 8, [1]))).toBeNull();
  });
});
