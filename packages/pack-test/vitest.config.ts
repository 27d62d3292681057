import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// The pack-and-install test runs on its own (`pnpm test:packages`, a step of
// .ci/run after `pnpm test`): it needs the build, the npm registry and a
// minute or two, and the root config leaves it out.
export default defineConfig({
  test: {
    root: fileURLToPath(new URL('.', import.meta.url)),
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 420_000,
  },
});
