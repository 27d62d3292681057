import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { createDocumentStore, createMemoryBackend, StorageError } from '../src/index.ts';
import type { StorageBackend, StorageError as StorageErrorType } from '../src/index.ts';
import { contentOf, createSuiteEditor, readContent } from '../src/suite-edits.ts';

interface Gate {
  readonly opened: Promise<void>;
  open(): void;
}

function createGate(): Gate {
  let open: () => void = () => undefined;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

/** A memory backend that records the calls the facade makes. */
function createRecordingBackend() {
  const base = createMemoryBackend();
  const events: string[] = [];
  const batchSizes: number[] = [];
  let writing = 0;
  let maxConcurrentWrites = 0;
  const hooks: {
    afterRead?: () => Promise<void>;
    beforeAppend?: () => Promise<void>;
    failAppend?: Error;
    failReplace?: Error;
  } = {};
  async function write<T>(name: string, body: () => Promise<T>): Promise<T> {
    writing += 1;
    maxConcurrentWrites = Math.max(maxConcurrentWrites, writing);
    try {
      return await body();
    } finally {
      writing -= 1;
      events.push(name);
    }
  }
  const backend: StorageBackend = {
    async readLog(docName) {
      const entries = await base.readLog(docName);
      events.push('read');
      await hooks.afterRead?.();
      return entries;
    },
    appendEntries: (entries) =>
      write('append', async () => {
        await hooks.beforeAppend?.();
        if (hooks.failAppend !== undefined) throw hooks.failAppend;
        batchSizes.push(entries.length);
        return base.appendEntries(entries);
      }),
    replaceEntries: (docName, replaced, merged) =>
      write('replace', async () => {
        if (hooks.failReplace !== undefined) throw hooks.failReplace;
        return base.replaceEntries(docName, replaced, merged);
      }),
    deleteDocument: (docName) => write('delete', () => base.deleteDocument(docName)),
    listDocuments: () => base.listDocuments(),
    close() {
      events.push('close');
      return Promise.resolve();
    },
  };
  return { backend, base, events, batchSizes, hooks, maxConcurrentWrites: () => maxConcurrentWrites };
}

describe('createDocumentStore', () => {
  it('writes the appends of one tick as one batch', async () => {
    const { backend, batchSizes } = createRecordingBackend();
    const store = createDocumentStore(backend);
    const editor = createSuiteEditor();
    await Promise.all([
      ...Array.from({ length: 25 }, (_, index) => store.append('a', editor.set(`k${index}`, index))),
      store.append('b', createSuiteEditor().type('b')),
    ]);
    expect(batchSizes).toEqual([26]);
    await store.append('a', editor.type('x'));
    await store.append('a', editor.type('y'));
    expect(batchSizes).toEqual([26, 1, 1]);
    await store.close();
  });

  it('loads a document with every append issued before the load, even while its batch is being written', async () => {
    const recording = createRecordingBackend();
    const gate = createGate();
    recording.hooks.beforeAppend = () => gate.opened;
    const store = createDocumentStore(recording.backend);
    const editor = createSuiteEditor();
    const first = store.append('doc', editor.type('first'));
    await new Promise(setImmediate);
    const second = store.append('doc', editor.type(' second'));
    const loaded = store.load('doc');
    const other = await store.load('other');
    expect(other).toBeNull();
    gate.open();
    await Promise.all([first, second]);
    expect(readContent((await loaded)?.update ?? new Uint8Array())).toEqual(contentOf(editor));
    await store.close();
  });

  it('writes one batch at a time, gathering appends that arrive meanwhile', async () => {
    const recording = createRecordingBackend();
    const gate = createGate();
    recording.hooks.beforeAppend = () => gate.opened;
    const store = createDocumentStore(recording.backend);
    const editor = createSuiteEditor();
    const first = store.append('doc', editor.type('1'));
    await new Promise(setImmediate);
    const later = [1, 2, 3].map(() => store.append('doc', editor.type('+')));
    await new Promise(setImmediate);
    const last = store.append('doc', editor.type('!'));
    gate.open();
    await Promise.all([first, ...later, last]);
    expect(recording.batchSizes).toEqual([1, 4]);
    expect(recording.maxConcurrentWrites()).toBe(1);
    expect(readContent((await store.load('doc'))?.update ?? new Uint8Array())).toEqual(contentOf(editor));
    await store.close();
  });

  it('rejects every append of a failed batch with ERR_STORAGE_WRITE_FAILED', async () => {
    const recording = createRecordingBackend();
    const diskFull = new Error('ENOSPC');
    recording.hooks.failAppend = diskFull;
    const store = createDocumentStore(recording.backend);
    const results = await Promise.allSettled([
      store.append('a', createSuiteEditor().type('a')),
      store.append('b', createSuiteEditor().type('b')),
    ]);
    expect(results).toMatchObject([
      { status: 'rejected', reason: { code: 'ERR_STORAGE_WRITE_FAILED', docName: 'a', cause: diskFull } },
      { status: 'rejected', reason: { code: 'ERR_STORAGE_WRITE_FAILED', docName: 'b', cause: diskFull } },
    ]);
    expect(await store.load('a')).toBeNull();
    delete recording.hooks.failAppend;
    await store.append('a', createSuiteEditor().type('retried'));
    expect(await store.load('a')).toMatchObject({ entryCount: 1 });
    await store.close();
  });

  it('maps read failures to ERR_STORAGE_READ_FAILED and passes StorageErrors through', async () => {
    const base = createMemoryBackend();
    const failure = new Error('EIO');
    const corrupt = new StorageError('ERR_STORAGE_CORRUPT', 'bad metadata', { docName: 'x' });
    const store = createDocumentStore({
      ...base,
      readLog: () => Promise.reject(failure),
      listDocuments: () => Promise.reject(corrupt),
    });
    await expect(store.load('doc')).rejects.toMatchObject({ code: 'ERR_STORAGE_READ_FAILED', docName: 'doc', cause: failure });
    await expect(store.compact('doc')).rejects.toMatchObject({ code: 'ERR_STORAGE_READ_FAILED' });
    await expect(store.list()).rejects.toBe(corrupt);
    await store.close();
  });

  it('never blocks appends on a compaction and keeps them', async () => {
    const recording = createRecordingBackend();
    const store = createDocumentStore(recording.backend);
    const editor = createSuiteEditor();
    for (let index = 0; index < 10; index += 1) await store.append('doc', editor.set(`before${index}`, index));
    const readDone = createGate();
    const resume = createGate();
    recording.hooks.afterRead = async () => {
      readDone.open();
      await resume.opened;
    };
    const compaction = store.compact('doc');
    await readDone.opened;
    delete recording.hooks.afterRead;
    // These complete while the compaction is paused between its read and its write.
    await Promise.all(Array.from({ length: 15 }, (_, index) => store.append('doc', editor.set(`during${index}`, index))));
    resume.open();
    await compaction;
    const stored = await store.load('doc');
    expect(stored?.entryCount).toBe(16);
    expect(readContent(stored?.update ?? new Uint8Array())).toEqual(contentOf(editor));
    await store.close();
  });

  it('never runs two compactions of one document at once', async () => {
    const recording = createRecordingBackend();
    const store = createDocumentStore(recording.backend);
    const editor = createSuiteEditor();
    for (let index = 0; index < 5; index += 1) await store.append('doc', editor.type(`${index}`));
    recording.events.length = 0;
    await Promise.all([store.compact('doc'), store.compact('doc'), store.compact('doc')]);
    expect(recording.events).toEqual(['read', 'replace', 'read', 'read']);
    await store.close();
  });

  it('does not bring back a document deleted during its compaction', async () => {
    const recording = createRecordingBackend();
    const store = createDocumentStore(recording.backend);
    for (let index = 0; index < 5; index += 1) await store.append('doc', createSuiteEditor().type(`${index}`));
    const readDone = createGate();
    const resume = createGate();
    recording.hooks.afterRead = async () => {
      readDone.open();
      await resume.opened;
    };
    const compaction = store.compact('doc');
    await readDone.opened;
    await store.delete('doc');
    resume.open();
    await compaction;
    delete recording.hooks.afterRead;
    expect(await store.load('doc')).toBeNull();
    expect(recording.events).not.toContain('replace');
    await store.close();
  });

  it('reports background compaction failures to onBackgroundError only', async () => {
    const recording = createRecordingBackend();
    const failure = new Error('EIO');
    recording.hooks.failReplace = failure;
    const reported = new Promise<StorageErrorType>((resolve) => {
      const store = createDocumentStore(recording.backend, { compactAfterEntries: 3, onBackgroundError: resolve });
      void (async () => {
        for (let index = 0; index < 4; index += 1) await store.append('doc', createSuiteEditor().type(`${index}`));
      })();
    });
    expect(await reported).toMatchObject({ code: 'ERR_STORAGE_WRITE_FAILED', docName: 'doc', cause: failure });
  });

  it('keeps the log bounded under automatic compaction', async () => {
    const base = createMemoryBackend();
    const store = createDocumentStore(base, { compactAfterEntries: 20 });
    const editor = createSuiteEditor();
    for (let round = 0; round < 50; round += 1) {
      await Promise.all(Array.from({ length: 7 }, (_, index) => store.append('doc', editor.set(`${round}.${index}`, index))));
    }
    await store.close();
    const entries = await base.readLog('doc');
    expect(entries.length).toBeLessThanOrEqual(20);
    const reopened = createDocumentStore(base);
    expect(readContent((await reopened.load('doc'))?.update ?? new Uint8Array())).toEqual(contentOf(editor));
    await reopened.close();
  });

  const mergedLog = (entries: readonly { update: Uint8Array }[]): Uint8Array => Y.mergeUpdates(entries.map((entry) => entry.update));

  it("compacts to the holder's current state, asked for after the log was read", async () => {
    const base = createMemoryBackend();
    const store = createDocumentStore(base, { compactAfterEntries: 20 });
    // The holder applies every update before appending it, as a sync server does.
    const holder = createSuiteEditor();
    const asked: number[] = [];
    store.useCurrentState((docName) => {
      if (docName !== 'doc') return undefined;
      asked.push(Y.getState(holder.doc.store, holder.doc.clientID));
      return Y.encodeStateAsUpdate(holder.doc);
    });
    for (let round = 0; round < 10; round += 1) {
      await Promise.all(Array.from({ length: 7 }, (_, index) => store.append('doc', holder.set(`${round}.${index}`, index))));
    }
    // Held but not appended yet: a compaction that took the holder's state stores it too.
    holder.type('held');
    await store.compact('doc');
    expect(asked.length).toBeGreaterThanOrEqual(2);
    expect(readContent(mergedLog(await base.readLog('doc'))).text).toBe('held');
    const entries = await base.readLog('doc');
    expect(entries).toHaveLength(1);
    expect(readContent(entries[0]!.update)).toEqual(contentOf(holder));
    // A document the holder does not have is still merged from its log.
    const other = createSuiteEditor();
    for (let index = 0; index < 3; index += 1) await store.append('other', other.type(`${index}`));
    await store.compact('other');
    expect(await base.readLog('other')).toHaveLength(1);
    expect(readContent((await store.load('other'))!.update)).toEqual(contentOf(other));
    await store.close();
  });

  it('resolves close only after running work, then closes the backend once', async () => {
    const recording = createRecordingBackend();
    const store = createDocumentStore(recording.backend);
    for (let index = 0; index < 3; index += 1) await store.append('doc', createSuiteEditor().type(`${index}`));
    const resume = createGate();
    recording.hooks.afterRead = () => resume.opened;
    const compaction = store.compact('doc');
    const append = store.append('doc', createSuiteEditor().type('last'));
    let closed = false;
    const closing = store.close().then(() => (closed = true));
    await append;
    expect(closed).toBe(false);
    resume.open();
    await Promise.all([compaction, closing, store.close()]);
    expect(recording.events.slice(-2)).toEqual(['replace', 'close']);
    expect(recording.events.filter((event) => event === 'close')).toHaveLength(1);
  });

  it('checks its options when created', () => {
    const backend = createMemoryBackend();
    expect(() => createDocumentStore(backend, { compactAfterEntries: 0 })).toThrow(RangeError);
    expect(() => createDocumentStore(backend, { compactAfterBytes: 1.5 })).toThrow(RangeError);
    expect(() => createDocumentStore(backend, { compactAfterEntries: '5' as unknown as number })).toThrow(TypeError);
    expect(() => createDocumentStore(backend, { compactAfterEntries: Infinity })).not.toThrow();
  });
});
