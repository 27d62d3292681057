import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { createMemoryStore, type DocumentStore } from '@quire/storage';
import { authoredHistory, clientIds, editOp, groupsOf, replay, toLegacyForm } from '@quire/test-utils/yjs';
import { concatenateUpdates, inspectUpdate } from '@quire/yjs-update';
import { exportDocument, importDocument } from '../src/cli/document-transfer.ts';

// Whatever form its entries are in (joins in Yjs's form, joins an older
// server wrote in arrival order, a merged state written after entries that
// arrived while its compaction ran), a stored log must load, compact, export
// and import as the document its updates make when integrated one by one,
// and a client joining the room that loaded it must get that document too.

const DOC = 'property/doc';

interface Log {
  readonly entries: Uint8Array[];
  readonly expected: Y.Doc;
  /** Whether some entry is not in Yjs's form. */
  readonly legacy: boolean;
}

function join(parts: readonly Uint8Array[]): Uint8Array {
  const inspected = parts.map((update) => {
    const inspection = inspectUpdate(update);
    if (!inspection.ok) throw new Error(inspection.detail);
    return { update, inspection };
  });
  return concatenateUpdates(inspected)!;
}

const scenario = fc.record({
  ids: clientIds,
  ops: fc.array(editOp, { minLength: 1, maxLength: 40 }),
  cuts: fc.array(fc.boolean(), { minLength: 1, maxLength: 10 }),
  // Per group: stored as an older server joined it (arrival order, unsorted deletions).
  legacyGroups: fc.array(fc.boolean(), { minLength: 1, maxLength: 10 }),
  // A compaction that read the first `compactedGroups` groups wrote its merged state after the rest.
  compactedGroups: fc.nat(),
});

type Scenario = typeof scenario extends fc.Arbitrary<infer T> ? T : never;

function buildLog({ ids, ops, cuts, legacyGroups, compactedGroups }: Scenario): Log {
  const log = authoredHistory(ids, ops).map(({ update }) => update);
  const expected = replay(log);
  const groups = groupsOf(log, cuts);
  const entries = groups.map((group, index) => {
    const joined = join(group);
    return legacyGroups[index % legacyGroups.length] === true ? toLegacyForm(joined) : joined;
  });
  const merged = compactedGroups % (entries.length + 1);
  const stored =
    merged >= 2
      ? [...entries.slice(merged), Y.encodeStateAsUpdate(replay(groups.slice(0, merged).flat()))]
      : entries;
  return { entries: stored, expected, legacy: stored.some((entry) => !isCanonical(entry)) };
}

function isCanonical(update: Uint8Array): boolean {
  const inspection = inspectUpdate(update);
  return inspection.ok && inspection.canonical;
}

async function storeWith(entries: readonly Uint8Array[]): Promise<DocumentStore> {
  const store = createMemoryStore({ compactAfterEntries: Infinity, compactAfterBytes: Infinity });
  for (const entry of entries) await store.append(DOC, entry);
  return store;
}

function expectSame(actual: Y.Doc, expected: Y.Doc): void {
  expect(actual.store.pendingStructs).toBeNull();
  expect(actual.store.pendingDs).toBeNull();
  expect(actual.getText('text').toString()).toBe(expected.getText('text').toString());
  expect(actual.getMap('map').toJSON()).toEqual(expected.getMap('map').toJSON());
  expect(Y.equalSnapshots(Y.snapshot(actual), Y.snapshot(expected))).toBe(true);
}

async function loaded(store: DocumentStore, docName = DOC): Promise<Y.Doc> {
  const stored = await store.load(docName);
  return replay(stored === null ? [] : [stored.update]);
}

describe('a stored log, whatever the form of its entries (property)', () => {
  it('loads, compacts, exports and imports as its updates integrated one by one, and a joiner gets the same', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async (input) => {
        const { entries, expected } = buildLog(input);
        fc.pre(entries.length > 0);
        const store = await storeWith(entries);
        try {
          // What a room loads, and what it sends a client that joins with nothing.
          const room = await loaded(store);
          expectSame(room, expected);
          expectSame(replay([Y.encodeStateAsUpdate(room)]), expected);

          // Export, then import into an empty document and into the same one (which adds nothing).
          const exported = await exportDocument(store, DOC);
          await importDocument(store, 'property/imported', exported);
          expectSame(await loaded(store, 'property/imported'), expected);
          const before = (await store.load(DOC))!.entryCount;
          await importDocument(store, DOC, exported);
          expect((await store.load(DOC))!.entryCount).toBe(before);

          await store.compact(DOC);
          expectSame(await loaded(store), expected);
        } finally {
          await store.close();
        }
      }),
      { numRuns: 120 },
    );
  });

  it('check finds entries an older server wrote out of form, and repair rewrites them without losing anything', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async (input) => {
        const { entries, expected, legacy } = buildLog(input);
        fc.pre(entries.length > 0);
        const store = await storeWith(entries);
        try {
          const found = await store.repair(DOC, { dryRun: true });
          expect(found!.nonCanonicalEntries > 0).toBe(legacy);
          expect(found!.written).toBe(false);
          const repaired = await store.repair(DOC);
          expect(repaired!.droppedEntries).toEqual([]);
          expect(repaired!.droppedPendingBytes).toBe(0);
          expectSame(await loaded(store), expected);
          const again = await store.repair(DOC, { dryRun: true });
          expect(again!.nonCanonicalEntries).toBe(0);
          expect(again!.mergeDiffers).toBe(false);
        } finally {
          await store.close();
        }
      }),
      { numRuns: 80 },
    );
  });
});
