import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Where `--static-dir auto` looks for the demo app, in order, found relative
 * to this file (server/src/cli or server/dist/cli alike). The server only
 * serves these files; it never imports editor code.
 *
 * 1. The package's own `demo/` folder: the published @quire/server carries a
 *    copy of the demo (its `prepack` script copies editor/dist/demo there).
 * 2. The editor package's build in the workspace, editor/dist/demo.
 */
export const AUTO_STATIC_DIRS: readonly string[] = [
  fileURLToPath(new URL('../../demo', import.meta.url)),
  fileURLToPath(new URL('../../../editor/dist/demo', import.meta.url)),
];

/**
 * Turns the `--static-dir` setting into a directory or null: `none` serves
 * nothing, `auto` the first of `autoDirs` that holds an index.html (null if
 * none does), anything else that directory, which must hold an index.html
 * (a typo should fail at start-up, not as 404s later).
 */
export function resolveStaticDir(
  setting: string,
  cwd: string = process.cwd(),
  autoDirs: readonly string[] = AUTO_STATIC_DIRS,
): string | null {
  if (setting === 'none') return null;
  if (setting === 'auto') return autoDirs.find((directory) => existsSync(resolve(directory, 'index.html'))) ?? null;
  const directory = resolve(cwd, setting);
  const index = resolve(directory, 'index.html');
  if (!existsSync(index) || !statSync(index).isFile()) {
    throw new Error(`static directory ${directory} has no index.html`);
  }
  return directory;
}
