import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Where the editor package's build puts the demo app, found relative to this
 * file (server/src/cli or server/dist/cli alike). The server only serves these
 * files; it never imports editor code.
 */
const EDITOR_DEMO_DIR = fileURLToPath(new URL('../../../editor/dist/demo', import.meta.url));

/**
 * Turns the `--static-dir` setting into a directory or null: `none` serves
 * nothing, `auto` the built editor demo when it exists, anything else that
 * directory, which must hold an index.html (a typo should fail at start-up,
 * not as 404s later).
 */
export function resolveStaticDir(setting: string, cwd: string = process.cwd()): string | null {
  if (setting === 'none') return null;
  if (setting === 'auto') return existsSync(resolve(EDITOR_DEMO_DIR, 'index.html')) ? EDITOR_DEMO_DIR : null;
  const directory = resolve(cwd, setting);
  const index = resolve(directory, 'index.html');
  if (!existsSync(index) || !statSync(index).isFile()) {
    throw new Error(`static directory ${directory} has no index.html`);
  }
  return directory;
}
