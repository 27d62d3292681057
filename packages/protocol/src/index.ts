export * from './message-type.ts';
export type { Message, MessageType } from './message.ts';
export {
  encodeMessage,
  encodeSyncStep1,
  encodeSyncStep2,
  encodeSyncUpdate,
  encodeAwareness,
  encodeQueryAwareness,
  encodePermissionDenied,
  encodeSaved,
  encodeStateless,
  encodePing,
  encodePong,
  encodeError,
  encodeAuthToken,
} from './encode-message.ts';
export { decodeMessage } from './decode-message.ts';
export { peekMessageType } from './peek-message-type.ts';
export type { MessageTypeName } from './peek-message-type.ts';
export { varUintByteLength, writeVarUintAt } from './var-uint.ts';
export { ByteCursor, ByteCursorError } from './byte-cursor.ts';
export type { ByteCursorProblem } from './byte-cursor.ts';
export type { DecodeResult } from './decode-message.ts';
export { ProtocolDecodeError } from './protocol-error.ts';
export type { ProtocolErrorCode } from './protocol-error.ts';
export * from './close-codes.ts';
export {
  MAX_DOCUMENT_NAME_BYTES,
  validateDocumentName,
  isValidDocumentName,
  parseDocumentPath,
} from './document-name.ts';
export type { DocumentNameProblem, DocumentNameResult } from './document-name.ts';
export { READ_ONLY_REASON } from './wire-reasons.ts';
export { unexpectedCase } from './unexpected-case.ts';
