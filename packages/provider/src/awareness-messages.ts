import { encodeAwareness } from '@quire/protocol';
import { encodeAwarenessUpdate, removeAwarenessStates, type Awareness } from 'y-protocols/awareness';

export interface AwarenessChanges {
  readonly added: readonly number[];
  readonly updated: readonly number[];
  readonly removed: readonly number[];
}

/**
 * The local state, announced on a new connection; null when there is none.
 * The clock is advanced first: peers that dropped the state when the old
 * connection ended still hold its clock and ignore an announcement that does
 * not move it forward.
 */
export function encodeAnnouncement(awareness: Awareness): Uint8Array | null {
  const local = awareness.getLocalState();
  if (local === null) return null;
  awareness.setLocalState(local);
  return encodeAwareness(encodeAwarenessUpdate(awareness, [awareness.clientID]));
}

/** Tells peers this client left, now rather than after the awareness timeout. */
export function encodeDeparture(awareness: Awareness): Uint8Array {
  return encodeAwareness(encodeAwarenessUpdate(awareness, [awareness.clientID], new Map()));
}

/**
 * What of an awareness change goes to the server. States applied with
 * `remoteOrigin` came from the server; of those only our own is sent back
 * (after a peer "removed" it, the awareness bumps its clock to re-announce it).
 */
export function encodeOutgoingChanges(
  awareness: Awareness,
  changes: AwarenessChanges,
  origin: unknown,
  remoteOrigin: object,
): Uint8Array | null {
  const changed = [...changes.added, ...changes.updated, ...changes.removed];
  const clients = origin === remoteOrigin ? changed.filter((id) => id === awareness.clientID) : changed;
  return clients.length === 0 ? null : encodeAwareness(encodeAwarenessUpdate(awareness, clients));
}

/** Drops every peer's state: with the connection gone, no one renews them. */
export function forgetRemoteStates(awareness: Awareness, origin: object): void {
  const others = [...awareness.getStates().keys()].filter((id) => id !== awareness.clientID);
  removeAwarenessStates(awareness, others, origin);
}
