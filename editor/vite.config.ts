import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';

const here = (path: string): string => fileURLToPath(new URL(path, import.meta.url));

/** Files of `demo/public`, copied as they are; the service worker precaches them too. */
const PUBLIC_FILES = ['/favicon.svg'];

/**
 * Emits `sw.js`, the demo's offline shell: the service worker template with
 * the list of files this build produced, so a reload without a network still
 * finds the app. The list's hash names the cache, so each build replaces the
 * previous one's.
 */
function offlineShell(): Plugin {
  return {
    name: 'quire-offline-shell',
    apply: 'build',
    enforce: 'post',
    async generateBundle(_options, bundle) {
      const built = Object.keys(bundle).filter((file) => !file.endsWith('.map') && file !== 'index.html');
      const precache = ['/index.html', ...PUBLIC_FILES, ...built.map((file) => `/${file}`).sort()];
      const index = bundle['index.html'];
      const indexSource = index?.type === 'asset' ? String(index.source) : '';
      const version = createHash('sha256').update(precache.join('\n')).update(indexSource).digest('hex').slice(0, 16);
      const template = await readFile(here('./demo/service-worker.js'), 'utf8');
      const source = template
        .replace('__QUIRE_PRECACHE__', JSON.stringify(precache))
        .replace('__QUIRE_VERSION__', JSON.stringify(version));
      this.emitFile({ type: 'asset', fileName: 'sw.js', source });
    },
  };
}

export default defineConfig({
  root: here('./demo'),
  // Absolute asset URLs: the same index.html answers /d/<any/depth>.
  base: '/',
  resolve: { conditions: ['@quire/source', 'browser', 'module', 'import', 'default'] },
  build: {
    outDir: here('./dist/demo'),
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
    reportCompressedSize: false,
    // Tiptap, ProseMirror and Yjs make one ~530 kB chunk; splitting it would only add requests.
    chunkSizeWarningLimit: 800,
  },
  // `pnpm --filter @quire/editor dev` runs the app against a Quire server on port 1234 (or VITE_QUIRE_SERVER).
  server: {
    proxy: { '/api': (process.env['VITE_QUIRE_SERVER'] ?? 'ws://127.0.0.1:1234').replace(/^ws/u, 'http') },
  },
  plugins: [offlineShell()],
});
