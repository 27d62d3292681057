import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import type { DocumentStoreOptions } from './create-document-store.ts';
import type { CommittedEntry, SequencedDocumentStore } from './sequenced-store.ts';
import { contentOf, createSuiteEditor, readContent } from './suite-edits.ts';

/** One isolated sequenced store for one test. */
export interface SequencedStoreFixture {
  readonly store: SequencedDocumentStore;
  /** Opens one more store over the same data, as another node would; omit it for stores that cannot share. */
  readonly openAnother?: () => Promise<SequencedDocumentStore>;
  /** Closes every store it opened and removes its data. */
  readonly cleanup: () => Promise<void>;
}

export interface SequencedStoreSuiteOptions {
  readonly name: string;
  /** Must pass `options` on to the stores it creates. */
  readonly createStore: (options: DocumentStoreOptions) => Promise<SequencedStoreFixture>;
}

const NO_COMPACTION: DocumentStoreOptions = { compactAfterEntries: Infinity, compactAfterBytes: Infinity };

function seqsOf(entries: readonly { readonly seq: number }[]): number[] {
  return entries.map((entry) => entry.seq);
}

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, index) => from + index);
}

/** Runs the behaviour every SequencedDocumentStore must have, with a fresh store per test. */
export function runSequencedStoreSuite({ name, createStore }: SequencedStoreSuiteOptions): void {
  describe(`SequencedDocumentStore compliance: ${name}`, () => {
    const fixtures: SequencedStoreFixture[] = [];
    const open = async (options: DocumentStoreOptions = NO_COMPACTION): Promise<SequencedStoreFixture> => {
      const fixture = await createStore(options);
      fixtures.push(fixture);
      return fixture;
    };
    afterEach(async () => {
      for (const fixture of fixtures.splice(0)) await fixture.cleanup();
    });

    it('numbers each document’s entries 1, 2, 3… across batches, and loads with the highest', async () => {
      const { store } = await open();
      expect(store.sequenced).toBe(true);
      expect(await store.loadSequenced('doc')).toBeNull();
      const editor = createSuiteEditor();
      const other = createSuiteEditor();
      await store.append('doc', editor.type('a'));
      await Promise.all([store.append('doc', editor.type('b')), store.append('other', other.type('x')), store.append('doc', editor.type('c'))]);
      const loaded = await store.loadSequenced('doc');
      expect(loaded).toMatchObject({ seq: 3, entryCount: 3 });
      expect(readContent(loaded!.update)).toEqual(contentOf(editor));
      expect((await store.loadSequenced('other'))?.seq).toBe(1);
      expect(await store.latestSequences(['doc', 'other', 'never'])).toEqual(
        new Map([
          ['doc', 3],
          ['other', 1],
        ]),
      );
      expect(await store.latestSequences([])).toEqual(new Map());
    });

    it('announces each committed entry once, with its number, before its append resolves', async () => {
      const { store } = await open();
      const heard: CommittedEntry[] = [];
      const unsubscribe = store.onCommitted((entries) => heard.push(...entries));
      store.onCommitted(() => {
        throw new Error('a listener that throws is ignored');
      });
      const editor = createSuiteEditor();
      const first = editor.type('a');
      const appended = store.append('doc', first).then(() => heard.length);
      const more = Array.from({ length: 20 }, (_, index) => store.append(index % 2 === 0 ? 'doc' : 'other', editor.set(`k${index}`, index)));
      expect(await appended).toBeGreaterThanOrEqual(1);
      await Promise.all(more);
      expect(heard).toHaveLength(21);
      expect(heard[0]).toEqual({ docName: 'doc', seq: 1, update: first });
      expect(seqsOf(heard.filter((entry) => entry.docName === 'doc'))).toEqual(range(1, 11));
      expect(seqsOf(heard.filter((entry) => entry.docName === 'other'))).toEqual(range(1, 10));
      unsubscribe();
      await store.append('doc', editor.type('b'));
      expect(heard).toHaveLength(21);
    });

    it('returns what the log holds after a number, in order', async () => {
      const { store } = await open();
      expect(await store.changesAfter('never', 4)).toEqual({ checkpoint: undefined, checkpointSeq: 0, entries: [], seq: 4 });
      const editor = createSuiteEditor();
      for (let index = 0; index < 5; index += 1) await store.append('doc', editor.set(`k${index}`, index));
      const changes = await store.changesAfter('doc', 2);
      expect(changes).toMatchObject({ checkpoint: undefined, seq: 5 });
      expect(seqsOf(changes.entries)).toEqual([3, 4, 5]);
      expect(changes.entries.map((entry) => entry.update)).toEqual(editor.updates.slice(2));
      expect(await store.changesAfter('doc', 5)).toMatchObject({ entries: [], seq: 5 });
      await expect(store.changesAfter('doc', -1)).rejects.toThrow(TypeError);
      await expect(store.changesAfter('doc', 1.5)).rejects.toThrow(TypeError);
    });

    it('reads its own appends: changesAfter sees an append issued before it', async () => {
      const { store } = await open();
      const editor = createSuiteEditor();
      void store.append('doc', editor.type('a'));
      expect(seqsOf((await store.changesAfter('doc', 0)).entries)).toEqual([1]);
    });

    it('returns the merged state when the asked entries were compacted, and the entries after it', async () => {
      const { store } = await open();
      const editor = createSuiteEditor();
      for (let index = 0; index < 5; index += 1) await store.append('doc', editor.set(`k${index}`, index));
      await store.compact('doc');
      await store.append('doc', editor.type('after'));
      const changes = await store.changesAfter('doc', 2);
      expect(changes).toMatchObject({ checkpointSeq: 5, seq: 6 });
      expect(seqsOf(changes.entries)).toEqual([6]);
      const doc = new Y.Doc();
      Y.applyUpdate(doc, changes.checkpoint!);
      for (const entry of changes.entries) Y.applyUpdate(doc, entry.update);
      expect(readContent(Y.encodeStateAsUpdate(doc))).toEqual(contentOf(editor));
      expect(await store.changesAfter('doc', 5)).toMatchObject({ checkpoint: undefined, seq: 6 });
      expect((await store.loadSequenced('doc'))?.seq).toBe(6);
    });

    it('goes on numbering after a delete, so no number means two things', async () => {
      const { store } = await open();
      const editor = createSuiteEditor();
      for (let index = 0; index < 3; index += 1) await store.append('doc', editor.set(`k${index}`, index));
      await store.delete('doc');
      expect(await store.loadSequenced('doc')).toBeNull();
      expect((await store.list()).map((info) => info.name)).toEqual([]);
      const heard: CommittedEntry[] = [];
      store.onCommitted((entries) => heard.push(...entries));
      await store.append('doc', createSuiteEditor().type('new'));
      expect(seqsOf(heard)).toEqual([4]);
      expect((await store.loadSequenced('doc'))?.seq).toBe(4);
      expect(readContent((await store.load('doc'))!.update).text).toBe('new');
    });

    it('numbers appends of two stores over the same data without gaps or duplicates', async (context) => {
      const { store, openAnother } = await open();
      if (openAnother === undefined) return context.skip();
      const another = await openAnother();
      const heard = new Map<SequencedDocumentStore, CommittedEntry[]>([
        [store, []],
        [another, []],
      ]);
      for (const [node, entries] of heard) node.onCommitted((committed) => entries.push(...committed));
      const editors = [createSuiteEditor(), createSuiteEditor()];
      await Promise.all(
        Array.from({ length: 40 }, async (_, index) => {
          const node = index % 2 === 0 ? store : another;
          await node.append('doc', editors[index % 2]!.set(`k${index}`, index));
        }),
      );
      const all = [...heard.values()].flat();
      expect(seqsOf(all).sort((a, b) => a - b)).toEqual(range(1, 40));
      for (const entries of heard.values()) expect(entries).toHaveLength(20);
      const changes = await another.changesAfter('doc', 0);
      expect(seqsOf(changes.entries)).toEqual(range(1, 40));
      for (const entry of all) expect(changes.entries[entry.seq - 1]?.update).toEqual(entry.update);
    });
  });
}
