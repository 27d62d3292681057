/** One entry of a relayed awareness update, as far as origins care. */
export interface RelayedEntry {
  readonly clientId: number;
  readonly isRemoval: boolean;
}

/**
 * Which node each remote client of one document came through, so that the
 * clients of a node that died can be removed. At most `maxClients` are
 * remembered; past that, further clients are left to the awareness timeout.
 */
export class ClientOrigins {
  private readonly clientsByNode = new Map<string, Set<number>>();
  private readonly nodeByClient = new Map<number, string>();

  constructor(private readonly maxClients: number) {}

  /** Notes a node's update: its clients with a state are its own; removed ones are forgotten. */
  note(nodeId: string, entries: readonly RelayedEntry[]): void {
    for (const { clientId, isRemoval } of entries) {
      const previous = this.nodeByClient.get(clientId);
      if (isRemoval) {
        if (previous === nodeId) this.unlink(clientId, nodeId);
        continue;
      }
      if (previous === nodeId) continue;
      // A client that moved to another node belongs to the node that speaks for it last.
      if (previous !== undefined) this.unlink(clientId, previous);
      else if (this.nodeByClient.size >= this.maxClients) continue;
      this.nodeByClient.set(clientId, nodeId);
      let clients = this.clientsByNode.get(nodeId);
      if (clients === undefined) this.clientsByNode.set(nodeId, (clients = new Set()));
      clients.add(clientId);
    }
  }

  /** Forgets a node and returns its clients, whose states are to be removed. */
  take(nodeId: string): number[] {
    const clients = this.clientsByNode.get(nodeId);
    if (clients === undefined) return [];
    this.clientsByNode.delete(nodeId);
    for (const clientId of clients) this.nodeByClient.delete(clientId);
    return [...clients];
  }

  /** The nodes that have clients here. */
  nodes(): IterableIterator<string> {
    return this.clientsByNode.keys();
  }

  private unlink(clientId: number, nodeId: string): void {
    this.nodeByClient.delete(clientId);
    const clients = this.clientsByNode.get(nodeId);
    clients?.delete(clientId);
    if (clients?.size === 0) this.clientsByNode.delete(nodeId);
  }
}
