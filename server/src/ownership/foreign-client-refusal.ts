import { ServerError } from '../server-error.ts';
import type { Writer } from './client-ownership.ts';

/** An ownership verdict that refused an update for a client ID another live connection owns. */
export interface ForeignClientVerdict {
  readonly code: 'ERR_UPDATE_FOREIGN_CLIENT';
  readonly clientId: number;
  readonly owner: Writer;
  readonly detail: string;
}

/** A connection of the room, as far as this needs one: its id, and a check that its peer is still there. */
export interface ProbeableConnection {
  readonly id: number;
  probeLiveness(): void;
}

/** The transient refusal: the client ID may belong to the writer's own stale socket. */
export const CLIENT_ID_IN_USE = 'ERR_CLIENT_ID_IN_USE';

/**
 * Whether the owner may be the writer's own earlier connection: nothing tells
 * them apart (neither has a subject, as under open access) or both have the
 * same one. Different subjects are different users.
 */
function maySameClient(owner: Writer, writer: Writer): boolean {
  return owner.principal === writer.principal;
}

/**
 * The error that ends a connection whose update writes a client ID another
 * live connection owns (docs/security.md, client-ID ownership).
 *
 * When the owner may be the writer's own previous socket, left half-open by
 * a network change, the server cannot tell yet whether it is: it probes the
 * owner at once (a ping to answer within `ownerProbeTimeoutMs`, else the
 * socket is dropped and its IDs are free) and turns the writer away with 1013
 * `ERR_CLIENT_ID_IN_USE`, which every client retries. On the retry a stale
 * owner is gone and the update is accepted; a live one still owns the ID and
 * the writer is turned away again. Nothing is ever taken from a live owner.
 *
 * Another principal's connection cannot be the writer's own: 1008
 * `ERR_UPDATE_FOREIGN_CLIENT`, final, and no probe, so a stranger has no say
 * over other users' sockets.
 */
export function foreignClientRefusal(
  verdict: ForeignClientVerdict,
  writer: Writer,
  connections: Iterable<ProbeableConnection>,
): ServerError {
  if (!maySameClient(verdict.owner, writer)) {
    return new ServerError(verdict.code, verdict.detail);
  }
  for (const connection of connections) {
    if (connection.id !== verdict.owner.connectionId) continue;
    connection.probeLiveness();
    break;
  }
  return new ServerError(CLIENT_ID_IN_USE, `${verdict.detail}; its liveness is being checked`);
}
