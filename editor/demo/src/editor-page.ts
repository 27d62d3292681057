import { createEditor, type EditorUser, type QuireEditor } from '@quire/editor';
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

/** One document: header with presence and status, toolbar, and the editor. */
export function renderEditorPage(root: HTMLElement, name: string, user: EditorUser): void {
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
