import { builtinModules } from 'node:module';
import { fileURLToPath } from 'node:url';
import { build, type Plugin } from 'esbuild';
import { describe, expect, it } from 'vitest';

const entry = fileURLToPath(new URL('../src/index.ts', import.meta.url));
const nodeBuiltins = new Set([...builtinModules, ...builtinModules.map((name) => `node:${name}`)]);

/** Records every import of a Node built-in instead of letting esbuild fail on the first. */
function recordNodeBuiltins(found: Set<string>): Plugin {
  return {
    name: 'record-node-builtins',
    setup(pluginBuild) {
      pluginBuild.onResolve({ filter: /.*/ }, (args) => {
        if (!nodeBuiltins.has(args.path)) return undefined;
        found.add(`${args.path} (from ${args.importer})`);
        return { path: args.path, external: true };
      });
    },
  };
}

describe('the browser build', () => {
  it('bundles for the browser without any Node built-in', async () => {
    const found = new Set<string>();
    const result = await build({
      entryPoints: [entry],
      bundle: true,
      write: false,
      format: 'esm',
      platform: 'browser',
      target: 'es2022',
      // Workspace packages resolve to their sources, as in the tests.
      conditions: ['@quire/source'],
      metafile: true,
      logLevel: 'silent',
      plugins: [recordNodeBuiltins(found)],
    });
    expect(result.errors).toEqual([]);
    expect([...found]).toEqual([]);
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs.some((input) => input.includes('yjs'))).toBe(true);
    expect(inputs.some((input) => input.includes('packages/protocol/src'))).toBe(true);
    // lib0 ships Node variants of some modules (webcrypto.node.js, …); the browser build must pick the others.
    expect(inputs.filter((input) => /\.node\.(js|mjs|cjs)$/u.test(input))).toEqual([]);
    const [output] = result.outputFiles;
    expect(output?.text).toContain('quire.v1');
    expect(output?.text).not.toMatch(/\brequire\(/u);
  });
});
