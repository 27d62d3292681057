import { createEditor, type EditorUser, type QuireEditor } from '@quire/editor';
import { accessRefused, currentToken } from './access-token.ts';
import { appHeader } from './app-header.ts';
import { h } from './h.ts';
import { presenceList } from './presence-list.ts';
import { serverUrl } from './server-url.ts';
import { statusBadges } from './status-badges.ts';
import { toolbar } from './toolbar.ts';
import { userChip } from './user-chip.ts';

declare global {
  interface Window {
    /** The open editor, for the browser console (and the browser tests). */
    quire?: QuireEditor;
  }
}

/**
 * One document. Without a token, the page first asks whether the server
 * wants one (the document list answers 401 then): an editor that offers no
 * token to such a server would wait for one until the server gives up on it.
 * Offline, it opens the editor all the same, from the offline copy.
 */
export function renderEditorPage(root: HTMLElement, name: string, user: EditorUser): void {
  if (currentToken() !== undefined) {
    openEditor(root, name, user);
    return;
  }
  fetch('/api/documents', { method: 'HEAD' }).then(
    (response) => {
      if (response.status === 401) {
        document.title = `${name} · Quire`;
        root.replaceChildren(appHeader(), h('main', { class: 'page narrow' }, accessRefused('unauthorized', 'no token')));
      } else openEditor(root, name, user);
    },
    () => openEditor(root, name, user),
  );
}

/** Header with presence and status, toolbar, and the editor. */
function openEditor(root: HTMLElement, name: string, user: EditorUser): void {
  document.title = `${name} · Quire`;
  const surface = h('div', { class: 'editor-surface', 'data-testid': 'editor' });
  let handle: QuireEditor;
  try {
    handle = createEditor({
      element: surface,
      url: serverUrl(),
      document: name,
      user,
      offline: true,
      ...tokenOption(),
      editorOptions: {
        autofocus: 'end',
        editorProps: { attributes: { 'aria-label': `Document ${name}`, spellcheck: 'true' } },
      },
    });
  } catch (error) {
    root.replaceChildren(
      appHeader(),
      h(
        'main',
        { class: 'page narrow' },
        h('h1', {}, 'Cannot open this document'),
        h('p', { class: 'muted' }, error instanceof Error ? error.message : String(error)),
        h('p', {}, h('a', { href: '/' }, 'Back to the documents')),
      ),
    );
    return;
  }
  window.quire = handle;
  window.addEventListener('pagehide', () => void handle.destroy(), { once: true });
  // Refused for good (no token, a bad one, or one without this document):
  // say so in place of an editor that would never sync.
  handle.provider.on('permission-denied', ({ reason }) => {
    void handle.destroy();
    const kind = /FORBIDDEN/u.test(reason) ? 'forbidden' : 'unauthorized';
    root.replaceChildren(appHeader(), h('main', { class: 'page narrow' }, accessRefused(kind, reason)));
  });

  root.replaceChildren(
    appHeader(presenceList(handle), statusBadges(handle), userChip(user, (next) => handle.setUser(next))),
    h(
      'main',
      { class: 'page' },
      h(
        'div',
        { class: 'document-heading' },
        h('a', { class: 'back', href: '/', 'aria-label': 'All documents' }, '←'),
        h('h1', { class: 'document-title', 'data-testid': 'document-title' }, name),
      ),
      h('section', { class: 'card editor-card' }, toolbar(handle.editor), surface),
    ),
  );
}

function tokenOption(): { token?: string } {
  const token = currentToken();
  return token === undefined ? {} : { token };
}
