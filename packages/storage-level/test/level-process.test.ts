import { execFileSync, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { DocumentStore } from '@quire/storage';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { createLevelStore } from '../src/index.ts';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const fixtures = fileURLToPath(new URL('./fixtures/', import.meta.url));

const children: ChildProcess[] = [];
const directories: string[] = [];
const openStores: DocumentStore[] = [];

function startFixture(script: string, args: readonly string[]): ChildProcess {
  const child = spawn(process.execPath, [join(fixtures, script), ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  children.push(child);
  return child;
}

function isRunning(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

async function collect(stream: NodeJS.ReadableStream | null): Promise<string> {
  let text = '';
  stream?.setEncoding('utf8');
  stream?.on('data', (chunk: string) => (text += chunk));
  if (stream !== null) await once(stream, 'end');
  return text;
}

async function tempDirectory(): Promise<string> {
  const path = await mkdtemp(join(tmpdir(), 'quire-level-process-'));
  directories.push(path);
  return path;
}

// The fixtures run the built package, so build it (a no-op when dist is current).
beforeAll(() => {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  execFileSync(process.execPath, [tsc, '-b', 'packages/storage-level'], { cwd: root, stdio: 'pipe' });
});

afterEach(async () => {
  for (const child of children.splice(0)) {
    if (!isRunning(child)) continue;
    const exited = once(child, 'exit');
    child.kill('SIGKILL');
    await exited;
  }
  for (const store of openStores.splice(0)) await store.close();
  for (const path of directories.splice(0)) await rm(path, { recursive: true, force: true });
});

describe('LevelDB store across processes', () => {
  it('fails with ERR_STORAGE_LOCKED in a second process while the first has it open', async () => {
    const path = await tempDirectory();
    const store = await createLevelStore({ path });
    openStores.push(store);
    const child = startFixture('open-store.mjs', [path]);
    const [output, stderr] = await Promise.all([collect(child.stdout), collect(child.stderr)]);
    expect(stderr).toBe('');
    expect(JSON.parse(output)).toMatchObject({
      opened: false,
      code: 'ERR_STORAGE_LOCKED',
      message: expect.stringContaining(path) as string,
    });
    const doc = new Y.Doc();
    doc.getMap('map').set('first', 1);
    await store.append('doc', Y.encodeStateAsUpdate(doc));
    expect(await store.load('doc')).toMatchObject({ entryCount: 1 });
  });

  it('keeps every acknowledged update when the writer is killed with SIGKILL', async () => {
    const path = await tempDirectory();
    const child = startFixture('append-forever.mjs', [path, '50']);
    const stderr = collect(child.stderr);
    const acknowledged: number[] = [];
    const exited = once(child, 'exit');
    const lines = createInterface({ input: child.stdout! });
    const linesDone = once(lines, 'close');
    lines.on('line', (line) => {
      acknowledged.push(Number(line));
      if (acknowledged.length === 300) child.kill('SIGKILL');
    });
    // Lines already in the pipe when the child died were acknowledged too.
    const [exitCode, signal] = (await exited) as [number | null, NodeJS.Signals | null];
    await linesDone;
    expect({ exitCode, signal, stderr: await stderr }).toEqual({ exitCode: null, signal: 'SIGKILL', stderr: '' });
    expect(acknowledged.length).toBeGreaterThanOrEqual(300);

    const store = await createLevelStore({ path });
    openStores.push(store);
    const stored = await store.load('doc');
    expect(stored).not.toBeNull();
    const doc = new Y.Doc();
    Y.applyUpdate(doc, stored?.update ?? new Uint8Array());
    const map = doc.getMap<number>('map');
    const missing = acknowledged.filter((index) => map.get(String(index)) !== index);
    expect(missing).toEqual([]);
  });
});
