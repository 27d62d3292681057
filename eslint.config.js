// The lint gate (`pnpm lint`, run by CI). Type-aware: TypeScript files are
// checked against the same programs the build and the tests use —
// tsconfig.tests.json (every package's and the server's sources and tests),
// editor/tsconfig.demo.json (the editor, its demo and its browser tests) and
// packages/pack-test/tsconfig.json (the apps and scripts the pack test installs).
// Import cycles are checked by dpdm in the same script (see package.json), as
// ESLint's cycle rules skip type-only imports.
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const TEST_FILES = ['**/*.test.ts', '**/test/**/*.{ts,mjs,js}'];

export default defineConfig(
  {
    ignores: [
      '**/dist/**',
      '**/node_modules/**',
      '**/coverage/**',
      'packages/bench/peers/**',
      'editor/dist/**',
      'data/**',
      'test-artifacts/**',
    ],
  },
  { linterOptions: { reportUnusedDisableDirectives: 'error' } },

  js.configs.recommended,
  tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      globals: { ...globals.node },
      parserOptions: {
        project: ['./tsconfig.tests.json', './editor/tsconfig.demo.json', './packages/pack-test/tsconfig.json'],
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        {
          args: 'after-used',
          argsIgnorePattern: '^_',
          varsIgnorePattern: '^_',
          caughtErrorsIgnorePattern: '^_',
          destructuredArrayIgnorePattern: '^_',
          ignoreRestSiblings: true,
        },
      ],
      '@typescript-eslint/no-unused-expressions': 'error',
      // Yjs's typings leave out the `toString()` of its shared types, which
      // return the text or XML they hold: not Object's "[object Object]".
      '@typescript-eslint/no-base-to-string': [
        'error',
        { ignoredTypeNames: ['Error', 'RegExp', 'URL', 'URLSearchParams', 'YText', 'YXmlFragment', 'YXmlElement', 'YXmlText'] },
      ],
      // Passing on a caught error as a rejection is as fine as rethrowing it
      // (which only-throw-error allows): the catch cannot know its type.
      '@typescript-eslint/prefer-promise-reject-errors': ['error', { allowThrowingUnknown: true }],
      'no-console': 'error',
    },
  },

  // Plain JavaScript (this file, the storage-level test fixtures, the demo's
  // service worker) is in no TypeScript program: no type-aware rules there.
  {
    files: ['**/*.{js,mjs,cjs}'],
    extends: [tseslint.configs.disableTypeChecked],
  },

  // The editor and its demo run in a browser.
  {
    files: ['editor/src/**/*.ts', 'editor/demo/src/**/*.ts'],
    languageOptions: { globals: { ...globals.browser } },
  },
  {
    files: ['editor/demo/service-worker.js'],
    languageOptions: {
      globals: {
        ...globals.serviceworker,
        // Replaced by the demo's build (editor/vite.config.ts).
        __QUIRE_PRECACHE__: 'readonly',
        __QUIRE_VERSION__: 'readonly',
      },
    },
  },

  // Where printing is the point: tests and their helpers, the benchmark (a
  // command-line program that prints its tables), and the demo app, whose
  // only log is the browser's console.
  {
    files: [...TEST_FILES, 'packages/bench/**'],
    rules: { 'no-console': 'off' },
  },
  {
    files: ['editor/demo/src/**/*.ts'],
    rules: { 'no-console': ['error', { allow: ['warn', 'error'] }] },
  },
);
