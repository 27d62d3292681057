import type { WireAdapter } from './wire-adapter.ts';

/** The y-websocket wire: one document per socket, named by the URL path. */
export function createYWebsocketWire(options: { subprotocols?: readonly string[]; stateless?: boolean } = {}): WireAdapter {
  return {
    url: (baseUrl, docName) => `${baseUrl}/${encodeURIComponent(docName)}`,
    subprotocols: options.subprotocols ?? [],
    opening: () => [],
    wrap: (_docName, message) => message,
    unwrap: (frame) => frame,
    stateless: options.stateless ?? false,
  };
}
