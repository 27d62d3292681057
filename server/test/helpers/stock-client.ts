import { WebSocket } from 'ws';
import * as Y from 'yjs';
import { WebsocketProvider } from 'y-websocket';
import { vi } from 'vitest';

export interface StockClient {
  readonly doc: Y.Doc;
  readonly provider: WebsocketProvider;
  destroy(): void;
}

const open = new Set<StockClient>();

/**
 * The stock y-websocket client, as an app would use it in Node. Cross-tab
 * BroadcastChannel sync is off so that clients in one test process can only
 * reach each other through the server.
 */
export function connectStockClient(
  serverUrl: string,
  docName: string,
  options: { doc?: Y.Doc; connect?: boolean; protocols?: string[]; params?: Record<string, string> } = {},
): StockClient {
  const doc = options.doc ?? new Y.Doc();
  const provider = new WebsocketProvider(serverUrl, docName, doc, {
    WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
    disableBc: true,
    connect: options.connect ?? true,
    protocols: options.protocols ?? [],
    // URL query parameters: `{ token }` is how a stock client presents a JWT.
    params: options.params ?? {},
  });
  const client: StockClient = {
    doc,
    provider,
    destroy() {
      open.delete(client);
      provider.destroy();
      doc.destroy();
    },
  };
  open.add(client);
  return client;
}

export function destroyStockClients(): void {
  for (const client of [...open]) client.destroy();
}

export async function waitForSynced(...clients: StockClient[]): Promise<void> {
  await Promise.all(
    clients.map(
      (client) =>
        new Promise<void>((resolve) => {
          if (client.provider.synced) resolve();
          else client.provider.once('sync', (synced: boolean) => synced && resolve());
        }),
    ),
  );
}

/** Waits until every doc has the same state vector and the same content as the first. */
export async function waitForConvergence(docs: Y.Doc[], timeout = 10_000): Promise<void> {
  await vi.waitFor(
    () => {
      const [first, ...rest] = docs;
      if (first === undefined) return;
      const expected = Y.encodeStateVector(first);
      for (const doc of rest) {
        if (Buffer.compare(Buffer.from(Y.encodeStateVector(doc)), Buffer.from(expected)) !== 0) {
          throw new Error('state vectors differ');
        }
      }
    },
    { timeout, interval: 10 },
  );
}
