// The publishable packages as a user gets them: packed by pnpm (which turns
// workspace:* into versions and applies publishConfig), installed with npm
// from the tarballs into a fresh project outside the workspace, and used
// there the way the READMEs say — `npx quire-server`, a Node provider, an
// embedded server, a Vite app with createEditor and a React app with
// @quire/editor/react in Chromium, two embedded nodes on PostgreSQL. Needs `pnpm build` first (the
// `test:packages` script runs it) and the npm registry.
import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type Browser, type Page } from 'playwright-core';
import { createTestDatabase, needPostgres } from '@quire/test-utils';
import { consumerEnv, killChildren, lastJsonLine, run, startCliServer, type CliServer, type RunOptions } from './helpers/child-processes.ts';
import {
  missingBuildOutputs,
  publishablePackages,
  readPackageJson,
  workspaceRange,
  WORKSPACE_ROOT,
  type PackageJson,
  type WorkspacePackage,
} from './helpers/workspace.ts';

const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url));
// The embedded nodes need PostgreSQL: skipped with the reason without it, failed under QUIRE_REQUIRE_SERVICES=1.
const postgres = await needPostgres();

/** What must be published; a new publishable package is added here on purpose, not by accident. */
const EXPECTED_PACKAGES = [
  '@quire/editor',
  '@quire/protocol',
  '@quire/provider',
  '@quire/server',
  '@quire/storage',
  '@quire/storage-level',
  '@quire/storage-postgres',
  '@quire/yjs-update',
];

/**
 * What the installed project takes from the registry beside the tarballs, at
 * the workspace's versions. Yjs, y-protocols and the Tiptap packages the
 * editor peers on come in as peers (npm installs them). @tiptap/react's menu
 * extensions are optional dependencies with a caret range: npm would take
 * their newest release, whose exact peer on @tiptap/core conflicts with the
 * editor's; an app pins them to its Tiptap version, as the workspace does.
 */
const REGISTRY_PACKAGES = [
  'vite',
  'react',
  'react-dom',
  '@tiptap/react',
  '@tiptap/extension-bubble-menu',
  '@tiptap/extension-floating-menu',
  'ws',
  'typescript',
  '@types/node',
  '@types/react',
  '@types/react-dom',
  '@types/ws',
];

/** The text Yjs logs when a second copy of it is imported: it occurs once in each copy's code. */
const YJS_COPY_MARKER = 'Yjs was already imported';

const CHROMIUM_PATH = '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--disable-background-networking', '--no-first-run'];

const INSTALL_TIMEOUT_MS = 300_000;
const COMMAND_TIMEOUT_MS = 60_000;

function note(message: string): void {
  process.stderr.write(`[pack-test] ${message}\n`);
}

interface Session {
  root: string;
  app: string;
  packages: WorkspacePackage[];
  env: NodeJS.ProcessEnv;
}

const session = {} as Session;
const inApp = (timeoutMs = COMMAND_TIMEOUT_MS): RunOptions => ({ cwd: session.app, env: session.env, timeoutMs });

beforeAll(async () => {
  const started = performance.now();
  session.packages = await publishablePackages();
  const missing = missingBuildOutputs(session.packages);
  if (missing.length > 0) {
    throw new Error(`run \`pnpm build\` first (pnpm test:packages does); missing:\n${missing.join('\n')}`);
  }
  session.env = consumerEnv(WORKSPACE_ROOT);
  session.root = await mkdtemp(join(tmpdir(), 'quire-pack-test-'));
  const tarballDir = join(session.root, 'tarballs');
  session.app = join(session.root, 'app');
  await mkdir(tarballDir);
  await mkdir(session.app);

  // `pnpm pack` runs the packages' prepack scripts (the server's copies the demo in).
  const packed = await Promise.all(
    session.packages.map(async ({ directory }) => {
      const { stdout } = await run('pnpm', ['pack', '--pack-destination', tarballDir], { cwd: directory, env: process.env, timeoutMs: COMMAND_TIMEOUT_MS });
      const tarball = stdout.trim().split('\n').at(-1) ?? '';
      if (!tarball.endsWith('.tgz') || !existsSync(tarball)) throw new Error(`pnpm pack in ${directory} printed no tarball:\n${stdout}`);
      return tarball;
    }),
  );
  note(`packed ${packed.length} packages in ${Math.round(performance.now() - started)} ms`);

  await run('npm', ['init', '-y'], inApp());
  await run('npm', ['pkg', 'set', 'type=module'], inApp());
  await cp(join(FIXTURES, 'consumer.tsconfig.json'), join(session.app, 'tsconfig.json'));
  for (const folder of ['node', 'vanilla-app', 'react-app']) await cp(join(FIXTURES, folder), join(session.app, folder), { recursive: true });

  const registry = await Promise.all(REGISTRY_PACKAGES.map(async (name) => `${name}@${await workspaceRange(name)}`));
  const install = await run('npm', ['install', '--no-audit', '--no-fund', ...packed, ...registry], inApp(INSTALL_TIMEOUT_MS));
  note(`npm install of the tarballs and ${registry.join(' ')} took ${install.ms} ms`);
  note(`setup took ${Math.round(performance.now() - started)} ms in ${session.root}`);
  // Started now, run side by side, awaited by the tests that need them.
  for (const pending of [compileFixtures(), buildApp('vanilla-app'), buildApp('react-app')]) pending.catch(() => undefined);
}, INSTALL_TIMEOUT_MS + 120_000);

afterAll(async () => {
  await killChildren();
  if (session.root !== undefined) await rm(session.root, { recursive: true, force: true });
});

/** The installed copy of a package in the project. */
const installed = (name: string): string => join(session.app, 'node_modules', ...name.split('/'));

/** Directories named `yjs` holding Yjs, anywhere under the project's node_modules. */
async function yjsCopiesOnDisk(nodeModules: string): Promise<string[]> {
  const copies: string[] = [];
  const visit = async (directory: string): Promise<void> => {
    for (const entry of await readdir(directory, { withFileTypes: true })) {
      if (!entry.isDirectory() || entry.name.startsWith('.')) continue;
      const path = join(directory, entry.name);
      if (entry.name.startsWith('@')) {
        await visit(path);
        continue;
      }
      if (entry.name === 'yjs' && existsSync(join(path, 'package.json')) && (await readPackageJson(path)).name === 'yjs') copies.push(path);
      if (existsSync(join(path, 'node_modules'))) await visit(join(path, 'node_modules'));
    }
  };
  await visit(nodeModules);
  return copies;
}

let compiled: Promise<void> | undefined;
/** tsc over the fixtures with the project's own tsconfig: type-checks them against the packed declarations and emits the Node scripts into build/. */
function compileFixtures(): Promise<void> {
  compiled ??= run('npx', ['--no-install', 'tsc', '-p', 'tsconfig.json'], inApp()).then(({ ms }) => note(`tsc over the fixtures took ${ms} ms`));
  return compiled;
}

/** Runs a compiled fixture script with node and returns the JSON it printed. */
async function runScript(script: string, args: readonly string[]): Promise<unknown> {
  await compileFixtures();
  const { stdout } = await run(process.execPath, [join('build', 'node', `${script}.js`), ...args], inApp());
  return lastJsonLine(stdout);
}

const builds = new Map<string, Promise<string>>();
/** Builds a fixture app with the project's Vite (`vite build`, production) and resolves with its output directory. */
function buildApp(name: 'vanilla-app' | 'react-app'): Promise<string> {
  let build = builds.get(name);
  if (build === undefined) {
    const outDir = join(session.app, 'dist', name);
    build = run('npx', ['--no-install', 'vite', 'build', name, '--outDir', outDir, '--emptyOutDir', '--logLevel', 'warn'], inApp()).then(({ ms }) => {
      note(`vite build ${name} took ${ms} ms`);
      return outDir;
    });
    builds.set(name, build);
  }
  return build;
}

/** How many copies of Yjs the app's built JavaScript holds. */
async function yjsCopiesInBundle(outDir: string): Promise<number> {
  const assets = join(outDir, 'assets');
  let copies = 0;
  for (const file of await readdir(assets)) {
    if (!file.endsWith('.js')) continue;
    copies += (await readFile(join(assets, file), 'utf8')).split(YJS_COPY_MARKER).length - 1;
  }
  return copies;
}

async function withServer<T>(args: readonly string[], body: (server: CliServer) => Promise<T>): Promise<T> {
  const server = await startCliServer(args, inApp(30_000));
  try {
    return await body(server);
  } finally {
    await server.stop();
  }
}

describe('the packed packages, installed with npm outside the workspace', { timeout: 120_000 }, () => {
  it('installs every publishable package from its tarball, as published: versions, licence, readme, no workspace leftovers', async () => {
    expect(session.packages.map((entry) => entry.manifest.name)).toEqual(EXPECTED_PACKAGES);
    for (const { manifest } of session.packages) {
      const directory = installed(manifest.name);
      const text = await readFile(join(directory, 'package.json'), 'utf8');
      const published = JSON.parse(text) as PackageJson;
      expect(published.version, manifest.name).toBe(manifest.version);
      // pnpm replaced workspace:* with versions and applied publishConfig.exports.
      expect(text, manifest.name).not.toContain('workspace:');
      expect(text, manifest.name).not.toContain('@quire/source');
      expect(published.private, manifest.name).toBeUndefined();
      expect(published.license, manifest.name).toBe('MIT');
      expect(published.engines?.['node'], manifest.name).toBe('>=20.19');
      expect(published.description, manifest.name).toMatch(/\w/u);
      for (const file of ['LICENSE', 'README.md']) expect(existsSync(join(directory, file)), `${manifest.name} ${file}`).toBe(true);
      expect(existsSync(join(directory, 'src')), `${manifest.name} src`).toBe(false);
      expect(existsSync(join(directory, 'dist', '.tsbuildinfo')), `${manifest.name} .tsbuildinfo`).toBe(false);
      const targets = [...Object.values(published.exports ?? {}).flatMap((conditions) => Object.values(conditions)), ...Object.values(published.bin ?? {})];
      expect(targets.length, manifest.name).toBeGreaterThan(0);
      for (const target of targets) expect(existsSync(join(directory, target)), `${manifest.name} ${target}`).toBe(true);
    }
    // The server carries the demo (its prepack copied it), without source maps.
    const demo = join(installed('@quire/server'), 'demo');
    expect(existsSync(join(demo, 'index.html'))).toBe(true);
    const demoFiles = await readdir(demo, { recursive: true });
    expect(demoFiles.some((file) => file.endsWith('.js'))).toBe(true);
    expect(demoFiles.filter((file) => file.endsWith('.map'))).toEqual([]);
    expect(await yjsCopiesInBundle(demo)).toBe(1);
    // The editor leaves its demo build out.
    expect(existsSync(join(installed('@quire/editor'), 'dist', 'demo'))).toBe(false);
  });

  it('resolves every dependency and peer (npm ls) with exactly one copy of yjs', async () => {
    // Exit status 0: nothing missing, invalid (a peer out of range) or extraneous.
    await run('npm', ['ls', '--all'], inApp());
    const { stdout } = await run('npm', ['ls', 'yjs', '--all', '--parseable'], inApp());
    const paths = new Set(stdout.split('\n').filter((line) => line.trim() !== ''));
    expect([...paths]).toEqual([join(session.app, 'node_modules', 'yjs')]);
    expect((await yjsCopiesOnDisk(join(session.app, 'node_modules'))).map((path) => relative(session.app, path))).toEqual([join('node_modules', 'yjs')]);
  });

  it("type-checks the apps and scripts against the packed declarations (tsc, the project's own tsconfig)", async () => {
    await compileFixtures();
    expect(existsSync(join(session.app, 'build', 'node', 'write-text.js'))).toBe(true);
  });

  it('npx quire-server serves the packaged demo at /, stores what a Node provider writes, and keeps it across a restart', async () => {
    const dataDir = join(session.root, 'cli-data');
    const text = 'Saved through npx quire-server';
    const logs = await withServer(['--data-dir', dataDir], async (server) => {
      // --static-dir defaults to auto: the demo folder inside the installed package.
      const served = server.logs.find((entry) => entry.msg === 'serving the web app');
      expect(served?.['staticDir']).toBe(join(installed('@quire/server'), 'demo'));
      const response = await fetch(`${server.httpUrl}/`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^text\/html/u);
      const page = await response.text();
      const packaged = await readFile(join(installed('@quire/server'), 'demo', 'index.html'), 'utf8');
      const script = /<script type="module"[^>]*src="([^"]+)"/u.exec(packaged)?.[1];
      expect(script).toMatch(/^\/assets\/index-.+\.js$/u);
      expect(page).toContain(`src="${script}"`);
      expect(page).toContain('<title>Quire</title>');
      expect((await fetch(`${server.httpUrl}${script}`)).status).toBe(200);

      const written = (await runScript('write-text', [server.url, 'installed/cli', text])) as { unsavedAfterEdit: number; unsavedAtEnd: number };
      expect(written.unsavedAfterEdit).toBeGreaterThan(0);
      expect(written.unsavedAtEnd).toBe(0);
      return server.logs;
    });
    // Stopped by SIGTERM through npx: a graceful shutdown, not a kill.
    expect(logs.map((entry) => entry.msg)).toContain('quire sync server closed');
    await withServer(['--data-dir', dataDir, '--static-dir', 'none'], async (server) => {
      const read = (await runScript('read-document', [server.url, 'installed/cli', 'text', text])) as { content: string };
      expect(read.content).toBe(text);
    });
  });

  it('embeds the server in a Node app: createSyncServer over createLevelStore, a provider saves, close releases the directory', async () => {
    const result = (await runScript('embedded-server', [join(session.root, 'embedded-data')])) as {
      url: string;
      written: { unsavedAfterEdit: number; unsavedAtEnd: number };
      connectionsAfterClose: number;
      content: string;
    };
    expect(result.url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+$/u);
    expect(result.written.unsavedAfterEdit).toBeGreaterThan(0);
    expect(result.written.unsavedAtEnd).toBe(0);
    expect(result.connectionsAfterClose).toBe(0);
    expect(result.content).toBe('Stored by an embedded server');
  });

  it.runIf(postgres.ok)('embeds two nodes on one PostgreSQL database: createPostgresStore and cluster, one node reads what the other saved', async () => {
    const database = await createTestDatabase();
    try {
      const result = (await runScript('embedded-nodes', [database.url])) as {
        written: { unsavedAfterEdit: number; unsavedAtEnd: number };
        content: string;
      };
      expect(result.written.unsavedAfterEdit).toBeGreaterThan(0);
      expect(result.written.unsavedAtEnd).toBe(0);
      expect(result.content).toBe('Written on one node, read on another');
    } finally {
      await database.drop();
    }
  });

  it("counts copies of yjs by a marker that occurs once in each of Yjs's builds (ESM and CommonJS)", async () => {
    // So a bundle with a second copy of either build counts 2, and one with none 0.
    for (const build of ['yjs.mjs', 'yjs.cjs']) {
      const code = await readFile(join(installed('yjs'), 'dist', build), 'utf8');
      expect(code.split(YJS_COPY_MARKER).length - 1, build).toBe(1);
    }
  });

  it.each(['vanilla-app', 'react-app'] as const)('builds the %s with Vite, bundling exactly one copy of yjs', async (name) => {
    const outDir = await buildApp(name);
    expect(existsSync(join(outDir, 'index.html'))).toBe(true);
    // At least one: the marker really is in Yjs's code, so counting it means something.
    expect(await yjsCopiesInBundle(outDir)).toBe(1);
  });
});

const chromiumProblem = existsSync(CHROMIUM_PATH) ? null : `${CHROMIUM_PATH} is missing (apt-get install chromium)`;
const chromiumRequired = process.env['QUIRE_REQUIRE_SERVICES'] === '1';
if (chromiumProblem !== null && !chromiumRequired) process.stderr.write(`pack-test browser tests skipped: ${chromiumProblem}\n`);

describe.runIf(chromiumProblem !== null && chromiumRequired)('the browser', () => {
  it('is available, as CI requires', () => {
    expect.fail(`browser tests cannot run: ${chromiumProblem}`);
  });
});

describe.runIf(chromiumProblem === null)('the installed apps in Chromium, served by npx quire-server', { timeout: 120_000 }, () => {
  let browser: Browser | undefined;
  beforeAll(async () => {
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, headless: true });
  });
  afterAll(async () => {
    await browser?.close();
  });

  /**
   * Opens the app, waits until it is connected, types `text` into the editor
   * and waits until the page shows it saved (the Node reader that follows is
   * the proof that it reached the server). Every page error and console
   * error (such as Yjs's warning about a second copy) fails the test.
   */
  async function typeInApp(url: string, text: string): Promise<void> {
    if (browser === undefined) throw new Error('no browser');
    const context = await browser.newContext();
    try {
      const page: Page = await context.newPage();
      const problems: string[] = [];
      page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
      page.on('console', (message) => {
        if (message.type() === 'error') problems.push(`console error: ${message.text()} (${message.location().url})`);
      });
      await page.goto(url);
      await page.waitForSelector('[data-testid="connection"][data-state="connected"], .editor[data-connection="connected"]', { timeout: 20_000 });
      await page.locator('.ProseMirror').focus();
      await page.keyboard.type(text);
      await expect.poll(() => page.locator('.ProseMirror').textContent(), { timeout: 5_000 }).toContain(text);
      await page.waitForSelector('[data-testid="save"][data-state="saved"], .editor[data-save="saved"]', { timeout: 20_000 });
      expect(problems).toEqual([]);
    } finally {
      await context.close();
    }
  }

  async function expectInDocument(server: CliServer, document: string, text: string): Promise<void> {
    const read = (await runScript('read-document', [server.url, document, 'editor', text])) as { content: string };
    expect(read.content).toContain(text);
  }

  it('the Vite app: createEditor into a div, typed into, and a Node provider reads the text', async () => {
    const outDir = await buildApp('vanilla-app');
    await withServer(['--data-dir', join(session.root, 'vanilla-data'), '--static-dir', outDir], async (server) => {
      const text = 'Typed into the installed editor';
      await typeInApp(`${server.httpUrl}/?doc=installed/vanilla`, text);
      await expectInDocument(server, 'installed/vanilla', text);
    });
  });

  it('the React app: useQuireEditor and <QuireEditor>, each typed into, and a Node provider reads the text', async () => {
    const outDir = await buildApp('react-app');
    await withServer(['--data-dir', join(session.root, 'react-data'), '--static-dir', outDir], async (server) => {
      const hook = 'Typed through useQuireEditor';
      await typeInApp(`${server.httpUrl}/?doc=installed/react-hook&view=hook`, hook);
      await expectInDocument(server, 'installed/react-hook', hook);
      const component = 'Typed through QuireEditor';
      await typeInApp(`${server.httpUrl}/?doc=installed/react-component&view=component`, component);
      await expectInDocument(server, 'installed/react-component', component);
    });
  });
});
