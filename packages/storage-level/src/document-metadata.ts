/** What `list()` needs about one document, kept next to its log. */
export interface DocumentMetadata {
  readonly entryCount: number;
  readonly storedBytes: number;
  /** Milliseconds since the epoch of the last append or compaction. */
  readonly updatedAt: number;
}

// Layout: [version 1] [entryCount f64 BE] [storedBytes f64 BE] [updatedAt f64 BE].
const METADATA_VERSION = 1;
const METADATA_BYTES = 1 + 3 * 8;

export function encodeDocumentMetadata(metadata: DocumentMetadata): Uint8Array {
  const bytes = new Uint8Array(METADATA_BYTES);
  const view = new DataView(bytes.buffer);
  bytes[0] = METADATA_VERSION;
  view.setFloat64(1, metadata.entryCount);
  view.setFloat64(9, metadata.storedBytes);
  view.setFloat64(17, metadata.updatedAt);
  return bytes;
}

/** Returns undefined for bytes that are not a metadata record this version wrote. */
export function decodeDocumentMetadata(bytes: Uint8Array): DocumentMetadata | undefined {
  if (bytes.byteLength !== METADATA_BYTES || bytes[0] !== METADATA_VERSION) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const metadata = { entryCount: view.getFloat64(1), storedBytes: view.getFloat64(9), updatedAt: view.getFloat64(17) };
  const counts = [metadata.entryCount, metadata.storedBytes];
  if (!counts.every((value) => Number.isSafeInteger(value) && value >= 0)) return undefined;
  if (!Number.isFinite(metadata.updatedAt)) return undefined;
  return metadata;
}
