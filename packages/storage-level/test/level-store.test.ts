import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDocumentStore } from '@quire/storage';
import type { DocumentStore, StorageBackend } from '@quire/storage';
import { Level } from 'level';
import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { createLevelStore, openLevelBackend } from '../src/index.ts';
import { ALL_LOGS_RANGE, encodeLogKey, encodeMetadataKey, FORMAT_KEY } from '../src/level-keys.ts';

const directories: string[] = [];
const openStores: DocumentStore[] = [];

async function tempDirectory(): Promise<string> {
  const path = await mkdtemp(join(tmpdir(), 'quire-level-'));
  directories.push(path);
  return path;
}

async function openStore(options: Parameters<typeof createLevelStore>[0]): Promise<DocumentStore> {
  const store = await createLevelStore(options);
  openStores.push(store);
  return store;
}

/** Raw keys of the directory, read while no store has it open. */
async function rawKeys(path: string, range: { gte: Uint8Array; lt: Uint8Array } = ALL_LOGS_RANGE): Promise<Uint8Array[]> {
  const db = new Level<Uint8Array, Uint8Array>(path, { keyEncoding: 'view', valueEncoding: 'view' });
  try {
    return await db.keys(range).all();
  } finally {
    await db.close();
  }
}

function mapEditor() {
  const doc = new Y.Doc();
  const map = doc.getMap<number>('map');
  let last: Uint8Array = new Uint8Array();
  doc.on('update', (update: Uint8Array) => (last = update));
  return {
    doc,
    set(key: string, value: number): Uint8Array {
      map.set(key, value);
      return last;
    },
  };
}

function mapOf(update: Uint8Array | undefined): Record<string, unknown> {
  const doc = new Y.Doc();
  if (update !== undefined) Y.applyUpdate(doc, update);
  return doc.getMap('map').toJSON();
}

afterEach(async () => {
  for (const store of openStores.splice(0)) await store.close();
  for (const path of directories.splice(0)) await rm(path, { recursive: true, force: true });
});

describe('createLevelStore', () => {
  it('keeps documents across close and reopen', async () => {
    const path = await tempDirectory();
    const editor = mapEditor();
    const first = await openStore({ path });
    for (let index = 0; index < 20; index += 1) await first.append('team/doc', editor.set(`k${index}`, index));
    await first.close();
    const second = await openStore({ path, syncWrites: false });
    const stored = await second.load('team/doc');
    expect(stored?.entryCount).toBe(20);
    expect(mapOf(stored?.update)).toEqual(editor.doc.getMap('map').toJSON());
    expect(await second.list()).toEqual([
      { name: 'team/doc', storedBytes: stored?.storedBytes, updatedAt: expect.any(Date) as Date },
    ]);
  });

  it('reads stored updates back as plain Uint8Arrays over the stored bytes', async () => {
    // The binding's natively made Buffers would reach Yjs's decoders with a
    // hidden class the server's code was not optimised for.
    const backend = await openLevelBackend({ path: await tempDirectory() });
    try {
      const editor = mapEditor();
      const update = editor.set('a', 1);
      await backend.appendEntries([{ docName: 'plain', update }]);
      const [entry] = await backend.readLog('plain');
      expect(Object.getPrototypeOf(entry!.update)).toBe(Uint8Array.prototype);
      expect(entry!.update).toEqual(update);
    } finally {
      await backend.close();
    }
  });

  it('lays out keys as prefix, name, NUL and a big-endian sequence number', async () => {
    const path = await tempDirectory();
    const store = await openStore({ path });
    await store.append('ab', mapEditor().set('x', 1));
    await store.append('a', mapEditor().set('x', 1));
    await store.append('a', mapEditor().set('y', 2));
    await store.close();
    const keys = await rawKeys(path, { gte: new Uint8Array(0), lt: Uint8Array.of(0xff) });
    expect(keys.map((key) => Buffer.from(key).toString('hex'))).toEqual([
      Buffer.from(FORMAT_KEY).toString('hex'),
      '016100' + '0000000000000001',
      '016100' + '0000000000000002',
      '01616200' + '0000000000000001',
      '0261',
      '026162',
    ]);
    expect(encodeLogKey('a', 2 ** 40 + 5)).toEqual(Uint8Array.of(1, 0x61, 0, 0, 0, 1, 0, 0, 0, 0, 5));
    expect(encodeMetadataKey('é')).toEqual(Uint8Array.of(2, 0xc3, 0xa9));
  });

  it('writes the appends of one tick as one batch', async () => {
    const path = await tempDirectory();
    const batches: number[] = [];
    const store = await openStore({ path, onBatchWritten: (size) => batches.push(size) });
    const editors = [mapEditor(), mapEditor(), mapEditor()];
    await Promise.all(
      Array.from({ length: 30 }, (_, index) => store.append(`doc${index % 3}`, editors[index % 3]!.set(`k${index}`, index))),
    );
    expect(batches).toEqual([30]);
    await store.append('doc0', editors[0]!.set('alone', 1));
    expect(batches).toEqual([30, 1]);
    await store.close();
    expect(await rawKeys(path)).toHaveLength(31);
  });

  it('keeps the log bounded by automatic compaction over 5,000 appends', async () => {
    const path = await tempDirectory();
    const editor = mapEditor();
    const store = await openStore({ path, compactAfterEntries: 100 });
    for (let round = 0; round < 100; round += 1) {
      await Promise.all(Array.from({ length: 50 }, (_, slot) => store.append('doc', editor.set(`${round}.${slot}`, slot))));
    }
    // close() waits for the background compactions.
    await store.close();
    const keys = await rawKeys(path);
    expect(keys.length).toBeGreaterThan(0);
    expect(keys.length).toBeLessThanOrEqual(100);
    const reopened = await openStore({ path });
    const stored = await reopened.load('doc');
    expect(stored?.entryCount).toBe(keys.length);
    expect(mapOf(stored?.update)).toEqual(editor.doc.getMap('map').toJSON());
    expect((await reopened.list())[0]?.storedBytes).toBe(stored?.storedBytes);
  });

  it('keeps appends written while a compaction is between its read and its write', async () => {
    const path = await tempDirectory();
    const backend = await openLevelBackend({ path });
    let readDone: () => void = () => undefined;
    const compactionRead = new Promise<void>((resolve) => (readDone = resolve));
    let resume: () => void = () => undefined;
    const resumed = new Promise<void>((resolve) => (resume = resolve));
    let pauseNextRead = false;
    const paused: StorageBackend = {
      ...backend,
      async readLog(docName) {
        const entries = await backend.readLog(docName);
        if (pauseNextRead) {
          pauseNextRead = false;
          readDone();
          await resumed;
        }
        return entries;
      },
    };
    const store = createDocumentStore(paused);
    openStores.push(store);
    const editor = mapEditor();
    for (let index = 0; index < 40; index += 1) await store.append('doc', editor.set(`before${index}`, index));
    pauseNextRead = true;
    const compaction = store.compact('doc');
    await compactionRead;
    await Promise.all(Array.from({ length: 25 }, (_, index) => store.append('doc', editor.set(`during${index}`, index))));
    resume();
    await compaction;
    const stored = await store.load('doc');
    expect(stored?.entryCount).toBe(26);
    expect(mapOf(stored?.update)).toEqual(editor.doc.getMap('map').toJSON());
    await store.close();
    expect(await rawKeys(path)).toHaveLength(26);
  });

  it('refuses a directory another store has open, naming it, and leaves that store working', async () => {
    const path = await tempDirectory();
    const first = await openStore({ path });
    await expect(createLevelStore({ path })).rejects.toMatchObject({
      code: 'ERR_STORAGE_LOCKED',
      message: expect.stringContaining(path) as string,
    });
    await first.append('doc', mapEditor().set('still', 1));
    expect(mapOf((await first.load('doc'))?.update)).toEqual({ still: 1 });
  });

  it('refuses a LevelDB directory that is not a Quire store', async () => {
    const path = await tempDirectory();
    const foreign = new Level(path);
    await foreign.put('someone', 'else');
    await foreign.close();
    await expect(createLevelStore({ path })).rejects.toMatchObject({ code: 'ERR_STORAGE_CORRUPT' });
  });

  it('rebuilds unreadable metadata from the log', async () => {
    const path = await tempDirectory();
    const editor = mapEditor();
    const first = await openStore({ path });
    await first.append('doc', editor.set('a', 1));
    await first.append('doc', editor.set('b', 2));
    const expected = (await first.load('doc'))?.storedBytes;
    await first.close();
    const db = new Level<Uint8Array, Uint8Array>(path, { keyEncoding: 'view', valueEncoding: 'view' });
    await db.put(encodeMetadataKey('doc'), Uint8Array.of(9, 9, 9));
    await db.close();
    const second = await openStore({ path });
    expect((await second.list())[0]?.storedBytes).toBe(expected);
    await second.append('doc', editor.set('c', 3));
    expect((await second.list())[0]?.storedBytes).toBe((await second.load('doc'))?.storedBytes);
    expect((await second.load('doc'))?.entryCount).toBe(3);
  });

  it('closes the directory when its options are invalid', async () => {
    const path = await tempDirectory();
    await expect(createLevelStore({ path, compactAfterEntries: -1 })).rejects.toThrow(RangeError);
    await openStore({ path });
  });
});
