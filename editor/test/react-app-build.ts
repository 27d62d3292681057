import { fileURLToPath } from 'node:url';
import { build } from 'vite';

/** The test app's sources: index.html and main.tsx. */
export const REACT_APP_ROOT = fileURLToPath(new URL('./react-app', import.meta.url));

/**
 * Builds the React test app into `outDir` with React's development build:
 * only that one runs StrictMode's mount, unmount and mount again, which is
 * what the tests are about. Workspace packages come from their sources, as
 * in the demo's build.
 */
export async function buildReactApp(outDir: string): Promise<void> {
  await build({
    configFile: false,
    root: REACT_APP_ROOT,
    base: '/',
    mode: 'development',
    logLevel: 'warn',
    define: { 'process.env.NODE_ENV': JSON.stringify('development') },
    resolve: { conditions: ['@quire/source', 'browser', 'module', 'import', 'default'] },
    build: {
      outDir,
      emptyOutDir: true,
      target: 'es2022',
      minify: true,
      sourcemap: false,
      reportCompressedSize: false,
      chunkSizeWarningLimit: 4096,
      rolldownOptions: {
        // @tiptap/react's "use client" only matters to server-component bundlers.
        onwarn(warning, warn) {
          if (warning.code !== 'MODULE_LEVEL_DIRECTIVE') warn(warning);
        },
      },
    },
  });
}
