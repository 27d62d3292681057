/** The bytes pg returns for a bytea, as a plain Uint8Array over the same memory (what the store hands out). */
export function fromBytea(value: Buffer): Uint8Array {
  return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
}

/** A Uint8Array as pg sends a bytea parameter, without copying. */
export function toBytea(value: Uint8Array): Buffer {
  return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
}

/** pg returns bigint columns as strings; sequence numbers and sizes stay far below 2^53. */
export function toNumber(value: string | number): number {
  return typeof value === 'number' ? value : Number(value);
}
