import * as awarenessProtocol from 'y-protocols/awareness';
import { stopOwnOutdatedCheck } from './awareness-internals.ts';
import type { Connection } from '../room/connection.ts';
import {
  AwarenessGuard,
  encodeAwarenessEntries,
  type AwarenessEntry,
  type AwarenessLimits,
} from './awareness-guard.ts';
import { ServerError } from '../server-error.ts';
import { AwarenessFanOut, type AwarenessChanges } from './awareness-fan-out.ts';
import { ConnectionAwareness } from './connection-awareness.ts';
import { RemoteClients } from './remote-clients.ts';
import { LocalAwarenessOutbox, type LocalUpdateListener } from './local-awareness-outbox.ts';

// y-protocols' Awareness runs its own 3 s interval per document to drop
// states not renewed for `outdatedTimeout`; with thousands of open rooms that
// is thousands of timers. One shared sweep does the same for every room.
const SWEEP_INTERVAL_MS = Math.floor(awarenessProtocol.outdatedTimeout / 10);
const swept = new Set<awarenessProtocol.Awareness>();
let sweepTimer: NodeJS.Timeout | undefined;

function sweepAll(): void {
  const now = Date.now();
  for (const awareness of swept) removeOutdatedStates(awareness, now);
}

function watchOutdated(awareness: awarenessProtocol.Awareness): void {
  stopOwnOutdatedCheck(awareness);
  swept.add(awareness);
  if (sweepTimer === undefined) {
    sweepTimer = setInterval(sweepAll, SWEEP_INTERVAL_MS);
    sweepTimer.unref();
  }
  awareness.on('destroy', () => {
    swept.delete(awareness);
    if (swept.size === 0 && sweepTimer !== undefined) {
      clearInterval(sweepTimer);
      sweepTimer = undefined;
    }
  });
}

/**
 * Removes the states of other clients not renewed for `outdatedTimeout`
 * (30 s; stock clients renew every 15 s), as y-protocols' own interval would.
 * The room's own state is always null, so there is nothing of its own to renew.
 */
export function removeOutdatedStates(awareness: awarenessProtocol.Awareness, now: number): void {
  const outdated: number[] = [];
  for (const [clientId, meta] of awareness.meta) {
    if (
      clientId !== awareness.clientID &&
      now - meta.lastUpdated >= awarenessProtocol.outdatedTimeout &&
      awareness.states.has(clientId)
    ) {
      outdated.push(clientId);
    }
  }
  if (outdated.length > 0) awarenessProtocol.removeAwarenessStates(awareness, outdated, 'timeout');
}

/**
 * Lets a relayed state through whose clock equals the one of a state this
 * room removed on its own (its node was thought dead, or it timed out) and
 * its node announces again: y-protocols only takes a newer clock, and the
 * client's own next renewal may be 15 s away. Removals are not reopened.
 */
function reopenRemovedClocks(awareness: awarenessProtocol.Awareness, entries: readonly AwarenessEntry[]): void {
  for (const { clientId, clock, isRemoval } of entries) {
    const meta = awareness.meta.get(clientId);
    if (isRemoval || meta === undefined || meta.clock !== clock || awareness.states.has(clientId)) continue;
    if (clock === 0) awareness.meta.delete(clientId);
    else awareness.meta.set(clientId, { clock: clock - 1, lastUpdated: meta.lastUpdated });
  }
}

/** Where a room's awareness changes go: its connections, after its queued document changes. */
export interface AwarenessAudience {
  readonly connections: Iterable<Connection>;
  /** Sends the document changes waiting for the broadcast: a caret may point into one of them. */
  readonly beforeSend: () => void;
}

const NO_AUDIENCE: AwarenessAudience = { connections: [], beforeSend: () => undefined };

/** The origin of changes relayed from other nodes: no connection of this node's. */
const REMOTE_ORIGIN = Symbol('remote awareness');

/**
 * The awareness of one room, between the wire and y-protocols' Awareness:
 * every update is validated whole (size, depth, entry count), a connection
 * may only set or remove its own client IDs, what it sends is forwarded at a
 * bounded rate with newer states merged into a held one, and every change
 * goes out to the room's connections (AwarenessFanOut).
 */
export class RoomAwareness {
  private readonly guard: AwarenessGuard;
  private readonly fanOut: AwarenessFanOut;
  /** The per-connection state of connections that sent awareness. */
  private readonly states = new Map<Connection, ConnectionAwareness>();
  /** Client IDs whose states came from other nodes. */
  private readonly remote: RemoteClients;
  /** This node's own clients' changes, coalesced for other nodes. */
  private readonly outbox: LocalAwarenessOutbox;

  constructor(
    private readonly awareness: awarenessProtocol.Awareness,
    limits: Omit<AwarenessLimits, 'reservedClientIds'>,
    audience: AwarenessAudience = NO_AUDIENCE,
  ) {
    // The room's own client ID: Awareness would adopt a state set under it as
    // its local state and keep renewing it.
    // A client ID whose state another node relays is as foreign to this
    // node's connections as one of their own: no take-over across nodes.
    this.guard = new AwarenessGuard({
      ...limits,
      reservedClientIds: [awareness.clientID],
      isHeldElsewhere: (clientId) => this.remote.has(clientId),
    });
    this.remote = new RemoteClients(this.guard.limits.maxEntries);
    this.outbox = new LocalAwarenessOutbox(awareness);
    this.fanOut = new AwarenessFanOut(awareness, audience.connections, audience.beforeSend);
    watchOutdated(awareness);
    awareness.setLocalState(null);
    awareness.on('update', this.handleUpdate);
  }

  /** Takes one awareness update from `connection`; throws ServerError when it must close. */
  receive(connection: Connection, update: Uint8Array): void {
    const result = this.guard.filter(update, connection.id, (id) => this.awareness.meta.get(id)?.clock);
    if (!result.ok) throw new ServerError(result.code, result.detail);
    if (result.entries.length === 0) return;
    const state = this.stateOf(connection);
    const ready = state.throttle.offer(result.entries);
    if (ready !== undefined) this.apply(connection, ready);
    else this.scheduleHeld(connection, state);
  }

  /** Every awareness state the room knows, to one connection (a query, or a join). */
  sendAll(connection: Connection): void {
    this.fanOut.sendAll(connection);
  }

  /** What a connection that just started gets: every known state, if there is any. */
  greet(connection: Connection): void {
    this.fanOut.sendAllIfAny(connection);
  }

  /** Removes the connection's states (its cursors vanish at once) and forgets its IDs. */
  release(connection: Connection): void {
    const state = this.states.get(connection);
    state?.dispose();
    this.states.delete(connection);
    const owned = new Set([...this.guard.release(connection.id), ...(state?.clientIds ?? [])]);
    if (owned.size > 0) awarenessProtocol.removeAwarenessStates(this.awareness, [...owned], null);
  }

  /**
   * Applies another node's clients' awareness (y-protocols' encoding) and
   * sends it to this node's connections. Validated under the room's limits
   * like a connection's update; an invalid one is ignored whole. Entries for
   * the room's own ID, for this node's connections' IDs, and removals of
   * states not held for another node are left out.
   */
  applyRemote(update: Uint8Array): void {
    const decoded = this.guard.decode(update);
    if (!decoded.ok) return;
    const entries = this.remote.admit(decoded.entries, {
      reservedClientId: this.awareness.clientID,
      isLocal: this.isLocal,
    });
    if (entries.length === 0) return;
    reopenRemovedClocks(this.awareness, entries);
    awarenessProtocol.applyAwarenessUpdate(this.awareness, encodeAwarenessEntries(entries), REMOTE_ORIGIN);
  }

  /** Removes the states of other nodes' clients (their node died); IDs of this node's connections are kept. */
  removeRemote(clientIds: readonly number[]): void {
    const held = clientIds.filter((clientId) => this.remote.has(clientId));
    if (held.length > 0) awarenessProtocol.removeAwarenessStates(this.awareness, held, REMOTE_ORIGIN);
  }

  /** The states of this node's connections' clients as one update, for another node; undefined when there are none. */
  encodeLocal(): Uint8Array | undefined {
    const clientIds: number[] = [];
    for (const state of this.states.values()) {
      for (const clientId of state.clientIds) if (this.awareness.states.has(clientId)) clientIds.push(clientId);
    }
    return clientIds.length === 0 ? undefined : awarenessProtocol.encodeAwarenessUpdate(this.awareness, clientIds);
  }

  /**
   * Calls `listener` with an awareness update whenever this node's own
   * clients' states change (set, renewed, removed), never for states relayed
   * from other nodes; at most one update per LOCAL_PUBLISH_INTERVAL_MS, newer
   * states merged into a held one.
   */
  onLocalUpdate(listener: LocalUpdateListener): void {
    this.outbox.listen(listener);
  }

  /** Stops listening and ends the Awareness (the room is gone). */
  destroy(): void {
    this.outbox.dispose();
    this.awareness.off('update', this.handleUpdate);
    this.awareness.destroy();
  }

  private stateOf(connection: Connection): ConnectionAwareness {
    let state = this.states.get(connection);
    if (state === undefined) {
      state = new ConnectionAwareness(connection.awarenessIntervalMs);
      this.states.set(connection, state);
    }
    return state;
  }

  // A connection's states are always under IDs the guard made its own, until it is released.
  private readonly isLocal = (clientId: number): boolean => this.guard.ownerOf(clientId) !== undefined;

  // Every change of the room's Awareness: a connection's update (its origin
  // is the connection), a removal on release (null), a timeout, or another
  // node's clients (REMOTE_ORIGIN).
  private readonly handleUpdate = (changes: AwarenessChanges, origin: unknown): void => {
    if (origin === REMOTE_ORIGIN) {
      this.remote.applied([...changes.added, ...changes.updated], changes.removed);
    } else {
      const ids = this.states.get(origin as Connection)?.clientIds;
      if (ids !== undefined) {
        for (const clientId of changes.added) ids.add(clientId);
        for (const clientId of changes.updated) ids.add(clientId);
        for (const clientId of changes.removed) ids.delete(clientId);
      }
      this.publishLocal(changes);
    }
    this.fanOut.changed(changes);
  };

  /** Hands this node's clients' part of a change to the outbox; a timed-out remote state is only forgotten. */
  private publishLocal(changes: AwarenessChanges): void {
    const local: number[] = [];
    for (const list of [changes.added, changes.updated, changes.removed]) {
      for (const clientId of list) if (!this.remote.has(clientId)) local.push(clientId);
    }
    this.remote.forget(changes.removed);
    this.outbox.changed(local);
  }

  private apply(connection: Connection, entries: readonly AwarenessEntry[]): void {
    if (connection.isClosed) return;
    awarenessProtocol.applyAwarenessUpdate(this.awareness, encodeAwarenessEntries(entries), connection);
  }

  private scheduleHeld(connection: Connection, state: ConnectionAwareness): void {
    if (state.timer !== undefined) return;
    const dueAt = state.throttle.dueAt;
    if (dueAt === undefined) return;
    const timer = setTimeout(
      () => {
        state.timer = undefined;
        const held = state.throttle.takeDue();
        if (held !== undefined) this.apply(connection, held);
        else this.scheduleHeld(connection, state);
      },
      Math.max(0, Math.ceil(dueAt - performance.now())),
    );
    timer.unref();
    state.timer = timer;
  }
}
