/**
 * Key layout of a Quire LevelDB directory. All keys are bytes; the first byte says
 * what a record is, so each kind is one contiguous key range.
 *
 *   0x00 "quire"                                   format marker  -> [FORMAT_VERSION]
 *   0x01 <docName UTF-8> 0x00 <seq: 8 bytes BE>    log entry      -> a Yjs update (V1)
 *   0x02 <docName UTF-8>                           metadata       -> see document-metadata.ts
 *   0x03 "probe"                                   readiness probe -> 8 bytes, rewritten by each check
 *
 * A valid document name never contains NUL, so the 0x00 separator ends the name:
 * the log of "a" (01 61 00 ..) cannot interleave with the log of "ab" (01 61 62 00 ..),
 * and one document's log is the range [01 name 00, 01 name 01). Big-endian sequence
 * numbers make key order equal append order.
 */
export const FORMAT_VERSION = 1;
export const FORMAT_KEY = Uint8Array.of(0x00, ...new TextEncoder().encode('quire'));
export const PROBE_KEY = Uint8Array.of(0x03, ...new TextEncoder().encode('probe'));

const LOG_PREFIX = 0x01;
const METADATA_PREFIX = 0x02;
const SEPARATOR = 0x00;
const SEQUENCE_BYTES = 8;
const UINT32 = 2 ** 32;

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

export interface KeyRange {
  readonly gte: Uint8Array;
  readonly lt: Uint8Array;
}

function withPrefix(prefix: number, docName: string, extra: number): Uint8Array {
  const name = encoder.encode(docName);
  const key = new Uint8Array(1 + name.byteLength + extra);
  key[0] = prefix;
  key.set(name, 1);
  return key;
}

export function encodeLogKey(docName: string, sequence: number): Uint8Array {
  return encodeLogKeyAfter(logRange(docName).gte, sequence);
}

/** A log key from its document's prefix (`logRange(docName).gte`), so a batch encodes the name once. */
export function encodeLogKeyAfter(prefix: Uint8Array, sequence: number): Uint8Array {
  const at = prefix.byteLength;
  const key = new Uint8Array(at + SEQUENCE_BYTES);
  key.set(prefix);
  // Written byte by byte: a DataView per key was a visible share of a batch's cost.
  writeUint32BigEndian(key, at, Math.floor(sequence / UINT32));
  writeUint32BigEndian(key, at + 4, sequence % UINT32);
  return key;
}

function writeUint32BigEndian(target: Uint8Array, at: number, value: number): void {
  target[at] = value >>> 24;
  target[at + 1] = (value >>> 16) & 0xff;
  target[at + 2] = (value >>> 8) & 0xff;
  target[at + 3] = value & 0xff;
}

export function decodeLogSequence(key: Uint8Array): number {
  const view = new DataView(key.buffer, key.byteOffset, key.byteLength);
  const offset = key.byteLength - SEQUENCE_BYTES;
  return view.getUint32(offset) * UINT32 + view.getUint32(offset + 4);
}

export function logRange(docName: string): KeyRange {
  const gte = withPrefix(LOG_PREFIX, docName, 1);
  gte[gte.byteLength - 1] = SEPARATOR;
  const lt = gte.slice();
  lt[lt.byteLength - 1] = SEPARATOR + 1;
  return { gte, lt };
}

/** Every log entry of every document. */
export const ALL_LOGS_RANGE: KeyRange = { gte: Uint8Array.of(LOG_PREFIX), lt: Uint8Array.of(LOG_PREFIX + 1) };

export function encodeMetadataKey(docName: string): Uint8Array {
  return withPrefix(METADATA_PREFIX, docName, 0);
}

export function decodeMetadataKey(key: Uint8Array): string {
  return decoder.decode(key.subarray(1));
}

/** Every metadata record: what `list()` scans. */
export const METADATA_RANGE: KeyRange = {
  gte: Uint8Array.of(METADATA_PREFIX),
  lt: Uint8Array.of(METADATA_PREFIX + 1),
};
