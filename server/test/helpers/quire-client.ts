import { WebSocket } from 'ws';
import * as Y from 'yjs';
import { QuireProvider, type QuireProviderOptions } from '@quire/provider';

export { QuireProvider };

const open = new Set<QuireProvider>();

type QuireClientOptions = Omit<QuireProviderOptions, 'url' | 'urls' | 'document' | 'doc'> & { doc?: Y.Doc };

/**
 * `@quire/provider` as a Node app creates it: `ws` as the WebSocket, no
 * browser online/visibility hooks. Destroyed by `destroyQuireClients`.
 */
export function connectQuireClient(serverUrl: string, docName: string, options: QuireClientOptions = {}): QuireProvider {
  const provider = new QuireProvider({
    WebSocketPolyfill: WebSocket,
    onlineTarget: null,
    visibilityTarget: null,
    ...options,
    url: serverUrl,
    document: docName,
    doc: options.doc ?? new Y.Doc(),
  });
  open.add(provider);
  return provider;
}

export function destroyQuireClients(): void {
  for (const provider of [...open]) {
    open.delete(provider);
    provider.destroy();
    provider.doc.destroy();
  }
}
