import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import type { DocumentStoreOptions } from './create-document-store.ts';
import type { DocumentStore } from './document-store.ts';
import { StorageError } from './storage-error.ts';
import { contentOf, createSuiteEditor, readContent } from './suite-edits.ts';
import { describeOutOfOrderLog } from './suite-out-of-order-log.ts';
import type { SuiteContent } from './suite-edits.ts';

/** One isolated store for one test. */
export interface DocumentStoreFixture {
  readonly store: DocumentStore;
  /**
   * Opens a new store over the same data, after the test closed `store`. Omit it
   * for stores that cannot outlive their handle.
   */
  readonly reopen?: () => Promise<DocumentStore>;
  /** Writes bytes straight into a document's log, past all validation. */
  readonly injectRawEntry: (docName: string, bytes: Uint8Array) => Promise<void>;
  /** Closes whatever store is still open and removes its data. */
  readonly cleanup: () => Promise<void>;
}

export interface DocumentStoreSuiteOptions {
  readonly name: string;
  /** Must pass `options` on to the store it creates (the suite sets low thresholds). */
  readonly createStore: (options: DocumentStoreOptions) => Promise<DocumentStoreFixture>;
}

const INVALID_NAMES: readonly unknown[] = [
  '', ' ', '../x', 'a/../b', 'a//b', '/a', 'a/', 'a\u0000b', 'a\nb', 'team/*', '\ud800',
  'x'.repeat(256), 'é'.repeat(128), 42, null, undefined,
];
const NON_UPDATES: readonly unknown[] = ['text', [1, 2, 3], new ArrayBuffer(3), new Uint16Array(2), null, undefined, {}];
const NAME_255_BYTES = `${'é'.repeat(127)}a`;

/** Runs the behaviour every DocumentStore must have, with a fresh store per test. */
export function runDocumentStoreSuite({ name, createStore }: DocumentStoreSuiteOptions): void {
  describe(`DocumentStore compliance: ${name}`, () => {
    const fixtures: DocumentStoreFixture[] = [];
    const open = async (options: DocumentStoreOptions = {}): Promise<DocumentStoreFixture> => {
      const fixture = await createStore(options);
      fixtures.push(fixture);
      return fixture;
    };
    afterEach(async () => {
      for (const fixture of fixtures.splice(0)) await fixture.cleanup();
    });

    async function loadContent(store: DocumentStore, docName: string): Promise<SuiteContent> {
      const stored = await store.load(docName);
      if (stored === null) throw new Error(`${docName} was not stored`);
      return readContent(stored.update);
    }

    async function storedSize(store: DocumentStore, docName: string): Promise<number | undefined> {
      return (await store.list()).find((info) => info.name === docName)?.storedBytes;
    }

    it('loads an unknown document as null', async () => {
      const { store } = await open();
      expect(await store.load('never-written')).toBeNull();
    });

    it('returns what was appended', async () => {
      const { store } = await open();
      const editor = createSuiteEditor();
      const update = editor.type('hello');
      await store.append('doc', update);
      const stored = await store.load('doc');
      expect(stored).toMatchObject({ entryCount: 1, storedBytes: update.byteLength });
      expect(readContent(stored?.update ?? new Uint8Array()).text).toBe('hello');
    });

    it('keeps every one of many appends, sequential and in one tick', async () => {
      const { store } = await open();
      const editor = createSuiteEditor();
      for (let index = 0; index < 100; index += 1) await store.append('doc', editor.type(`${index},`));
      await Promise.all(Array.from({ length: 300 }, (_, index) => store.append('doc', editor.set(`k${index}`, index))));
      const stored = await store.load('doc');
      expect(stored?.entryCount).toBe(400);
      expect(await loadContent(store, 'doc')).toEqual(contentOf(editor));
    });

    it('keeps documents apart, including names that prefix each other', async () => {
      const { store } = await open();
      const names = ['a', 'ab', 'a/b', 'b'];
      const editors = names.map(() => createSuiteEditor());
      await Promise.all(names.map((docName, index) => store.append(docName, editors[index]!.type(docName))));
      for (const [index, docName] of names.entries()) {
        expect(await loadContent(store, docName)).toEqual(contentOf(editors[index]!));
        expect((await store.load(docName))?.entryCount).toBe(1);
      }
    });

    it('stores names with "/", unicode and exactly 255 bytes', async () => {
      const { store } = await open();
      const names = ['team/project/notes', 'ドキュメント/😀 plan', NAME_255_BYTES];
      expect(new TextEncoder().encode(NAME_255_BYTES).byteLength).toBe(255);
      for (const docName of names) await store.append(docName, createSuiteEditor().type(docName));
      for (const docName of names) expect((await loadContent(store, docName)).text).toBe(docName);
      expect((await store.list()).map((info) => info.name).sort()).toEqual([...names].sort());
    });

    it('lists name, stored bytes and update time without loading', async () => {
      const { store } = await open();
      expect(await store.list()).toEqual([]);
      const before = Date.now();
      await store.append('one', createSuiteEditor().type('1'));
      await store.append('team/two', createSuiteEditor().type('22'));
      await store.append('team/two', createSuiteEditor().type('333'));
      const after = Date.now();
      const list = await store.list();
      expect(list.map((info) => info.name).sort()).toEqual(['one', 'team/two']);
      for (const info of list) {
        expect(info.storedBytes).toBeGreaterThan(0);
        expect(info.storedBytes).toBe((await store.load(info.name))?.storedBytes);
        expect(info.updatedAt).toBeInstanceOf(Date);
        expect(info.updatedAt.getTime()).toBeGreaterThanOrEqual(before);
        expect(info.updatedAt.getTime()).toBeLessThanOrEqual(after);
      }
    });

    it('deletes a document from load and list, and only that one', async () => {
      const { store } = await open();
      await store.append('gone', createSuiteEditor().type('old'));
      await store.append('kept', createSuiteEditor().type('kept'));
      await store.delete('gone');
      await store.delete('never-written');
      expect(await store.load('gone')).toBeNull();
      expect((await store.list()).map((info) => info.name)).toEqual(['kept']);
      expect((await loadContent(store, 'kept')).text).toBe('kept');
      await store.append('gone', createSuiteEditor().type('new'));
      expect(await store.load('gone')).toMatchObject({ entryCount: 1 });
      expect((await loadContent(store, 'gone')).text).toBe('new');
    });

    it('orders a delete after the appends issued before it', async () => {
      const { store } = await open();
      const editor = createSuiteEditor();
      const appends = [store.append('doc', editor.type('a')), store.append('doc', editor.type('b'))];
      await store.delete('doc');
      await Promise.all(appends);
      expect(await store.load('doc')).toBeNull();
    });

    it('compacts to one entry with identical content, shrinking deleted text', async () => {
      const { store } = await open();
      const editor = createSuiteEditor();
      for (let index = 0; index < 50; index += 1) await store.append('doc', editor.type(`line ${index}\n`));
      await store.append('doc', editor.clear());
      await store.append('doc', editor.set('kept', 1));
      const before = await store.load('doc');
      await store.compact('doc');
      const after = await store.load('doc');
      expect(after?.entryCount).toBe(1);
      expect(after?.storedBytes).toBeLessThan(before?.storedBytes ?? 0);
      expect(await storedSize(store, 'doc')).toBe(after?.storedBytes);
      expect(await loadContent(store, 'doc')).toEqual(contentOf(editor));
      await store.compact('doc');
      expect((await store.load('doc'))?.entryCount).toBe(1);
    });

    it('compacts an unknown document without creating it', async () => {
      const { store } = await open();
      await store.compact('never-written');
      expect(await store.load('never-written')).toBeNull();
      expect(await store.list()).toEqual([]);
    });

    it('keeps appends made while a compaction runs', async () => {
      const { store } = await open();
      const editor = createSuiteEditor();
      for (let index = 0; index < 20; index += 1) await store.append('doc', editor.set(`a${index}`, index));
      const compaction = store.compact('doc');
      const appends = Array.from({ length: 10 }, (_, index) => store.append('doc', editor.set(`b${index}`, index)));
      await Promise.resolve();
      appends.push(store.append('doc', editor.type('late')));
      const second = store.compact('doc');
      appends.push(store.append('doc', editor.set('last', 1)));
      await Promise.all([compaction, second, ...appends]);
      expect(await loadContent(store, 'doc')).toEqual(contentOf(editor));
      expect(await storedSize(store, 'doc')).toBe((await store.load('doc'))?.storedBytes);
    });

    it('compacts automatically past the entry threshold', async () => {
      let compacted: () => void = () => undefined;
      const done = new Promise<void>((resolve) => (compacted = resolve));
      const { store } = await open({
        compactAfterEntries: 10,
        onCompacted: (info) => info.automatic && info.docName === 'doc' && compacted(),
      });
      const editor = createSuiteEditor();
      for (let index = 0; index < 11; index += 1) await store.append('doc', editor.set(`k${index}`, index));
      await done;
      expect((await store.load('doc'))?.entryCount).toBe(1);
      expect(await loadContent(store, 'doc')).toEqual(contentOf(editor));
    });

    it('compacts automatically past the byte threshold', async () => {
      let compacted: () => void = () => undefined;
      const done = new Promise<void>((resolve) => (compacted = resolve));
      const { store } = await open({
        compactAfterEntries: Infinity,
        compactAfterBytes: 1000,
        onCompacted: (info) => info.automatic && compacted(),
      });
      const editor = createSuiteEditor();
      for (let index = 0; index < 4; index += 1) await store.append('doc', editor.type('x'.repeat(300)));
      await done;
      expect((await store.load('doc'))?.entryCount).toBe(1);
      expect(await loadContent(store, 'doc')).toEqual(contentOf(editor));
    });

    it('rejects invalid document names with TypeError and stores nothing', async () => {
      const { store } = await open();
      const update = createSuiteEditor().type('x');
      for (const docName of INVALID_NAMES) {
        const unchecked = docName as string;
        await expect(store.load(unchecked), String(docName)).rejects.toThrow(TypeError);
        await expect(store.append(unchecked, update), String(docName)).rejects.toThrow(TypeError);
        await expect(store.compact(unchecked), String(docName)).rejects.toThrow(TypeError);
        await expect(store.delete(unchecked), String(docName)).rejects.toThrow(TypeError);
        await expect(store.repair(unchecked), String(docName)).rejects.toThrow(TypeError);
      }
      expect(await store.list()).toEqual([]);
    });

    it('rejects non-Uint8Array updates with TypeError and empty ones with RangeError', async () => {
      const { store } = await open();
      for (const update of NON_UPDATES) {
        await expect(store.append('doc', update as Uint8Array)).rejects.toThrow(TypeError);
      }
      await expect(store.append('doc', new Uint8Array(0))).rejects.toThrow(RangeError);
      expect(await store.load('doc')).toBeNull();
    });

    it('stores a copy, unaffected by later changes to the caller buffer', async () => {
      const { store } = await open();
      const update = Buffer.from(createSuiteEditor().type('safe'));
      const appended = store.append('doc', update);
      update.fill(0xff);
      await appended;
      expect((await loadContent(store, 'doc')).text).toBe('safe');
    });

    it('rejects everything after close with ERR_STORAGE_NOT_OPEN', async () => {
      const { store } = await open();
      await store.append('doc', createSuiteEditor().type('x'));
      await store.close();
      const update = createSuiteEditor().type('y');
      const calls = [
        store.load('doc'), store.append('doc', update), store.compact('doc'), store.list(),
        store.delete('doc'), store.load(''), store.append('doc', new Uint8Array(0)), store.checkWritable(),
      ];
      for (const call of calls) {
        await expect(call).rejects.toBeInstanceOf(StorageError);
        await expect(call).rejects.toMatchObject({ code: 'ERR_STORAGE_NOT_OPEN' });
      }
      await expect(store.close()).resolves.toBeUndefined();
    });

    it('passes a writability check while open, without creating a document', async () => {
      const { store } = await open();
      const editor = createSuiteEditor();
      await store.append('doc', editor.type('x'));
      await expect(store.checkWritable()).resolves.toBeUndefined();
      await expect(store.checkWritable()).resolves.toBeUndefined();
      expect((await store.list()).map((info) => info.name)).toEqual(['doc']);
      expect(await loadContent(store, 'doc')).toEqual(contentOf(editor));
    });

    it('finishes in-flight appends before close resolves', async () => {
      const fixture = await open();
      const editor = createSuiteEditor();
      const appends = Array.from({ length: 20 }, (_, index) => fixture.store.append('doc', editor.set(`k${index}`, index)));
      await fixture.store.close();
      await expect(Promise.all(appends)).resolves.toBeDefined();
      if (fixture.reopen === undefined) return;
      const reopened = await fixture.reopen();
      expect(await loadContent(reopened, 'doc')).toEqual(contentOf(editor));
    });

    it('reports a corrupt entry as ERR_STORAGE_CORRUPT, never as an empty document', async () => {
      const { store, injectRawEntry } = await open();
      const editor = createSuiteEditor();
      const good = editor.type('good content');
      await store.append('broken', good);
      await store.append('healthy', createSuiteEditor().type('fine'));
      await injectRawEntry('broken', good.slice(0, good.byteLength - 3));
      await injectRawEntry('lone', new Uint8Array([0xff, 0xff, 0xff]));
      for (const docName of ['broken', 'lone']) {
        await expect(store.load(docName)).rejects.toMatchObject({ code: 'ERR_STORAGE_CORRUPT', docName });
        await expect(store.compact(docName)).rejects.toMatchObject({ code: 'ERR_STORAGE_CORRUPT', docName });
        await expect(store.load(docName)).rejects.toMatchObject({ code: 'ERR_STORAGE_CORRUPT' });
      }
      expect((await loadContent(store, 'healthy')).text).toBe('fine');
      expect((await store.list()).map((info) => info.name).sort()).toEqual(['broken', 'healthy', 'lone']);
    });

    it('repairs a corrupt log: keeps every entry that integrates, reports the one it left out, loads again', async () => {
      const { store, injectRawEntry } = await open();
      const editor = createSuiteEditor();
      const garbage = new Uint8Array([0xff, 0xfe, 0x01, 0x02]);
      await store.append('broken', editor.type('kept before '));
      await injectRawEntry('broken', garbage);
      await store.append('broken', editor.type('kept after'));
      await store.append('healthy', createSuiteEditor().type('fine'));

      const dryRun = await store.repair('broken', { dryRun: true });
      expect(dryRun).toMatchObject({ docName: 'broken', entriesRead: 3, droppedPendingBytes: 0, written: false });
      expect(dryRun?.droppedEntries.map((entry) => entry.bytes)).toEqual([garbage.byteLength]);
      await expect(store.load('broken')).rejects.toMatchObject({ code: 'ERR_STORAGE_CORRUPT' });

      const report = await store.repair('broken');
      expect(report).toMatchObject({ entriesRead: 3, droppedPendingBytes: 0, written: true });
      expect(report?.droppedEntries).toHaveLength(1);
      expect(await loadContent(store, 'broken')).toEqual(contentOf(editor));
      expect((await loadContent(store, 'healthy')).text).toBe('fine');
      // Now healthy, so left as it is; an unknown document has nothing to repair.
      expect(await store.repair('broken')).toMatchObject({ entriesRead: 1, droppedEntries: [], written: false });
      expect(await store.repair('healthy')).toMatchObject({ entriesRead: 1, droppedEntries: [], written: false });
      expect(await store.repair('never-written')).toBeNull();
    });

    it('repair leaves out content that builds on a dropped entry; a client that still holds both restores them', async () => {
      const { store, injectRawEntry } = await open();
      const editor = createSuiteEditor();
      const first = editor.type('first ');
      const second = editor.type('second');
      await injectRawEntry('gap', first.slice(0, first.byteLength - 3));
      await store.append('gap', second);

      const report = await store.repair('gap');
      expect(report?.droppedEntries).toHaveLength(1);
      expect(report?.droppedPendingBytes).toBeGreaterThan(0);
      expect(report?.written).toBe(true);
      const repaired = await store.load('gap');
      expect(repaired).not.toBeNull();
      // Nothing pending is stored: a document holding it could never settle.
      expect(readContent(repaired!.update)).toMatchObject({ text: '' });
      expect(Y.decodeUpdate(repaired!.update).structs).toHaveLength(0);

      await store.append('gap', first);
      await store.append('gap', second);
      expect((await loadContent(store, 'gap')).text).toBe('first second');
    });

    it('repair with nothing left to keep stores an empty document, and says so', async () => {
      const { store, injectRawEntry } = await open();
      await injectRawEntry('lone', new Uint8Array([0xff, 0xff, 0xff]));
      const report = await store.repair('lone');
      expect(report).toMatchObject({ entriesRead: 1, written: true });
      expect(report?.droppedEntries).toHaveLength(1);
      expect(await loadContent(store, 'lone')).toMatchObject({ text: '', map: {} });
    });

    it('repair runs only while the store is open', async () => {
      const fixture = await open();
      await fixture.store.close();
      await expect(fixture.store.repair('doc')).rejects.toMatchObject({ code: 'ERR_STORAGE_NOT_OPEN' });
    });

    describeOutOfOrderLog(open);

    it('loads the same content when a merged state is stored twice', async () => {
      const { store, injectRawEntry } = await open();
      const editor = createSuiteEditor();
      for (let index = 0; index < 5; index += 1) await store.append('doc', editor.type(`${index}`));
      const stored = await store.load('doc');
      await injectRawEntry('doc', stored?.update ?? new Uint8Array());
      expect(await loadContent(store, 'doc')).toEqual(contentOf(editor));
      await store.compact('doc');
      expect(await loadContent(store, 'doc')).toEqual(contentOf(editor));
    });

    it('keeps data across close and reopen', async ({ skip }) => {
      const fixture = await open();
      if (fixture.reopen === undefined) return skip('this store cannot be reopened');
      const editor = createSuiteEditor();
      for (let index = 0; index < 30; index += 1) await fixture.store.append('doc', editor.set(`k${index}`, index));
      await fixture.store.compact('doc');
      await fixture.store.append('doc', editor.type('after compaction'));
      await fixture.store.append('other', createSuiteEditor().type('other'));
      await fixture.store.close();
      const reopened = await fixture.reopen();
      expect(await loadContent(reopened, 'doc')).toEqual(contentOf(editor));
      expect((await reopened.load('doc'))?.entryCount).toBe(2);
      expect((await reopened.list()).map((info) => info.name).sort()).toEqual(['doc', 'other']);
      await reopened.append('doc', editor.type(' and after reopen'));
      expect(await loadContent(reopened, 'doc')).toEqual(contentOf(editor));
      expect((await reopened.load('doc'))?.entryCount).toBe(3);
      expect(await storedSize(reopened, 'doc')).toBe((await reopened.load('doc'))?.storedBytes);
    });
  });
}

export { integrateOneByOne, readOutOfOrderLog } from './suite-out-of-order-log.ts';
export { runSequencedStoreSuite } from './suite-sequenced.ts';
export type { SequencedStoreFixture, SequencedStoreSuiteOptions } from './suite-sequenced.ts';
