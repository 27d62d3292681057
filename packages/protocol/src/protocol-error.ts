export type ProtocolErrorCode =
  | 'ERR_PROTOCOL_EMPTY_MESSAGE'
  | 'ERR_PROTOCOL_TRUNCATED'
  | 'ERR_PROTOCOL_VARINT_OVERFLOW'
  | 'ERR_PROTOCOL_UNKNOWN_SYNC_TYPE'
  | 'ERR_PROTOCOL_UNKNOWN_AUTH_TYPE'
  | 'ERR_PROTOCOL_TRAILING_BYTES'
  | 'ERR_PROTOCOL_INVALID_STRING';

/** Raised (or returned) when bytes on the wire are not a well-formed message. */
export class ProtocolDecodeError extends Error {
  override readonly name = 'ProtocolDecodeError';
  readonly code: ProtocolErrorCode;

  constructor(code: ProtocolErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}
