import { peekMessageType, type MessageTypeName } from '@quire/protocol';

// The protocol names the kind of a message (peekMessageType); this only
// labels it. Keyed by every kind, so a new message kind needs a label here.
// `auth` and `other` are older than the protocol's names and stay as dashboards know them.
const LABEL_OF = {
  'sync-step-1': 'sync-step-1',
  'sync-step-2': 'sync-step-2',
  'sync-update': 'sync-update',
  awareness: 'awareness',
  'permission-denied': 'auth',
  'query-awareness': 'query-awareness',
  saved: 'saved',
  stateless: 'stateless',
  ping: 'ping',
  pong: 'pong',
  error: 'error',
  'auth-token': 'auth-token',
  unknown: 'other',
} as const satisfies Record<MessageTypeName | 'unknown', string>;

/** The `type` label of the message metrics; a small fixed set, so label cardinality stays bounded. */
export type MessageKind = (typeof LABEL_OF)[keyof typeof LABEL_OF];
export const MESSAGE_KINDS: readonly MessageKind[] = Object.values(LABEL_OF);

// Parallel to MESSAGE_KINDS. Searched with a plain loop: comparing a dozen
// interned strings measured faster than a Map lookup or indexOf, and this
// runs for every message sent and received.
const NAMES: readonly string[] = Object.keys(LABEL_OF);
const OTHER = NAMES.indexOf('unknown');

/**
 * Index into MESSAGE_KINDS of a raw message, named from its first bytes only
 * (peekMessageType), so counting costs no decoding on the hot path.
 * Malformed bytes count as 'other'.
 */
export function messageKindIndex(bytes: Uint8Array): number {
  const name = peekMessageType(bytes);
  for (let index = 0; index < NAMES.length; index++) if (NAMES[index] === name) return index;
  return OTHER;
}
