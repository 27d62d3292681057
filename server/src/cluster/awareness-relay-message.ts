import * as encoding from 'lib0/encoding';
import { ByteCursor, ByteCursorError } from '@quire/protocol';

/**
 * What one node tells the others about a document's awareness:
 * - `update`: its own clients' states changed (the payload);
 * - `query`: it just joined the document and asks for everyone's states;
 * - `answer`: its own clients' states, for a query (the payload);
 * - `leave`: it no longer serves the document; drop its clients' states.
 */
export type RelayMessageKind = 'update' | 'query' | 'answer' | 'leave';

export type RelayMessage =
  | { readonly sender: string; readonly kind: 'update' | 'answer'; readonly payload: Uint8Array }
  | { readonly sender: string; readonly kind: 'query' | 'leave' };

/** The first byte of every message: a later format gets a new number, and older nodes ignore it. */
const FORMAT_VERSION = 1;
const KIND_CODES: Record<RelayMessageKind, number> = { update: 0, query: 1, answer: 2, leave: 3 };
const KINDS: readonly RelayMessageKind[] = ['update', 'query', 'answer', 'leave'];

/** A node id longer than this is not one a node would send. */
export const MAX_NODE_ID_LENGTH = 256;
/** The largest message a node reads from the bus; larger ones are refused before decoding. */
export const MAX_RELAY_MESSAGE_BYTES = 16 * 1024 * 1024;

/** Encodes a message: version, sender node id, kind, and for updates and answers the awareness update. */
export function encodeRelayMessage(message: RelayMessage): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, FORMAT_VERSION);
  encoding.writeVarString(encoder, message.sender);
  encoding.writeVarUint(encoder, KIND_CODES[message.kind]);
  if (message.kind === 'update' || message.kind === 'answer') encoding.writeVarUint8Array(encoder, message.payload);
  return encoding.toUint8Array(encoder);
}

/** Decodes a message from the bus; undefined for anything that is not exactly one well-formed message. */
export function decodeRelayMessage(bytes: Uint8Array): RelayMessage | undefined {
  if (bytes.length > MAX_RELAY_MESSAGE_BYTES) return undefined;
  const cursor = new ByteCursor(bytes);
  try {
    if (cursor.readVarUint() !== FORMAT_VERSION) return undefined;
    const sender = cursor.readVarString();
    if (sender === '' || sender.length > MAX_NODE_ID_LENGTH) return undefined;
    const kind = KINDS[cursor.readVarUint()];
    let message: RelayMessage;
    if (kind === undefined) return undefined;
    if (kind === 'update' || kind === 'answer') message = { sender, kind, payload: cursor.readVarBytes() };
    else message = { sender, kind };
    return cursor.remaining === 0 ? message : undefined;
  } catch (error) {
    if (error instanceof ByteCursorError) return undefined;
    throw error;
  }
}
