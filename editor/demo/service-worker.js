// The demo's offline shell. The build replaces the two placeholders with the
// files it produced and a hash of them (see vite.config.ts).
//
// Pages: network first, so a deploy shows at once; without a network, the
// cached index.html, and the app then shows the document from the browser's
// own copy. Hashed assets: cache first, they never change. Everything else
// (the API, documents' WebSockets) is not touched.
const PRECACHE = __QUIRE_PRECACHE__;
const CACHE = `quire-shell-${__QUIRE_VERSION__}`;

self.addEventListener('install', (event) => {
  event.waitUntil(
    caches
      .open(CACHE)
      .then((cache) => cache.addAll(PRECACHE))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) =>
        Promise.all(keys.filter((key) => key.startsWith('quire-shell-') && key !== CACHE).map((key) => caches.delete(key))),
      )
      .then(() => self.clients.claim()),
  );
});

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === 'navigate') {
    event.respondWith(
      fetch(request).catch(() =>
        caches.open(CACHE).then((cache) => cache.match('/index.html')).then((cached) => cached ?? Response.error()),
      ),
    );
    return;
  }
  if (PRECACHE.includes(url.pathname)) {
    event.respondWith(
      caches
        .open(CACHE)
        .then((cache) => cache.match(url.pathname))
        .then((cached) => cached ?? fetch(request)),
    );
  }
});
