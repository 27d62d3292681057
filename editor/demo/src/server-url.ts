/**
 * The Quire server's WebSocket URL. Built, the app is served by that server,
 * so it is this page's own host. Under `vite` dev, it is a server running
 * beside it (`VITE_QUIRE_SERVER`, default ws://127.0.0.1:1234); the dev
 * server proxies `/api` there too (vite.config.ts).
 */
export function serverUrl(): string {
  if (import.meta.env.DEV) return import.meta.env.VITE_QUIRE_SERVER ?? 'ws://127.0.0.1:1234';
  return `${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}`;
}
