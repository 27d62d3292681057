// The server package ships the demo editor without importing editor code:
// `prepack` runs `copy`, which puts the editor's built demo
// (editor/dist/demo, from `pnpm build`) into server/demo, the folder that
// `files` publishes and `--static-dir auto` looks for first; `postpack` runs
// `remove`, so the workspace goes on serving editor/dist/demo, the fresh build,
// rather than a copy left from the last pack. Source maps stay out (the
// service worker never caches them; a missing map is only a devtools 404).
import { cpSync, existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const source = fileURLToPath(new URL('../../editor/dist/demo', import.meta.url));
const target = fileURLToPath(new URL('../demo', import.meta.url));
const command = process.argv[2];

if (command === 'copy') {
  if (!existsSync(join(source, 'index.html'))) {
    process.stderr.write(
      `@quire/server prepack: the demo editor is not built (${join(source, 'index.html')} is missing).\n` +
        'Run `pnpm build` (or `pnpm --filter @quire/editor build:demo`) at the repository root before packing @quire/server.\n',
    );
    process.exit(1);
  }
  rmSync(target, { recursive: true, force: true });
  cpSync(source, target, { recursive: true, filter: (path) => !path.endsWith('.map') });
} else if (command === 'remove') {
  rmSync(target, { recursive: true, force: true });
} else {
  process.stderr.write('usage: node scripts/demo-copy.mjs copy|remove\n');
  process.exit(2);
}
