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

/** Where a room's awareness changes go: its connections, after its queued document changes. */
export interface AwarenessAudience {
  readonly connections: Iterable<Connection>;
  /** Sends the document changes waiting for the broadcast: a caret may point into one of them. */
  readonly beforeSend: () => void;
}

const NO_AUDIENCE: AwarenessAudience = { connections: [], beforeSend: () => undefined };

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

  constructor(
    private readonly awareness: awarenessProtocol.Awareness,
    limits: Omit<AwarenessLimits, 'reservedClientIds'>,
    audience: AwarenessAudience = NO_AUDIENCE,
  ) {
    // The room's own client ID: Awareness would adopt a state set under it as
    // its local state and keep renewing it.
    this.guard = new AwarenessGuard({ ...limits, reservedClientIds: [awareness.clientID] });
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

  /** Stops listening and ends the Awareness (the room is gone). */
  destroy(): void {
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

  // Every change of the room's Awareness: a connection's update (its origin
  // is the connection), a removal on release (null), or a timeout.
  private readonly handleUpdate = (changes: AwarenessChanges, origin: unknown): void => {
    const ids = this.states.get(origin as Connection)?.clientIds;
    if (ids !== undefined) {
      for (const clientId of changes.added) ids.add(clientId);
      for (const clientId of changes.updated) ids.add(clientId);
      for (const clientId of changes.removed) ids.delete(clientId);
    }
    this.fanOut.changed(changes);
  };

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
