import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import * as Y from 'yjs';
import type { DocumentStoreOptions } from './create-document-store.ts';
import type { DocumentStore } from './document-store.ts';

/**
 * A real log an older server wrote (packages/storage/fixtures): 546 entries
 * of one document. Seven are joins out of Yjs's form: client sections in
 * arrival order, or delete ranges unsorted, or both. Integrated one by one they hold 2,999 keys of the
 * map "edits" and 403 characters of the text "text"; merged as stored with
 * `Y.mergeUpdates`, 1 key and an empty text.
 */
export function readOutOfOrderLog(): Uint8Array[] {
  const file = new URL('../fixtures/out-of-order-log.json', import.meta.url);
  const { entries } = JSON.parse(readFileSync(file, 'utf8')) as { entries: string[] };
  return entries.map((entry) => new Uint8Array(Buffer.from(entry, 'base64')));
}

/** The document a log makes when its entries are integrated one by one. */
export function integrateOneByOne(entries: readonly Uint8Array[]): Y.Doc {
  const doc = new Y.Doc();
  for (const entry of entries) Y.applyUpdate(doc, entry);
  return doc;
}

/** The compliance tests of a log an older server wrote out of Yjs form (part of runDocumentStoreSuite). */
export function describeOutOfOrderLog(
  open: (options?: DocumentStoreOptions) => Promise<{
    readonly store: DocumentStore;
    readonly injectRawEntry: (docName: string, bytes: Uint8Array) => Promise<void>;
  }>,
): void {
  it('loads, compacts and repairs a log an older server wrote out of Yjs form as its entries one by one', async () => {
    const { store, injectRawEntry } = await open({ compactAfterEntries: Infinity, compactAfterBytes: Infinity });
    const entries = readOutOfOrderLog();
    for (const entry of entries) await injectRawEntry('old-form', entry);
    const expected = integrateOneByOne(entries);
    const expectWhole = async (): Promise<void> => {
      const loaded = integrateOneByOne([(await store.load('old-form'))!.update]);
      expect(loaded.store.pendingStructs).toBeNull();
      expect(loaded.store.pendingDs).toBeNull();
      expect(loaded.getMap('edits').size).toBe(2999);
      expect(loaded.getText('text').length).toBe(403);
      expect(Y.equalSnapshots(Y.snapshot(loaded), Y.snapshot(expected))).toBe(true);
    };
    await expectWhole();
    const found = await store.repair('old-form', { dryRun: true });
    expect(found).toMatchObject({ nonCanonicalEntries: 7, mergeDiffers: true, droppedEntries: [], written: false });
    await store.compact('old-form');
    await expectWhole();
    for (const entry of entries) await injectRawEntry('old-form/repaired', entry);
    expect(await store.repair('old-form/repaired')).toMatchObject({ nonCanonicalEntries: 7, written: true });
    expect(await store.repair('old-form/repaired', { dryRun: true })).toMatchObject({
      nonCanonicalEntries: 0,
      mergeDiffers: false,
      droppedEntries: [],
      droppedPendingBytes: 0,
    });
  });
}
