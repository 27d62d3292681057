/**
 * The one table of WebSocket close codes Quire sends. Server and provider both
 * import it; docs/protocol.md documents it. `reconnect` says whether a client
 * should retry after receiving the code.
 */
export interface CloseCode {
  readonly code: number;
  readonly reason: string;
  readonly reconnect: boolean;
}

const define = (code: number, reason: string, reconnect: boolean): CloseCode =>
  Object.freeze({ code, reason, reconnect });

/** The client or server closed deliberately. */
export const CLOSE_NORMAL = define(1000, 'normal closure', false);
/** The server is shutting down or restarting; reconnect with backoff. */
export const CLOSE_GOING_AWAY = define(1001, 'server going away', true);
/** A text frame arrived on the binary protocol. */
export const CLOSE_UNSUPPORTED_DATA = define(1003, 'binary messages only', false);
/** A message or the Yjs payload inside it could not be decoded or was rejected as malformed. */
export const CLOSE_BAD_MESSAGE = define(1007, 'malformed message', true);
/** A policy was violated: rate or quota limit, ownership rule, too many unknown messages. */
export const CLOSE_POLICY_VIOLATION = define(1008, 'policy violation', false);
/** A frame exceeded the configured maximum message size. */
export const CLOSE_MESSAGE_TOO_BIG = define(1009, 'message too big', false);
/** The server failed internally, for example the document could not be loaded or stored. */
export const CLOSE_INTERNAL_ERROR = define(1011, 'internal error', true);
/** The server is overloaded or the connection cannot keep up; try again later. */
export const CLOSE_TRY_AGAIN_LATER = define(1013, 'try again later', true);
/** Missing, invalid or expired credentials. */
export const CLOSE_UNAUTHORIZED = define(4401, 'unauthorized', false);
/** Valid credentials that do not grant access to this document. */
export const CLOSE_FORBIDDEN = define(4403, 'forbidden', false);
/** The document name is not acceptable. */
export const CLOSE_INVALID_DOCUMENT_NAME = define(4404, 'invalid document name', false);
/**
 * No authentication or sync within the deadline. Transient, so it sits in the
 * 4500–4599 range: stock y-websocket clients stop reconnecting for good on any
 * 4400–4499 code (the `08` echoes HTTP 408).
 */
export const CLOSE_TIMEOUT = define(4508, 'timeout', true);

export const CLOSE_CODES: readonly CloseCode[] = Object.freeze([
  CLOSE_NORMAL,
  CLOSE_GOING_AWAY,
  CLOSE_UNSUPPORTED_DATA,
  CLOSE_BAD_MESSAGE,
  CLOSE_POLICY_VIOLATION,
  CLOSE_MESSAGE_TOO_BIG,
  CLOSE_INTERNAL_ERROR,
  CLOSE_TRY_AGAIN_LATER,
  CLOSE_UNAUTHORIZED,
  CLOSE_FORBIDDEN,
  CLOSE_INVALID_DOCUMENT_NAME,
  CLOSE_TIMEOUT,
]);

const byCode = new Map(CLOSE_CODES.map((entry) => [entry.code, entry]));

/** Looks up a received close code; undefined for codes Quire never sends (1005, 1006, …). */
export function findCloseCode(code: number): CloseCode | undefined {
  return byCode.get(code);
}

/**
 * Whether `code` may be sent in a close frame (RFC 6455 §7.4): 1005, 1006 and
 * 1015 are reserved for local reporting and must never go on the wire.
 */
export function isSendableCloseCode(code: number): boolean {
  return (
    Number.isInteger(code) &&
    ((code >= 1000 && code <= 1014 && code !== 1004 && code !== 1005 && code !== 1006) ||
      (code >= 3000 && code <= 4999))
  );
}
