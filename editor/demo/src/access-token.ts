import { h } from './h.ts';

// The demo against a server with authentication on: a token comes from the
// page URL (`?token=`, as an app would link to a document) or is typed into
// a prompt, and is kept for this browser tab's session only.
const STORAGE_KEY = 'quire.token';

/** The token to use: one in the URL (remembered, and removed from the address bar), else the session's. */
export function currentToken(): string | undefined {
  const url = new URL(location.href);
  const fromUrl = url.searchParams.get('token');
  if (fromUrl !== null && fromUrl !== '') {
    rememberToken(fromUrl);
    url.searchParams.delete('token');
    history.replaceState(history.state, '', url.pathname + url.search + url.hash);
    return fromUrl;
  }
  return sessionStorage.getItem(STORAGE_KEY) ?? undefined;
}

export function rememberToken(token: string): void {
  sessionStorage.setItem(STORAGE_KEY, token);
}

/**
 * A clear message in place of a page the server refused, with a prompt for
 * a token: `unauthorized` when the server wants one (none, or one it does not
 * accept), `forbidden` when the token does not open this document.
 */
export function accessRefused(kind: 'unauthorized' | 'forbidden', detail: string): HTMLElement {
  const input = h('input', {
    name: 'token',
    type: 'password',
    autocomplete: 'off',
    placeholder: 'Paste a token',
    'aria-label': 'Access token',
    'data-testid': 'token-input',
  });
  const form = h(
    'form',
    {
      class: 'token-form',
      onsubmit: (event) => {
        event.preventDefault();
        const token = input.value.trim();
        if (token === '') return;
        rememberToken(token);
        location.reload();
      },
    },
    input,
    h('button', { type: 'submit', class: 'primary', 'data-testid': 'token-submit' }, 'Use token'),
  );
  const title = kind === 'unauthorized' ? 'This server needs an access token' : 'Your token does not open this';
  const hint =
    kind === 'unauthorized'
      ? 'Ask whoever runs this server for a token (quire-server token prints one), then paste it here.'
      : 'Paste a token that grants this document, or go back to the documents.';
  return h(
    'section',
    { class: 'card access-refused', role: 'alert', 'data-testid': 'access-refused', 'data-kind': kind },
    h('h1', {}, title),
    h('p', { class: 'muted' }, `${hint} (${detail})`),
    form,
    h('p', {}, h('a', { href: '/' }, 'Back to the documents')),
  );
}
