import { createEditor, type QuireEditor } from '@quire/editor';

/**
 * A page's editor for one document, on the app's server (Quire mounted
 * under /collab there). The token is the app's, from its own sign-in.
 */
export function openNotes(element: HTMLElement, documentName: string, token: string): QuireEditor {
  const quire = createEditor({
    element,
    url: `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/collab`,
    document: documentName,
    user: { name: 'Ada', color: '#e11d48' },
    token,
    offline: true,
  });
  // For styling: [data-connection="offline"], [data-save="unsaved"] …
  quire.onStatus(({ connection, save }) => {
    element.dataset['connection'] = connection;
    element.dataset['save'] = save;
  });
  return quire;
}
