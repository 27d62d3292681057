/**
 * lib0's variable-length unsigned integers (7 bits per byte, low bits first,
 * high bit set on every byte but the last), for code that lays out a message
 * in one exact-size buffer instead of growing an encoder.
 */

/** Bytes `value` takes; `value` must be a safe non-negative integer. */
export function varUintByteLength(value: number): number {
  let bytes = 1;
  while (value > 0x7f) {
    value = Math.floor(value / 128);
    bytes += 1;
  }
  return bytes;
}

/** Writes `value` at `offset`; returns the offset after it. */
export function writeVarUintAt(target: Uint8Array, offset: number, value: number): number {
  while (value > 0x7f) {
    target[offset++] = 0x80 | (value % 128);
    value = Math.floor(value / 128);
  }
  target[offset++] = value;
  return offset;
}
