/**
 * The meta tag in which the serving Quire server names the path prefix of
 * documents' WebSockets (its `--path-prefix`).
 */
const SYNC_PATH_META = 'quire-sync-path';

/** The prefix the page was served with, without a trailing slash; '' for the root. */
export function syncPathPrefix(page: Pick<Document, 'querySelector'>): string {
  const content = page.querySelector<HTMLMetaElement>(`meta[name="${SYNC_PATH_META}"]`)?.content ?? '/';
  return content.startsWith('/') ? content.replace(/\/+$/u, '') : '';
}

/**
 * The Quire server's WebSocket URL. Built, the app is served by that server,
 * so it is this page's own host, under the prefix the server put in the page.
 * Under `vite` dev, it is a server running beside it (`VITE_QUIRE_SERVER`,
 * default ws://127.0.0.1:1234); the dev server proxies `/api` there too
 * (vite.config.ts).
 */
export function serverUrl(): string {
  if (import.meta.env.DEV) return import.meta.env.VITE_QUIRE_SERVER ?? 'ws://127.0.0.1:1234';
  return `${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}${syncPathPrefix(document)}`;
}
