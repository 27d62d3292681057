import type { EditorUser } from '@quire/editor';
import { accessRefused, currentToken } from './access-token.ts';
import { appHeader } from './app-header.ts';
import { h } from './h.ts';
import { documentPath } from './routes.ts';
import { userChip } from './user-chip.ts';

interface ListedDocument {
  readonly name: string;
  readonly storedBytes: number;
  readonly updatedAt: string;
}

const relativeTime = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });

function ago(iso: string): string {
  const seconds = (Date.parse(iso) - Date.now()) / 1000;
  if (Number.isNaN(seconds)) return '';
  const steps: [Intl.RelativeTimeFormatUnit, number][] = [
    ['year', 31_536_000],
    ['month', 2_592_000],
    ['day', 86_400],
    ['hour', 3_600],
    ['minute', 60],
  ];
  for (const [unit, size] of steps) {
    if (Math.abs(seconds) >= size) return relativeTime.format(Math.round(seconds / size), unit);
  }
  return 'just now';
}

function size(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

function untitledName(): string {
  const suffix = Math.random().toString(36).slice(2, 8);
  return `untitled-${suffix}`;
}

/** The server refused the list: it needs a token the page does not have (or not this one). */
class ListRefused extends Error {
  constructor(readonly status: number) {
    super(`HTTP ${status}`);
  }
}

async function fetchDocuments(): Promise<ListedDocument[]> {
  const token = currentToken();
  const headers: Record<string, string> = { accept: 'application/json' };
  if (token !== undefined) headers['authorization'] = `Bearer ${token}`;
  const response = await fetch('/api/documents', { headers });
  if (response.status === 401 || response.status === 403) throw new ListRefused(response.status);
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  const body = (await response.json()) as { documents?: ListedDocument[] };
  return [...(body.documents ?? [])].sort((a, b) => b.updatedAt.localeCompare(a.updatedAt));
}

/** The home page: "new document" and the documents the server holds, latest first. */
export function renderDocumentListPage(root: HTMLElement, user: EditorUser): void {
  document.title = 'Documents · Quire';
  const nameInput = h('input', {
    name: 'document',
    placeholder: 'Name, e.g. team/notes (optional)',
    'aria-label': 'New document name',
    maxlength: '200',
    'data-testid': 'new-document-name',
  });
  const newForm = h(
    'form',
    {
      class: 'new-document',
      onsubmit: (event) => {
        event.preventDefault();
        const name = nameInput.value.trim().replace(/^\/+|\/+$/gu, '') || untitledName();
        location.assign(documentPath(name));
      },
    },
    nameInput,
    h('button', { type: 'submit', class: 'primary', 'data-testid': 'new-document' }, 'New document'),
  );
  const list = h('ul', { class: 'document-list', 'data-testid': 'document-list', 'aria-busy': 'true' });
  const message = h('p', { class: 'muted list-message' }, 'Loading…');

  root.replaceChildren(
    appHeader(userChip(user, () => undefined)),
    h(
      'main',
      { class: 'page narrow' },
      h('h1', {}, 'Documents'),
      newForm,
      h('section', { class: 'card' }, list, message),
    ),
  );

  fetchDocuments().then(
    (documents) => {
      list.removeAttribute('aria-busy');
      message.textContent = documents.length === 0 ? 'No documents yet. Create the first one above.' : '';
      message.hidden = documents.length > 0;
      list.replaceChildren(
        ...documents.map((listed) =>
          h(
            'li',
            {},
            h(
              'a',
              { href: documentPath(listed.name), 'data-testid': 'document-link' },
              h('span', { class: 'document-name' }, listed.name),
              h('span', { class: 'document-meta' }, `${ago(listed.updatedAt)} · ${size(listed.storedBytes)}`),
            ),
          ),
        ),
      );
    },
    (error: unknown) => {
      list.removeAttribute('aria-busy');
      if (error instanceof ListRefused) {
        const kind = error.status === 401 ? 'unauthorized' : 'forbidden';
        list.replaceWith(accessRefused(kind, `the server answered ${error.status}`));
        message.hidden = true;
        return;
      }
      message.textContent = navigator.onLine
        ? 'Could not load the documents from the server. Try again in a moment.'
        : 'You are offline. Documents you opened before still work.';
    },
  );
}
