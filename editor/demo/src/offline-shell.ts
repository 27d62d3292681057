/**
 * Registers the service worker that keeps the app itself available offline
 * (the document comes from the editor's IndexedDB copy). Marks the page with
 * `data-offline-ready` once it is installed, so people and tests can tell.
 */
export function registerOfflineShell(): void {
  if (!import.meta.env.PROD || !('serviceWorker' in navigator)) return;
  navigator.serviceWorker.register('/sw.js').then(
    async () => {
      await navigator.serviceWorker.ready;
      document.documentElement.dataset['offlineReady'] = 'true';
    },
    (error: unknown) => {
      console.warn('offline shell unavailable', error);
    },
  );
}
