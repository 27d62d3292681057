import * as Y from 'yjs';
import { vi } from 'vitest';
import { WebSocket } from 'ws';
import { QuireProvider, type ConnectionCloseEvent, type QuireProviderOptions } from '../../src/index.ts';

const created = new Set<QuireProvider>();

type NodeProviderOptions = Omit<QuireProviderOptions, 'doc' | 'document'> & { doc?: Y.Doc; document?: string };

/** A provider as a Node app creates it: `ws` as the WebSocket, no browser hooks. Destroyed by `destroyNodeProviders`. */
export function createNodeProvider(options: NodeProviderOptions): QuireProvider {
  const provider = new QuireProvider({
    document: 'doc',
    WebSocketPolyfill: WebSocket,
    onlineTarget: null,
    visibilityTarget: null,
    ...options,
    doc: options.doc ?? new Y.Doc(),
  });
  created.add(provider);
  return provider;
}

export function destroyNodeProviders(): void {
  for (const provider of created) {
    provider.destroy();
    provider.doc.destroy();
  }
  created.clear();
}

export async function waitForSynced(...providers: QuireProvider[]): Promise<void> {
  await Promise.all(
    providers.map(
      (provider) =>
        new Promise<void>((resolve) => {
          if (provider.synced) {
            resolve();
            return;
          }
          const listener = (synced: boolean): void => {
            if (!synced) return;
            provider.off('sync', listener);
            resolve();
          };
          provider.on('sync', listener);
        }),
    ),
  );
}

/** Resolves when `unsavedChanges` is 0 (at once if it already is). */
export async function waitForAllSaved(provider: QuireProvider): Promise<void> {
  if (provider.unsavedChanges === 0) return;
  await new Promise<void>((resolve) => {
    const listener = (count: number): void => {
      if (count !== 0) return;
      provider.off('unsaved-changes', listener);
      resolve();
    };
    provider.on('unsaved-changes', listener);
  });
}

export async function nextClose(provider: QuireProvider): Promise<ConnectionCloseEvent> {
  return new Promise((resolve) => provider.once('connection-close', resolve));
}

/** Waits until every doc has the state vector of the first. */
export async function waitForConvergence(docs: readonly Y.Doc[], timeout = 15_000): Promise<void> {
  await vi.waitFor(
    () => {
      const [first, ...rest] = docs;
      if (first === undefined) return;
      const expected = Buffer.from(Y.encodeStateVector(first));
      for (const doc of rest) {
        if (!expected.equals(Buffer.from(Y.encodeStateVector(doc)))) throw new Error('state vectors differ');
      }
    },
    { timeout, interval: 20 },
  );
}
