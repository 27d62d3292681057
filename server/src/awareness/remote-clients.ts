import type { AwarenessEntry } from './awareness-guard.ts';

/** What decides which entries of another node's update a room may apply. */
export interface RemoteAdmission {
  /** The room's own awareness client ID: Awareness would adopt a state set under it. */
  readonly reservedClientId: number;
  /** Whether a connection of this node owns or holds the ID: a local state always wins over a relayed one. */
  readonly isLocal: (clientId: number) => boolean;
}

/**
 * The client IDs whose awareness states a room holds for other nodes'
 * connections, at most `maxClients` of them: the bus is not trusted to stay
 * within bounds, and every ID also leaves an entry in Awareness.meta.
 */
export class RemoteClients {
  private readonly ids = new Set<number>();

  constructor(private readonly maxClients: number) {}

  has(clientId: number): boolean {
    return this.ids.has(clientId);
  }

  get size(): number {
    return this.ids.size;
  }

  /** Every remote client ID held now. */
  list(): number[] {
    return [...this.ids];
  }

  /**
   * The entries of a relayed update the room may apply: never the room's own
   * ID, never an ID of this node's connections, a removal only of a state
   * held for another node, and new IDs only while there is room for them.
   */
  admit(entries: readonly AwarenessEntry[], rules: RemoteAdmission): AwarenessEntry[] {
    const admitted: AwarenessEntry[] = [];
    let fresh = 0;
    for (const entry of entries) {
      const { clientId } = entry;
      if (clientId === rules.reservedClientId || rules.isLocal(clientId)) continue;
      if (this.ids.has(clientId)) admitted.push(entry);
      else if (!entry.isRemoval && this.ids.size + fresh < this.maxClients) {
        fresh++;
        admitted.push(entry);
      }
    }
    return admitted;
  }

  /** Records what an applied relayed update changed. */
  applied(changed: Iterable<number>, removed: Iterable<number>): void {
    for (const clientId of changed) this.ids.add(clientId);
    this.forget(removed);
  }

  /** Forgets IDs whose states are gone (removed, timed out) or taken over here. */
  forget(clientIds: Iterable<number>): void {
    for (const clientId of clientIds) this.ids.delete(clientId);
  }
}
