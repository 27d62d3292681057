import { readdir, readFile, stat } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';

// docs/architecture.md opens with a map of the source folders; a newcomer
// trusts it only while it matches the tree, both ways.

const root = new URL('../../', import.meta.url);
const architecture = await readFile(new URL('docs/architecture.md', root), 'utf8');
const map = /<!-- folder-map:start -->([\s\S]*)<!-- folder-map:end -->/.exec(architecture)?.[1] ?? '';
const named = [...map.matchAll(/^\| `([^`]+)` \|/gm)].map(([, folder]) => folder!);

async function subfolders(parent: string): Promise<string[]> {
  const entries = await readdir(new URL(`${parent}/`, root), { withFileTypes: true });
  return entries
    .filter((entry) => entry.isDirectory() && entry.name !== 'node_modules' && entry.name !== 'dist')
    .map((entry) => `${parent}/${entry.name}`);
}

describe('the folder map in docs/architecture.md', () => {
  it('names folders', () => {
    expect(named.length).toBeGreaterThan(10);
  });

  it.each(named)('names %s, which exists', async (folder) => {
    expect((await stat(new URL(folder, root))).isDirectory()).toBe(true);
  });

  it('names every package, every part of the server, and the editor', async () => {
    const tree = [
      ...(await subfolders('packages')),
      ...(await subfolders('server/src')),
      'server/test',
      'editor/src',
      'editor/demo',
      'editor/test',
    ];
    expect(tree.filter((folder) => !named.includes(folder))).toEqual([]);
  });
});
