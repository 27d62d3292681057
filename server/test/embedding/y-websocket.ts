import * as Y from 'yjs';
import WebSocket from 'ws';
import { WebsocketProvider } from 'y-websocket';

/** Reads a document with the stock y-websocket client: any Yjs client works with Quire. */
export async function readText(serverUrl: string, document: string): Promise<string> {
  const doc = new Y.Doc();
  const provider = new WebsocketProvider(serverUrl, document, doc, {
    WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
    disableBc: true,
  });
  try {
    await new Promise<void>((resolve) => {
      provider.once('sync', (synced: boolean) => {
        if (synced) resolve();
      });
    });
    return doc.getText('text').toString();
  } finally {
    provider.destroy();
    doc.destroy();
  }
}
