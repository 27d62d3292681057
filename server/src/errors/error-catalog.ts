import {
  CLOSE_BAD_MESSAGE,
  CLOSE_FORBIDDEN,
  CLOSE_GOING_AWAY,
  CLOSE_INTERNAL_ERROR,
  CLOSE_INVALID_DOCUMENT_NAME,
  CLOSE_POLICY_VIOLATION,
  CLOSE_TIMEOUT,
  CLOSE_TRY_AGAIN_LATER,
  CLOSE_UNAUTHORIZED,
  CLOSE_UNSUPPORTED_DATA,
  READ_ONLY_REASON,
  type CloseCode,
  type ProtocolErrorCode,
} from '@quire/protocol';
import type { StorageErrorCode } from '@quire/storage';
import type { UpdateRejectionCode } from '@quire/yjs-update';
import type { AwarenessRejectionCode } from '../awareness/awareness-guard.ts';
import type { OwnershipRejectionCode } from '../ownership/client-ownership.ts';

/** The HTTP statuses an error can refuse a request with. */
export type ErrorHttpStatus = 400 | 401 | 403 | 500 | 503;

/** What the server answers one error code with. */
export interface ErrorAnswer {
  /** The close frame that ends the connection; quire.v1 clients get the same code in an `error` message first. */
  readonly close: CloseCode;
  /** The answer when the error refuses an HTTP request (an upgrade, the document list); absent when it never does. */
  readonly http?: ErrorHttpStatus;
}

/**
 * Codes other modules define; each must have a row below, or this file does
 * not compile. (server-documents.ts's two codes are listed by hand: importing
 * it here would close an import cycle.)
 */
type DefinedElsewhere =
  | ProtocolErrorCode
  | UpdateRejectionCode
  | OwnershipRejectionCode
  | AwarenessRejectionCode
  | StorageErrorCode;

/**
 * Every error code the server closes a connection with, answers an HTTP
 * request with, or logs for a failed request, and what it answers. The one
 * place that decides it: ServerError, closeCodeForError, the authorization
 * refusals and the HTTP routes all look their answer up here.
 * docs/security.md ("Close codes and HTTP answers") lists the same rows, and
 * error-catalog.test.ts keeps the two equal.
 */
export const ERROR_CATALOG = Object.freeze({
  // 1001: the server is closing (server-documents.ts's ServerClosedError;
  // upgrades meanwhile get 503).
  ERR_SERVER_CLOSED: { close: CLOSE_GOING_AWAY, http: 503 },

  // 1003: the binary protocol got a text frame (socket-session.ts).
  ERR_TEXT_FRAME: { close: CLOSE_UNSUPPORTED_DATA },

  // 1007: a message, or the Yjs payload inside it, is malformed (protocol
  // decoder, update inspector, state vector, awareness guard).
  ERR_PROTOCOL_EMPTY_MESSAGE: { close: CLOSE_BAD_MESSAGE },
  ERR_PROTOCOL_TRUNCATED: { close: CLOSE_BAD_MESSAGE },
  ERR_PROTOCOL_VARINT_OVERFLOW: { close: CLOSE_BAD_MESSAGE },
  ERR_PROTOCOL_UNKNOWN_SYNC_TYPE: { close: CLOSE_BAD_MESSAGE },
  ERR_PROTOCOL_UNKNOWN_AUTH_TYPE: { close: CLOSE_BAD_MESSAGE },
  ERR_PROTOCOL_TRAILING_BYTES: { close: CLOSE_BAD_MESSAGE },
  ERR_PROTOCOL_INVALID_STRING: { close: CLOSE_BAD_MESSAGE },
  ERR_UPDATE_MALFORMED: { close: CLOSE_BAD_MESSAGE },
  ERR_UPDATE_TOO_MANY_CLIENTS: { close: CLOSE_BAD_MESSAGE },
  ERR_UPDATE_TOO_MANY_STRUCTS: { close: CLOSE_BAD_MESSAGE },
  ERR_UPDATE_STRUCT_TOO_LONG: { close: CLOSE_BAD_MESSAGE },
  ERR_UPDATE_STRING_TOO_LONG: { close: CLOSE_BAD_MESSAGE },
  ERR_UPDATE_TOO_MANY_DELETES: { close: CLOSE_BAD_MESSAGE },
  ERR_UPDATE_TOO_DEEP: { close: CLOSE_BAD_MESSAGE },
  ERR_STATE_VECTOR_MALFORMED: { close: CLOSE_BAD_MESSAGE },
  ERR_AWARENESS_MALFORMED: { close: CLOSE_BAD_MESSAGE },

  // 1008: a policy was broken; final, clients should not retry.
  ERR_RATE_LIMITED: { close: CLOSE_POLICY_VIOLATION },
  ERR_TOO_MANY_IGNORED_MESSAGES: { close: CLOSE_POLICY_VIOLATION },
  ERR_UPDATE_FOREIGN_CLIENT: { close: CLOSE_POLICY_VIOLATION },
  ERR_UPDATE_CLOCK_GAP: { close: CLOSE_POLICY_VIOLATION },
  ERR_DOCUMENT_TOO_BIG: { close: CLOSE_POLICY_VIOLATION },
  ERR_AWARENESS_TOO_BIG: { close: CLOSE_POLICY_VIOLATION },
  ERR_AWARENESS_TOO_DEEP: { close: CLOSE_POLICY_VIOLATION },
  ERR_AWARENESS_TOO_MANY_CLIENTS: { close: CLOSE_POLICY_VIOLATION },
  ERR_QUEUE_FULL: { close: CLOSE_POLICY_VIOLATION },
  ERR_PRE_AUTH_QUEUE_FULL: { close: CLOSE_POLICY_VIOLATION },

  // 1011: the server failed; clients reconnect and resend what is unsaved.
  ERR_INTERNAL: { close: CLOSE_INTERNAL_ERROR, http: 500 },
  ERR_DOCUMENT_UNAVAILABLE: { close: CLOSE_INTERNAL_ERROR },
  ERR_APPLY_FAILED: { close: CLOSE_INTERNAL_ERROR },
  ERR_AUTH_HOOK_FAILED: { close: CLOSE_INTERNAL_ERROR, http: 500 },
  // The store's own codes (@quire/storage). A room wraps a failed load or
  // write in ERR_DOCUMENT_UNAVAILABLE or ERR_STORAGE_WRITE_FAILED; a failed
  // document list answers 500; LOCKED and CORRUPT stop the server at start-up.
  ERR_STORAGE_WRITE_FAILED: { close: CLOSE_INTERNAL_ERROR, http: 500 },
  ERR_STORAGE_READ_FAILED: { close: CLOSE_INTERNAL_ERROR, http: 500 },
  ERR_STORAGE_NOT_OPEN: { close: CLOSE_INTERNAL_ERROR, http: 500 },
  ERR_STORAGE_LOCKED: { close: CLOSE_INTERNAL_ERROR, http: 500 },
  ERR_STORAGE_CORRUPT: { close: CLOSE_INTERNAL_ERROR, http: 500 },

  // 1013: transient; clients retry with a longer backoff.
  ERR_SLOW_CONSUMER: { close: CLOSE_TRY_AGAIN_LATER },
  ERR_CLIENT_ID_IN_USE: { close: CLOSE_TRY_AGAIN_LATER },
  ERR_AUTH_HOOK_TIMEOUT: { close: CLOSE_TRY_AGAIN_LATER, http: 503 },

  // 4401, 4403, 4508: authentication (auth-error.ts, session-auth.ts).
  ERR_AUTH_UNAUTHORIZED: { close: CLOSE_UNAUTHORIZED, http: 401 },
  ERR_AUTH_EXPIRED: { close: CLOSE_UNAUTHORIZED },
  ERR_AUTH_SUBJECT_CHANGED: { close: CLOSE_UNAUTHORIZED },
  ERR_AUTH_FORBIDDEN: { close: CLOSE_FORBIDDEN, http: 403 },
  // The one code sent without a close: a refused write on a read-only connection.
  [READ_ONLY_REASON]: { close: CLOSE_FORBIDDEN },
  // 4404: the name breaks the document-name rules (server-documents.ts's
  // InvalidDocumentNameError; an upgrade is answered 400).
  ERR_INVALID_DOCUMENT_NAME: { close: CLOSE_INVALID_DOCUMENT_NAME, http: 400 },
  ERR_AUTH_TIMEOUT: { close: CLOSE_TIMEOUT },
} as const satisfies Record<DefinedElsewhere, ErrorAnswer> & Record<string, ErrorAnswer>);

export type ErrorCode = keyof typeof ERROR_CATALOG;

/** The codes that can refuse an HTTP request. */
export type HttpErrorCode = {
  [Code in ErrorCode]: (typeof ERROR_CATALOG)[Code] extends { readonly http: number } ? Code : never;
}[ErrorCode];

export function isErrorCode(code: string): code is ErrorCode {
  return Object.hasOwn(ERROR_CATALOG, code);
}

/** The answer for `code`. */
export function answerOf(code: ErrorCode): ErrorAnswer {
  return ERROR_CATALOG[code];
}

/** The close code a connection ends with for `code`. */
export function closeCodeOf(code: ErrorCode): CloseCode {
  return ERROR_CATALOG[code].close;
}

/** The HTTP status a request is refused with for `code`. */
export function httpStatusOf<Code extends HttpErrorCode>(code: Code): (typeof ERROR_CATALOG)[Code]['http'] {
  return ERROR_CATALOG[code].http;
}
