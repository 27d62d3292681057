import * as awarenessProtocol from 'y-protocols/awareness';
import { stopOwnOutdatedCheck } from './awareness-internals.ts';
import { CLOSE_BAD_MESSAGE, CLOSE_POLICY_VIOLATION } from '@quire/protocol';
import type { Connection } from '../room/connection.ts';
import {
  AwarenessGuard,
  encodeAwarenessEntries,
  type AwarenessEntry,
  type AwarenessLimits,
} from './awareness-guard.ts';
import { ServerError } from '../server-error.ts';

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
 * The awareness rules of one room, between the wire and y-protocols'
 * Awareness: every update is validated whole (size, depth, entry count), a
 * connection may only set or remove its own client IDs, and what it sends
 * is forwarded at a bounded rate with newer states merged into a held one.
 */
export class RoomAwareness {
  private readonly guard: AwarenessGuard;

  constructor(
    private readonly awareness: awarenessProtocol.Awareness,
    limits: Omit<AwarenessLimits, 'reservedClientIds'>,
  ) {
    // The room's own client ID: Awareness would adopt a state set under it as
    // its local state and keep renewing it.
    this.guard = new AwarenessGuard({ ...limits, reservedClientIds: [awareness.clientID] });
    watchOutdated(awareness);
  }

  /** Takes one awareness update from `connection`; throws ServerError when it must close. */
  receive(connection: Connection, update: Uint8Array): void {
    const result = this.guard.filter(update, connection.id, (id) => this.awareness.meta.get(id)?.clock);
    if (!result.ok) {
      const closeCode = result.code === 'ERR_AWARENESS_MALFORMED' ? CLOSE_BAD_MESSAGE : CLOSE_POLICY_VIOLATION;
      throw new ServerError(result.code, closeCode, result.detail);
    }
    if (result.entries.length === 0) return;
    const ready = connection.awarenessThrottle.offer(result.entries);
    if (ready !== undefined) this.apply(connection, ready);
    else this.scheduleHeld(connection);
  }

  /** Removes the connection's states (its cursors vanish at once) and forgets its IDs. */
  release(connection: Connection): void {
    connection.disposeAwareness();
    const owned = new Set([...this.guard.release(connection.id), ...(connection.announcedAwarenessClientIds ?? [])]);
    if (owned.size > 0) awarenessProtocol.removeAwarenessStates(this.awareness, [...owned], null);
  }

  private apply(connection: Connection, entries: readonly AwarenessEntry[]): void {
    if (connection.isClosed) return;
    awarenessProtocol.applyAwarenessUpdate(this.awareness, encodeAwarenessEntries(entries), connection);
  }

  private scheduleHeld(connection: Connection): void {
    if (connection.awarenessTimer !== undefined) return;
    const dueAt = connection.awarenessThrottle.dueAt;
    if (dueAt === undefined) return;
    const timer = setTimeout(
      () => {
        connection.awarenessTimer = undefined;
        const held = connection.awarenessThrottle.takeDue();
        if (held !== undefined) this.apply(connection, held);
        else this.scheduleHeld(connection);
      },
      Math.max(0, Math.ceil(dueAt - performance.now())),
    );
    timer.unref();
    connection.awarenessTimer = timer;
  }
}
