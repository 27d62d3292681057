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
