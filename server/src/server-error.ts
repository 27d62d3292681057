import { ProtocolDecodeError, type CloseCode } from '@quire/protocol';
import { answerOf, closeCodeOf, isErrorCode, type ErrorCode } from './errors/error-catalog.ts';

/** Every code a ServerError may carry: a row of the error catalog (errors/error-catalog.ts). */
export type ServerErrorCode = ErrorCode;

/** An operational error that ends one connection with the close code the catalog gives its code. */
export class ServerError extends Error {
  override readonly name = 'ServerError';
  readonly code: ServerErrorCode;
  readonly closeCode: CloseCode;

  constructor(code: ServerErrorCode, message?: string, options?: ErrorOptions) {
    super(message ?? code, options);
    this.code = code;
    this.closeCode = closeCodeOf(code);
  }
}

/**
 * A stable, short, machine-readable name for logs and the quire.v1 error
 * message: the error's own code, or ERR_INTERNAL for an error without one.
 */
export function errorCodeOf(error: unknown): string {
  if (error instanceof ServerError || error instanceof ProtocolDecodeError) return error.code;
  if (error instanceof Error && 'code' in error && typeof error.code === 'string') return error.code;
  return 'ERR_INTERNAL';
}

/** The catalog row for an error: its code's, or ERR_INTERNAL's for a code the catalog does not know. */
function catalogCodeOf(error: unknown): ErrorCode {
  const code = errorCodeOf(error);
  return isErrorCode(code) ? code : 'ERR_INTERNAL';
}

/** The close code an error ends a connection with, from the error catalog. */
export function closeCodeForError(error: unknown): CloseCode {
  // A ServerError looked its own up.
  if (error instanceof ServerError) return error.closeCode;
  return closeCodeOf(catalogCodeOf(error));
}

/** The HTTP status an error refuses a request with, from the error catalog; 500 for one it gives none. */
export function httpStatusForError(error: unknown): number {
  return answerOf(catalogCodeOf(error)).http ?? 500;
}
