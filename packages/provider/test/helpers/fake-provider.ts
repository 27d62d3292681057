import * as Y from 'yjs';
import { QuireProvider, type QuireProviderOptions } from '../../src/index.ts';
import { FakeEventTarget } from './fake-event-target.ts';
import { createFakeWebSockets, type FakeWebSocketFactory } from './fake-websocket.ts';

export interface FakeProviderSetup {
  readonly provider: QuireProvider;
  readonly doc: Y.Doc;
  readonly sockets: FakeWebSocketFactory;
  readonly online: FakeEventTarget;
  readonly visibility: FakeEventTarget;
}

const created = new Set<QuireProvider>();

/** Options to override; `url: undefined` removes the default URL (to test `urls` or its absence). */
export type FakeProviderOptions = Partial<Omit<QuireProviderOptions, 'url'>> & { readonly url?: string | undefined };

/** A provider over in-memory sockets and fake browser hooks; jitter pinned to the middle of the window. */
export function createFakeProvider(options: FakeProviderOptions = {}): FakeProviderSetup {
  const sockets = createFakeWebSockets();
  const doc = options.doc ?? new Y.Doc();
  const online = new FakeEventTarget();
  const visibility = new FakeEventTarget();
  const { url, ...rest } = 'url' in options ? options : { ...options, url: 'ws://quire.test' };
  const provider = new QuireProvider({
    document: 'notes',
    WebSocketPolyfill: sockets.WebSocket,
    onlineTarget: online,
    visibilityTarget: visibility,
    random: () => 0.5,
    ...rest,
    ...(url === undefined ? {} : { url }),
    doc,
  });
  created.add(provider);
  return { provider, doc, sockets, online, visibility };
}

export function destroyFakeProviders(): void {
  for (const provider of created) provider.destroy();
  created.clear();
}
