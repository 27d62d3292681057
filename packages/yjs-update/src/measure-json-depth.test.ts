import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { measureJsonDepth } from './measure-json-depth.ts';

const depthOf = (text: string, limit = 100): number => {
  const bytes = new TextEncoder().encode(text);
  return measureJsonDepth(bytes, 0, bytes.length, limit);
};

/** Depth by walking the parsed value, for comparison. */
function parsedDepth(value: unknown): number {
  if (value === null || typeof value !== 'object') return 0;
  const children = Array.isArray(value) ? value : Object.values(value as Record<string, unknown>);
  return 1 + children.reduce<number>((deepest, child) => Math.max(deepest, parsedDepth(child)), 0);
}

describe('measureJsonDepth', () => {
  it.each([
    ['1', 0],
    ['"text"', 0],
    ['{}', 1],
    ['[1,[2,[3]]]', 3],
    ['{"a":{"b":[]},"c":[]}', 3],
    ['"[[[[{{{{"', 0],
    ['{"k\\"[":"]\\\\"}', 1],
    ['["ü😀[",{}]', 2],
  ])('%s has depth %i', (text, depth) => {
    expect(depthOf(text)).toBe(depth);
  });

  it('stops at the limit without walking 100k levels of nesting', () => {
    expect(depthOf('['.repeat(100_000), 32)).toBe(33);
    expect(depthOf('['.repeat(32) + ']'.repeat(32), 32)).toBe(32);
  });

  it('agrees with the parsed depth of random JSON', () => {
    fc.assert(
      fc.property(fc.json({ depthSize: 'medium' }), (text) => {
        expect(depthOf(text)).toBe(parsedDepth(JSON.parse(text)));
      }),
      { numRuns: 2_000, seed: 5 },
    );
  });
});
