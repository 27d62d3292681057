import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { WebSocket } from 'ws';
import * as Y from 'yjs';
import { afterEach, describe, expect, it } from 'vitest';
import { createLevelStore } from '@quire/storage-level';
import type { Server } from 'node:http';
import type { SyncHandler, SyncServer } from '../src/index.ts';
import { startNodeApp } from './embedding/node-http.ts';
import { startExpressApp } from './embedding/express.ts';
import { startExpressWithHandler } from './embedding/express-handler.ts';
import { startFastifyApp } from './embedding/fastify.ts';
import { startKoaApp } from './embedding/koa.ts';
import { followDocuments, importText, markReviewed } from './embedding/documents.ts';
import { appendText } from './embedding/provider.ts';
import { readText } from './embedding/y-websocket.ts';

// docs/embedding.md shows no code of its own: every block is a file of
// server/test/embedding (Node) or editor/test/embedding (browser), included
// verbatim. This test keeps them equal, type-checks every file as the
// repository's programs do, and runs the Node ones: each app on its
// framework, a client syncing through it, its own route answering beside it.

const root = fileURLToPath(new URL('../../', import.meta.url));
const SNIPPET_FOLDERS = [
  { folder: 'server/test/embedding', tsconfig: 'tsconfig.tests.json' },
  { folder: 'editor/test/embedding', tsconfig: 'editor/tsconfig.demo.json' },
];
const guide = await readFile(join(root, 'docs/embedding.md'), 'utf8');

interface Block {
  readonly source: string | undefined;
  readonly code: string;
  readonly line: number;
}

/** Every fenced code block of the guide, with the file its `<!-- snippet: path -->` line names. */
function codeBlocks(markdown: string): Block[] {
  const lines = markdown.split('\n');
  const blocks: Block[] = [];
  for (let index = 0; index < lines.length; index++) {
    if (!lines[index]!.startsWith('```')) continue;
    const start = index;
    const marker = /^<!-- snippet: (\S+) -->$/.exec(lines[start - 1] ?? '');
    do index++;
    while (index < lines.length && lines[index] !== '```');
    blocks.push({ source: marker?.[1], code: `${lines.slice(start + 1, index).join('\n')}\n`, line: start + 1 });
  }
  return blocks;
}

async function snippetFiles(): Promise<string[]> {
  const files = await Promise.all(
    SNIPPET_FOLDERS.map(async ({ folder }) => (await readdir(join(root, folder))).map((name) => `${folder}/${name}`)),
  );
  return files.flat().sort();
}

describe('docs/embedding.md', () => {
  const blocks = codeBlocks(guide);

  it('shows only snippet files, each verbatim', async () => {
    expect(blocks.length).toBeGreaterThan(5);
    for (const block of blocks) {
      expect(block.source, `the code block at line ${block.line} names its file`).toBeDefined();
      expect(block.code, `${block.source} (line ${block.line})`).toBe(await readFile(join(root, block.source!), 'utf8'));
    }
  });

  it('shows every snippet file', async () => {
    expect(blocks.map((block) => block.source).sort()).toEqual(await snippetFiles());
  });

  it('has snippets that type-check as the repository compiles them', () => {
    for (const { folder, tsconfig } of SNIPPET_FOLDERS) {
      const config = ts.getParsedCommandLineOfConfigFile(join(root, tsconfig), {}, {
        ...ts.sys,
        onUnRecoverableConfigFileDiagnostic: (diagnostic) => {
          throw new Error(ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'));
        },
      })!;
      const files = config.fileNames.filter((file) => relative(root, file).startsWith(`${folder}/`));
      expect(files.length, folder).toBeGreaterThan(0);
      const program = ts.createProgram(files, config.options);
      const problems = ts.getPreEmitDiagnostics(program).map((diagnostic) =>
        ts.formatDiagnostic(diagnostic, {
          getCanonicalFileName: (name) => name,
          getCurrentDirectory: () => root,
          getNewLine: () => '\n',
        }),
      );
      expect(problems, folder).toEqual([]);
    }
  }, 120_000);
});

interface RunningApp {
  readonly server: Server;
  readonly quire: SyncServer | SyncHandler;
  close(): Promise<void>;
}

const apps: { name: string; framework: string; start: (options: { port: number; dataDir: string }) => Promise<RunningApp> }[] = [
  { name: 'node:http, createSyncServer({ server })', framework: 'node:http', start: startNodeApp },
  { name: 'Express, createSyncServer({ server: app.listen() })', framework: 'express', start: startExpressApp },
  { name: 'Express, createSyncHandler', framework: 'express', start: startExpressWithHandler },
  { name: 'Fastify, createSyncServer({ server: fastify.server })', framework: 'fastify', start: startFastifyApp },
  { name: 'Koa, createSyncHandler', framework: 'koa', start: startKoaApp },
];

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function storedDocument(dataDir: string, documentName: string): Promise<Y.Doc> {
  const store = await createLevelStore({ path: dataDir });
  try {
    const doc = new Y.Doc();
    const stored = await store.load(documentName);
    if (stored !== null) Y.applyUpdate(doc, stored.update);
    return doc;
  } finally {
    await store.close();
  }
}

describe.each(apps)('the guide’s app on $name', ({ framework, start }) => {
  it('syncs and stores a document through Quire, and answers its own routes beside it', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'quire-embedding-'));
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
    const app = await start({ port: 0, dataDir });
    let closed = false;
    cleanups.push(async () => {
      if (!closed) await app.close();
    });
    const { port } = app.server.address() as AddressInfo;
    const http = `http://127.0.0.1:${port}`;
    const lines: string[] = [];
    followDocuments(app.quire, (line) => lines.push(line));

    expect(await (await fetch(`${http}/api/hello`)).json()).toEqual({ hello: `from ${framework}` });
    expect(await (await fetch(`${http}/collab/healthz`)).json()).toEqual({ status: 'ok' });
    expect((await fetch(`${http}/healthz`)).status).toBe(404);

    const url = `ws://127.0.0.1:${port}/collab`;
    expect(await appendText(url, 'team/notes', 'Hello')).toBe('Hello');
    expect(await readText(url, 'team/notes')).toBe('Hello');
    await markReviewed(app.quire, 'team/notes', 'ada');
    await importText(app.quire, 'team/imported', 'from elsewhere');

    await app.close();
    closed = true;
    expect(app.server.listening).toBe(false);
    // close() delivered every pending event.
    expect(lines).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^someone opened team\/notes \(connection \d+\)$/),
        expect.stringMatching(/^team\/notes changed by connection \d+/),
        'team/notes stored',
        'team/imported changed by the server',
        'team/imported stored',
      ]),
    );
    const notes = await storedDocument(dataDir, 'team/notes');
    expect(notes.getText('text').toString()).toBe('Hello');
    expect(notes.getMap('meta').get('reviewedBy')).toBe('ada');
    expect((await storedDocument(dataDir, 'team/imported')).getText('text').toString()).toBe('from elsewhere');
  });
});

describe('the guide’s Express app with its own WebSocket endpoint', () => {
  it('leaves upgrades outside /collab to the app', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'quire-embedding-'));
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
    const app = await startExpressWithHandler({ port: 0, dataDir });
    cleanups.push(() => app.close());
    const { port } = app.server.address() as AddressInfo;
    const echo = new WebSocket(`ws://127.0.0.1:${port}/echo`);
    const reply = await new Promise<string>((resolve, reject) => {
      echo.once('open', () => echo.send('ping'));
      echo.once('message', (data: Buffer) => resolve(data.toString()));
      echo.once('error', reject);
    });
    expect(reply).toBe('ping');
    expect(await appendText(`ws://127.0.0.1:${port}/collab`, 'beside', 'the echo')).toBe('the echo');
    echo.close();
  });
});
