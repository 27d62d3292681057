import { WebSocket } from 'ws';
import * as Y from 'yjs';
import { QuireProvider } from '@quire/provider';
import { connectStockClient } from '../helpers/stock-client.ts';
import type { Cluster, Line } from './cluster-harness.ts';

/**
 * The clients of a cluster test: stock y-websocket clients and
 * @quire/provider clients, each writing numbered tokens into the document's
 * `log` array (so a token lost or applied twice shows) besides random text
 * edits, and, for the quire ones, remembering which tokens the server
 * acknowledged as saved.
 */

/** Close codes clients see from node deaths, cuts and their own disconnects. */
export const EXPECTED_CLOSE_CODES: ReadonlySet<number> = new Set([1000, 1001, 1005, 1006]);

export interface ClusterClient {
  readonly name: string;
  readonly kind: 'stock' | 'quire';
  readonly docName: string;
  readonly doc: Y.Doc;
  /** Every token this client wrote, in order. */
  readonly tokens: string[];
  /** The tokens a `saved` acknowledgement covered (none for stock clients). */
  readonly saved: Set<string>;
  /** A stock client's balanced line. */
  readonly line: Line | undefined;
  /** Connected and synced. */
  live(): boolean;
  /** Local updates not yet acknowledged as saved (0 for stock clients). */
  unsaved(): number;
  /** A network reset of the client's connection: it reconnects by itself. */
  drop(): void;
  connect(): void;
  disconnect(): void;
  describe(): string;
  /** Closes the client for good. */
  destroy(): void;
}

export interface ClientOptions {
  /** The node the client reaches first. */
  readonly home: number;
  /**
   * Quire clients: through a TCP line per node (so `drop()` can reset the
   * connection) instead of straight to the node's port (a stopped node then
   * refuses connections, as a dead host does). Stock clients always use one
   * balanced line.
   */
  readonly proxied?: boolean;
  /** Called when a close no failure of the test explains happens: a bad close code, or giving up. */
  readonly onProblem?: (text: string) => void;
  /** The close codes the test explains; default EXPECTED_CLOSE_CODES. */
  readonly allowedCloseCodes?: ReadonlySet<number>;
  /** Called when the client connected (writers type straight after reconnecting). */
  readonly onConnected?: (client: ClusterClient) => void;
  /** Jitter source of the quire provider's backoff, for a replayable run. */
  readonly random?: () => number;
}

const MAX_BACKOFF_MS = 1_000;

/** Writes the client's next token; returns it. */
export function writeToken(client: ClusterClient): string {
  const token = `${client.name}:${client.tokens.length}`;
  client.doc.getArray<string>('log').push([token]);
  client.tokens.push(token);
  return token;
}

/** Seeded random text edits of the `text` type, with a token now and then. */
export function randomEdit(client: ClusterClient, random: (below: number) => number): void {
  const text = client.doc.getText('text');
  const roll = random(100);
  if (roll < 40) writeToken(client);
  else if (roll < 75 && text.length < 300) text.insert(random(text.length + 1), String.fromCharCode(97 + random(26)).repeat(1 + random(4)));
  else if (text.length > 0) {
    const at = random(text.length);
    text.delete(at, 1 + random(Math.min(3, text.length - at)));
  } else writeToken(client);
}

/** The server URLs of a quire client, its home node first, then round robin. */
function rotated<T>(items: readonly T[], first: number): T[] {
  return items.map((_, index) => items[(first + index) % items.length]!);
}

export class ClusterClients {
  readonly all: ClusterClient[] = [];
  /** Client ID → client name, to name the clients in a difference. */
  readonly owners = new Map<number, string>();
  private readonly destroyers = new Map<ClusterClient, () => void>();
  private readonly defaultMaxListeners = process.getMaxListeners();

  constructor(private readonly cluster: Cluster) {}

  /** A stock y-websocket client behind one balanced line, starting at node `home`. */
  async addStock(docName: string, name: string, options: ClientOptions): Promise<ClusterClient> {
    const line = await this.cluster.openLine(options.home, true);
    // Each stock client adds a process 'exit' listener.
    process.setMaxListeners(Math.max(process.getMaxListeners(), this.defaultMaxListeners + this.all.length + 10));
    const stock = connectStockClient(line.url, docName);
    stock.provider.maxBackoffTime = MAX_BACKOFF_MS;
    const client: ClusterClient = {
      name,
      kind: 'stock',
      docName,
      doc: stock.doc,
      tokens: [],
      saved: new Set(),
      line,
      live: () => stock.provider.wsconnected && stock.provider.synced,
      unsaved: () => 0,
      drop: () => line.proxy.cutAll(),
      connect: () => stock.provider.connect(),
      disconnect: () => stock.provider.disconnect(),
      describe: () =>
        `${name} (stock, node-${line.node}): ${stock.provider.wsconnected ? 'connected' : 'not connected'}, ${stock.provider.synced ? 'synced' : 'not synced'}`,
      destroy: () => this.remove(client),
    };
    stock.provider.on('status', ({ status }: { status: string }) => {
      if (status === 'connected') options.onConnected?.(client);
    });
    stock.provider.on('connection-close', (event: { code: number; reason: string } | null) => {
      if (event !== null && !(options.allowedCloseCodes ?? EXPECTED_CLOSE_CODES).has(event.code)) options.onProblem?.(`${name} (stock) closed with ${event.code} ${event.reason}`);
    });
    this.track(client, () => stock.destroy());
    return client;
  }

  /** A @quire/provider client with every node in its URL list, node `home` first. */
  async addQuire(docName: string, name: string, options: ClientOptions): Promise<ClusterClient> {
    const lines: Line[] = [];
    if (options.proxied) for (const node of this.cluster.nodes) lines.push(await this.cluster.openLine(node.index, false));
    const urls = options.proxied ? lines.map((line) => line.url) : this.cluster.nodes.map((node) => node.url);
    const provider = new QuireProvider({
      WebSocketPolyfill: WebSocket,
      onlineTarget: null,
      visibilityTarget: null,
      urls: rotated(urls, options.home),
      document: docName,
      doc: new Y.Doc(),
      minBackoffMs: 50,
      maxBackoffMs: MAX_BACKOFF_MS,
      ...(options.random === undefined ? {} : { random: options.random }),
    });
    let savedUpTo = 0;
    const client: ClusterClient = {
      name,
      kind: 'quire',
      docName,
      doc: provider.doc,
      tokens: [],
      saved: new Set(),
      line: undefined,
      live: () => provider.status === 'connected' && provider.synced,
      unsaved: () => provider.unsavedChanges,
      drop: () => {
        for (const line of lines) line.proxy.cutAll();
      },
      connect: () => provider.connect(),
      disconnect: () => provider.disconnect(),
      describe: () => `${name} (quire, ${provider.url}): ${provider.status}, ${provider.synced ? 'synced' : 'not synced'}, ${provider.unsavedChanges} unsaved`,
      destroy: () => this.remove(client),
    };
    provider.on('status', ({ status }) => {
      if (status === 'connected') options.onConnected?.(client);
    });
    // No unsaved changes: every token written before this moment is stored.
    provider.on('unsaved-changes', (count) => {
      if (count !== 0) return;
      for (; savedUpTo < client.tokens.length; savedUpTo++) client.saved.add(client.tokens[savedUpTo]!);
    });
    provider.on('connection-close', (event) => {
      if (event.cause === 'disconnect') return;
      const code = event.serverError?.code ?? event.code;
      const why = `${event.cause} ${code} ${event.serverError?.reason ?? event.reason}`;
      if (event.reconnectDelayMs === null) options.onProblem?.(`${name} (quire) gave up: ${why}`);
      else if (!(options.allowedCloseCodes ?? EXPECTED_CLOSE_CODES).has(code)) options.onProblem?.(`${name} (quire) closed: ${why}`);
    });
    this.track(client, () => {
      provider.destroy();
      provider.doc.destroy();
    });
    return client;
  }

  /** Destroys every client of this set. */
  destroy(): void {
    for (const client of [...this.all]) this.remove(client);
    process.setMaxListeners(this.defaultMaxListeners);
  }

  private remove(client: ClusterClient): void {
    const index = this.all.indexOf(client);
    if (index >= 0) this.all.splice(index, 1);
    const destroy = this.destroyers.get(client);
    this.destroyers.delete(client);
    destroy?.();
  }

  private track(client: ClusterClient, destroy: () => void): void {
    this.all.push(client);
    this.owners.set(client.doc.clientID, client.name);
    this.destroyers.set(client, destroy);
  }
}

/** A document holding another's state: what a client held at one moment. */
export function copyOf(doc: Y.Doc): Y.Doc {
  const copy = new Y.Doc();
  Y.applyUpdate(copy, Y.encodeStateAsUpdate(doc));
  return copy;
}

export interface Editing {
  /** Edit ticks run so far. */
  readonly ticks: number;
  /** Stops the loop; resolves once it has. */
  stop(): Promise<void>;
}

/**
 * Writers editing in the background, as people typing: each tick, each
 * writer makes a random edit with a 60% chance (so several writers of a
 * document edit in the same event-loop turn), then a pause of 10–40 ms.
 * Bounded by `maxTicks` whatever happens.
 */
export function startEditing(writers: readonly ClusterClient[], random: (below: number) => number, maxTicks = 5_000): Editing {
  let running = true;
  let ticks = 0;
  const loop = (async () => {
    for (; ticks < maxTicks && running; ticks++) {
      for (const writer of writers) if (random(100) < 60) randomEdit(writer, random);
      await new Promise((resolve) => setTimeout(resolve, 10 + random(30)));
    }
  })();
  return {
    get ticks() {
      return ticks;
    },
    async stop() {
      running = false;
      await loop;
    },
  };
}
