/**
 * Which live connection owns which client ID, kept both ways (ID → owner,
 * connection → IDs) so that a closing connection releases its IDs without
 * a scan. Used for document client IDs (ClientOwnership) and awareness
 * client IDs (AwarenessGuard); each decides who may claim what, this only
 * keeps the record.
 */
export class OwnerTable<Owner> {
  // Made on the first assignment: most rooms have readers only, or no
  // awareness, and an empty Map still holds a hash table.
  private owners: Map<number, Owner> | undefined;
  private byConnection: Map<number, Set<number>> | undefined;

  constructor(private readonly connectionIdOf: (owner: Owner) => number) {}

  /** Client IDs owned by anyone. */
  get size(): number {
    return this.owners?.size ?? 0;
  }

  ownerOf(clientId: number): Owner | undefined {
    return this.owners?.get(clientId);
  }

  clientsOf(connectionId: number): ReadonlySet<number> {
    return this.byConnection?.get(connectionId) ?? EMPTY;
  }

  /** How many client IDs the connection owns. */
  countOf(connectionId: number): number {
    return this.byConnection?.get(connectionId)?.size ?? 0;
  }

  /** Makes `owner` the owner of `clientId`, taking it from whoever owned it. */
  assign(clientId: number, owner: Owner): void {
    const owners = (this.owners ??= new Map<number, Owner>());
    const byConnection = (this.byConnection ??= new Map<number, Set<number>>());
    const previous = owners.get(clientId);
    if (previous !== undefined) byConnection.get(this.connectionIdOf(previous))?.delete(clientId);
    owners.set(clientId, owner);
    const connectionId = this.connectionIdOf(owner);
    const owned = byConnection.get(connectionId);
    if (owned === undefined) byConnection.set(connectionId, new Set([clientId]));
    else owned.add(clientId);
  }

  /** Forgets `clientId`, whoever owns it. */
  unassign(clientId: number): void {
    const owner = this.owners?.get(clientId);
    if (owner === undefined) return;
    this.owners?.delete(clientId);
    this.byConnection?.get(this.connectionIdOf(owner))?.delete(clientId);
  }

  /** Forgets every client ID the connection owns; returns them. */
  releaseConnection(connectionId: number): number[] {
    const owned = this.byConnection?.get(connectionId);
    if (owned === undefined) return [];
    this.byConnection?.delete(connectionId);
    for (const clientId of owned) this.owners?.delete(clientId);
    return [...owned];
  }
}

const EMPTY: ReadonlySet<number> = new Set();
