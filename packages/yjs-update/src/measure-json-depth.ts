const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;

/**
 * The deepest nesting of objects and arrays in the UTF-8 JSON text
 * `bytes[start, end)`, found by one linear scan without recursion, so it is
 * safe on 100k-deep input that would overflow the stack of a recursive
 * walker (JSON.stringify, structuredClone, Yjs' `toJSON`). A scalar has depth
 * 0, `{}` and `[]` depth 1, `{"a":[1]}` depth 2.
 *
 * The scan stops as soon as the depth exceeds `limit` and then returns
 * `limit + 1`. Brackets inside strings do not count. It does not validate
 * the JSON: run JSON.parse afterwards, once the depth is known to be safe.
 * Scanning bytes is sound because every JSON structural character is ASCII
 * and no byte of a multi-byte UTF-8 sequence is below 0x80.
 */
export function measureJsonDepth(bytes: Uint8Array, start: number, end: number, limit: number): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let index = start; index < end; index++) {
    const byte = bytes[index] as number;
    if (inString) {
      if (byte === BACKSLASH) index++;
      else if (byte === QUOTE) inString = false;
      continue;
    }
    if (byte === QUOTE) {
      inString = true;
    } else if (byte === OPEN_BRACE || byte === OPEN_BRACKET) {
      depth++;
      if (depth > deepest) {
        deepest = depth;
        if (deepest > limit) return limit + 1;
      }
    } else if (byte === CLOSE_BRACE || byte === CLOSE_BRACKET) {
      // Unbalanced closers are left for JSON.parse to reject.
      if (depth > 0) depth--;
    }
  }
  return deepest;
}
