import {
  MESSAGE_AUTH,
  MESSAGE_AWARENESS,
  MESSAGE_QUERY_AWARENESS,
  MESSAGE_QUIRE_AUTH_TOKEN,
  MESSAGE_QUIRE_ERROR,
  MESSAGE_QUIRE_PING,
  MESSAGE_QUIRE_PONG,
  MESSAGE_QUIRE_SAVED,
  MESSAGE_QUIRE_STATELESS,
  MESSAGE_SYNC,
  SYNC_STEP_1,
  SYNC_STEP_2,
  SYNC_UPDATE,
} from '@quire/protocol';

/** The `type` label of the message metrics; a small fixed set, so label cardinality stays bounded. */
export const MESSAGE_KINDS = [
  'sync-step-1',
  'sync-step-2',
  'sync-update',
  'awareness',
  'auth',
  'query-awareness',
  'saved',
  'stateless',
  'ping',
  'pong',
  'error',
  'auth-token',
  'other',
] as const;
export type MessageKind = (typeof MESSAGE_KINDS)[number];

const OTHER = MESSAGE_KINDS.indexOf('other');
const BY_TYPE = new Map<number, number>([
  [MESSAGE_AWARENESS, MESSAGE_KINDS.indexOf('awareness')],
  [MESSAGE_AUTH, MESSAGE_KINDS.indexOf('auth')],
  [MESSAGE_QUERY_AWARENESS, MESSAGE_KINDS.indexOf('query-awareness')],
  [MESSAGE_QUIRE_SAVED, MESSAGE_KINDS.indexOf('saved')],
  [MESSAGE_QUIRE_STATELESS, MESSAGE_KINDS.indexOf('stateless')],
  [MESSAGE_QUIRE_PING, MESSAGE_KINDS.indexOf('ping')],
  [MESSAGE_QUIRE_PONG, MESSAGE_KINDS.indexOf('pong')],
  [MESSAGE_QUIRE_ERROR, MESSAGE_KINDS.indexOf('error')],
  [MESSAGE_QUIRE_AUTH_TOKEN, MESSAGE_KINDS.indexOf('auth-token')],
]);
const BY_SYNC_TYPE = new Map<number, number>([
  [SYNC_STEP_1, MESSAGE_KINDS.indexOf('sync-step-1')],
  [SYNC_STEP_2, MESSAGE_KINDS.indexOf('sync-step-2')],
  [SYNC_UPDATE, MESSAGE_KINDS.indexOf('sync-update')],
]);

/**
 * Index into MESSAGE_KINDS of a raw message, read from its first bytes only
 * (every type and sync sub-type in use fits one varUint byte), so counting
 * costs no decoding on the hot path. Malformed bytes count as 'other'.
 */
export function messageKindIndex(bytes: Uint8Array): number {
  const type = bytes[0];
  if (type === undefined || type > 0x7f) {
    // Types from 128 up take two varUint bytes: the Quire extensions (100–105) do not.
    return OTHER;
  }
  if (type === MESSAGE_SYNC) return BY_SYNC_TYPE.get(bytes[1] ?? -1) ?? OTHER;
  return BY_TYPE.get(type) ?? OTHER;
}
