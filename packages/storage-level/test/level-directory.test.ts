import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { createLevelStore, inspectLevelDirectory, repairLevelDirectory } from '../src/index.ts';

const directories: string[] = [];

afterEach(async () => {
  for (const path of directories.splice(0)) await rm(path, { recursive: true, force: true });
});

async function tempDirectory(): Promise<string> {
  const path = await mkdtemp(join(tmpdir(), 'quire-level-dir-'));
  directories.push(path);
  return path;
}

function textUpdate(text: string): Uint8Array {
  const doc = new Y.Doc();
  doc.getText('text').insert(0, text);
  return Y.encodeStateAsUpdate(doc);
}

function textOf(update: Uint8Array): string {
  const doc = new Y.Doc();
  Y.applyUpdate(doc, update);
  return doc.getText('text').toString();
}

/** A directory whose documents sit in LevelDB tables, not only in its write-ahead log. */
async function directoryWithTables(documents: number): Promise<string> {
  const path = await tempDirectory();
  const store = await createLevelStore({ path });
  for (let index = 0; index < documents; index++) await store.append(`doc-${index}`, textUpdate(`content ${index}`));
  await store.close();
  // Reopening turns the log into a table.
  await (await createLevelStore({ path })).close();
  expect((await readdir(path)).some((name) => name.endsWith('.ldb'))).toBe(true);
  return path;
}

async function tables(path: string): Promise<string[]> {
  return (await readdir(path)).filter((name) => name.endsWith('.ldb')).sort();
}

describe('LevelDB directory', () => {
  it('refuses to open a directory whose CURRENT file is gone instead of starting empty, and keeps its tables', async () => {
    const path = await directoryWithTables(40);
    const before = await tables(path);
    await rm(join(path, 'CURRENT'));
    expect(await inspectLevelDirectory(path)).toEqual({ exists: true, hasDataFiles: true, hasCurrent: false });

    await expect(createLevelStore({ path })).rejects.toMatchObject({
      code: 'ERR_STORAGE_CORRUPT',
      message: expect.stringMatching(/no CURRENT file/) as string,
    });
    expect(await tables(path)).toEqual(before);
  });

  it('repair brings every document of such a directory back', async () => {
    const path = await directoryWithTables(40);
    await rm(join(path, 'CURRENT'));
    await repairLevelDirectory(path);

    const store = await createLevelStore({ path });
    try {
      expect((await store.list()).length).toBe(40);
      for (let index = 0; index < 40; index++) {
        const stored = await store.load(`doc-${index}`);
        expect(textOf(stored!.update)).toBe(`content ${index}`);
      }
      await store.append('doc-0', textUpdate('after the repair'));
    } finally {
      await store.close();
    }
  });

  it('repair keeps a healthy directory as it was', async () => {
    const path = await directoryWithTables(5);
    await repairLevelDirectory(path);
    const store = await createLevelStore({ path });
    try {
      expect(textOf((await store.load('doc-4'))!.update)).toBe('content 4');
    } finally {
      await store.close();
    }
  });

  it('repair refuses a directory a store holds open, and one that is not there', async () => {
    const path = await directoryWithTables(3);
    const store = await createLevelStore({ path });
    try {
      await expect(repairLevelDirectory(path)).rejects.toMatchObject({ code: 'ERR_STORAGE_LOCKED' });
      expect(textOf((await store.load('doc-1'))!.update)).toBe('content 1');
    } finally {
      await store.close();
    }
    await expect(repairLevelDirectory(join(path, 'missing'))).rejects.toMatchObject({ code: 'ERR_STORAGE_READ_FAILED' });
  });

  it('still creates a store in a missing directory, or one with only unrelated files', async () => {
    const missing = join(await tempDirectory(), 'new');
    await (await createLevelStore({ path: missing })).close();
    expect(await inspectLevelDirectory(missing)).toMatchObject({ exists: true, hasCurrent: true });
    const withNotes = await tempDirectory();
    await writeFile(join(withNotes, 'README.txt'), 'notes');
    const store = await createLevelStore({ path: withNotes });
    await store.append('doc', textUpdate('fresh'));
    await store.close();
    expect(await inspectLevelDirectory(withNotes)).toMatchObject({ hasDataFiles: true, hasCurrent: true });
  });
});
