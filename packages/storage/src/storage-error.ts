/**
 * Stable codes of operational storage errors. Codes are API; messages are not.
 *
 * - `ERR_STORAGE_NOT_OPEN`: the store was closed (or is closing).
 * - `ERR_STORAGE_LOCKED`: another process (or another handle in this one) holds the database.
 * - `ERR_STORAGE_CORRUPT`: stored bytes cannot be decoded; the document must not be
 *   treated as empty.
 * - `ERR_STORAGE_READ_FAILED`: the backend failed to read (or to open).
 * - `ERR_STORAGE_WRITE_FAILED`: the backend failed to write; nothing of that write was
 *   acknowledged.
 */
export type StorageErrorCode =
  | 'ERR_STORAGE_NOT_OPEN'
  | 'ERR_STORAGE_LOCKED'
  | 'ERR_STORAGE_CORRUPT'
  | 'ERR_STORAGE_READ_FAILED'
  | 'ERR_STORAGE_WRITE_FAILED';

export interface StorageErrorOptions {
  readonly cause?: unknown;
  /** The document the failed operation was about, when there is exactly one. */
  readonly docName?: string;
}

export class StorageError extends Error {
  override readonly name = 'StorageError';
  readonly code: StorageErrorCode;
  readonly docName?: string;

  constructor(code: StorageErrorCode, message: string, options: StorageErrorOptions = {}) {
    super(message, 'cause' in options ? { cause: options.cause } : undefined);
    this.code = code;
    if (options.docName !== undefined) this.docName = options.docName;
  }
}

export function isStorageError(value: unknown, code?: StorageErrorCode): value is StorageError {
  return value instanceof StorageError && (code === undefined || value.code === code);
}

/**
 * Backends may throw their own StorageErrors (for example a corrupt metadata record);
 * those pass through unchanged so their code is not masked by a generic one.
 */
export function toStorageError(
  error: unknown,
  code: StorageErrorCode,
  message: string,
  docName?: string,
): StorageError {
  if (error instanceof StorageError) return error;
  return new StorageError(code, message, docName === undefined ? { cause: error } : { cause: error, docName });
}
