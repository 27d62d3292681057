import * as Y from 'yjs';
import WebSocket from 'ws';
import { QuireProvider } from '@quire/provider';

/**
 * Appends `text` to a document from Node and resolves once the server has
 * confirmed it stored, which @quire/provider reports as 0 unsaved changes.
 */
export async function appendText(url: string, document: string, text: string): Promise<string> {
  const doc = new Y.Doc();
  const provider = new QuireProvider({ url, document, doc, WebSocketPolyfill: WebSocket });
  try {
    await new Promise<void>((resolve) => {
      if (provider.synced) resolve();
      else provider.once('synced', () => resolve());
    });
    const content = doc.getText('text');
    content.insert(content.length, text);
    await new Promise<void>((resolve) => {
      const onUnsaved = (count: number): void => {
        if (count > 0) return;
        provider.off('unsaved-changes', onUnsaved);
        resolve();
      };
      provider.on('unsaved-changes', onUnsaved);
    });
    return content.toString();
  } finally {
    provider.destroy();
    doc.destroy();
  }
}
