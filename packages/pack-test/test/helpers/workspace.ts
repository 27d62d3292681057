import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root, with a trailing slash. */
export const WORKSPACE_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

export interface PackageJson {
  readonly name: string;
  readonly version: string;
  readonly private?: boolean;
  readonly description?: string;
  readonly license?: string;
  readonly engines?: Readonly<Record<string, string>>;
  readonly bin?: Readonly<Record<string, string>>;
  readonly exports?: Readonly<Record<string, Readonly<Record<string, string>>>>;
  readonly dependencies?: Readonly<Record<string, string>>;
  readonly devDependencies?: Readonly<Record<string, string>>;
  readonly peerDependencies?: Readonly<Record<string, string>>;
}

export async function readPackageJson(directory: string): Promise<PackageJson> {
  return JSON.parse(await readFile(join(directory, 'package.json'), 'utf8')) as PackageJson;
}

export interface WorkspacePackage {
  readonly directory: string;
  readonly manifest: PackageJson;
}

/** Every package of the workspace (pnpm-workspace.yaml: packages/*, server, editor) that is not private. */
export async function publishablePackages(): Promise<WorkspacePackage[]> {
  const libraries = (await readdir(join(WORKSPACE_ROOT, 'packages'), { withFileTypes: true }))
    .filter((entry) => entry.isDirectory())
    .map((entry) => join(WORKSPACE_ROOT, 'packages', entry.name));
  const directories = [...libraries, join(WORKSPACE_ROOT, 'server'), join(WORKSPACE_ROOT, 'editor')].filter((directory) =>
    existsSync(join(directory, 'package.json')),
  );
  const packages = await Promise.all(directories.map(async (directory) => ({ directory, manifest: await readPackageJson(directory) })));
  return packages.filter((entry) => entry.manifest.private !== true).sort((a, b) => a.manifest.name.localeCompare(b.manifest.name));
}

/**
 * The version range the workspace uses for a registry package, so the
 * installed project gets what the workspace's own tests ran with: from the
 * editor (Tiptap, React, Vite), the provider (ws) or the root (TypeScript,
 * Node's types).
 */
export async function workspaceRange(name: string): Promise<string> {
  for (const directory of ['editor', 'packages/provider', '.']) {
    const manifest = await readPackageJson(join(WORKSPACE_ROOT, directory));
    const range = manifest.devDependencies?.[name] ?? manifest.dependencies?.[name];
    if (range !== undefined) return range;
  }
  throw new Error(`the workspace does not depend on ${name}`);
}

/** What `pnpm build` makes and packing needs; the message says how to make it. */
export function missingBuildOutputs(packages: readonly WorkspacePackage[]): string[] {
  const needed = [
    ...packages.map((entry) => join(entry.directory, 'dist', 'index.js')),
    join(WORKSPACE_ROOT, 'server', 'dist', 'cli.js'),
    join(WORKSPACE_ROOT, 'editor', 'dist', 'demo', 'index.html'),
  ];
  return needed.filter((path) => !existsSync(path));
}
