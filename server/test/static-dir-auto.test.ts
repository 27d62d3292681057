import { mkdir, writeFile } from 'node:fs/promises';
import { join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { createTempDir, removeTempDirs } from '@quire/test-utils';
import { AUTO_STATIC_DIRS, resolveStaticDir } from '../src/cli/static-dir-setting.ts';

afterEach(async () => {
  await removeTempDirs();
});

/** A directory holding a built app (an index.html), or not. */
async function appDir(parent: string, name: string, built: boolean): Promise<string> {
  const directory = join(parent, name);
  await mkdir(directory, { recursive: true });
  if (built) await writeFile(join(directory, 'index.html'), '<!doctype html><title>app</title>');
  return directory;
}

describe('--static-dir auto', () => {
  it("looks in the package's own demo folder first, then in the workspace's editor build", () => {
    const server = fileURLToPath(new URL('..', import.meta.url));
    const repository = fileURLToPath(new URL('../..', import.meta.url));
    // Relative to server/src/cli and server/dist/cli alike: the same two folders.
    expect(AUTO_STATIC_DIRS).toEqual([join(server, 'demo'), join(repository, 'editor', 'dist', 'demo')]);
    expect(AUTO_STATIC_DIRS[0]?.endsWith(`${sep}server${sep}demo`)).toBe(true);
  });

  it("serves the package's demo folder when it holds a built app, even beside a workspace build", async () => {
    const parent = await createTempDir();
    const packageDemo = await appDir(parent, 'package-demo', true);
    const workspaceDemo = await appDir(parent, 'workspace-demo', true);
    expect(resolveStaticDir('auto', parent, [packageDemo, workspaceDemo])).toBe(packageDemo);
  });

  it('falls back to the workspace build when the package folder is missing or has no index.html', async () => {
    const parent = await createTempDir();
    const emptyPackageDemo = await appDir(parent, 'package-demo', false);
    const workspaceDemo = await appDir(parent, 'workspace-demo', true);
    expect(resolveStaticDir('auto', parent, [emptyPackageDemo, workspaceDemo])).toBe(workspaceDemo);
    expect(resolveStaticDir('auto', parent, [join(parent, 'missing'), workspaceDemo])).toBe(workspaceDemo);
  });

  it('serves nothing when neither holds a built app, instead of failing', async () => {
    const parent = await createTempDir();
    const packageDemo = await appDir(parent, 'package-demo', false);
    expect(resolveStaticDir('auto', parent, [packageDemo, join(parent, 'missing')])).toBeNull();
  });
});
