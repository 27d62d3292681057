import { defineConfig } from 'vitest/config';

// Workspace packages resolve to their TypeScript sources through the scoped
// "@quire/source" export condition, so tests never need a prior build.
const conditions = ['@quire/source', 'node', 'import', 'default'];
// Vitest also hands the SSR conditions to Node as --conditions flags, for the
// packages Node loads itself; there 'import' would make a CommonJS package's
// require() of a dual package load its ES module (Express's router requiring
// is-promise gets a namespace, not the function). Vite adds 'import' to
// ES imports by itself.
const nodeConditions = conditions.filter((condition) => condition !== 'import');

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions: nodeConditions, externalConditions: conditions } },
  test: {
    include: ['packages/*/src/**/*.test.ts', 'packages/*/test/**/*.test.ts', 'server/**/*.test.ts', 'editor/src/**/*.test.ts', 'editor/test/**/*.test.ts'],
    // packages/pack-test packs and installs the packages: its own run (pnpm test:packages).
    exclude: ['**/node_modules/**', '**/dist/**', 'packages/pack-test/**'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
