import {
  CLOSE_BAD_MESSAGE,
  CLOSE_INTERNAL_ERROR,
  ProtocolDecodeError,
  type CloseCode,
} from '@quire/protocol';
import type { AwarenessRejectionCode } from './awareness/awareness-guard.ts';
import type { OwnershipRejectionCode } from './ownership/client-ownership.ts';
import type { UpdateRejectionCode } from '@quire/yjs-update';

export type ServerErrorCode =
  | 'ERR_UPDATE_MALFORMED'
  | 'ERR_STATE_VECTOR_MALFORMED'
  | 'ERR_AWARENESS_MALFORMED'
  | 'ERR_DOCUMENT_UNAVAILABLE'
  | 'ERR_STORAGE_WRITE_FAILED'
  | 'ERR_APPLY_FAILED'
  | 'ERR_DOCUMENT_TOO_BIG'
  | 'ERR_TOO_MANY_IGNORED_MESSAGES'
  /** 1013: the client ID is owned by a connection that may be the writer's own stale socket (foreign-client-refusal.ts). */
  | 'ERR_CLIENT_ID_IN_USE'
  | UpdateRejectionCode
  | OwnershipRejectionCode
  | AwarenessRejectionCode;

/** An operational error that ends one connection with a known close code. */
export class ServerError extends Error {
  override readonly name = 'ServerError';
  readonly code: ServerErrorCode;
  readonly closeCode: CloseCode;

  constructor(code: ServerErrorCode, closeCode: CloseCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.closeCode = closeCode;
  }
}

/** The one place that decides which close code an error ends a connection with. */
export function closeCodeForError(error: unknown): CloseCode {
  if (error instanceof ServerError) return error.closeCode;
  if (error instanceof ProtocolDecodeError) return CLOSE_BAD_MESSAGE;
  return CLOSE_INTERNAL_ERROR;
}

/** A stable, short, machine-readable name for logs and the quire.v1 error message. */
export function errorCodeOf(error: unknown): string {
  if (error instanceof ServerError || error instanceof ProtocolDecodeError) return error.code;
  if (error instanceof Error && 'code' in error && typeof error.code === 'string') return error.code;
  return 'ERR_INTERNAL';
}
