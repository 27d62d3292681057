import type { CommittedEntry, SequencedDocumentStore } from '@quire/storage';
import { createSeededRandom, needPostgres } from '@quire/test-utils';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { createPostgresBackend } from '../src/postgres-backend.ts';
import type { ReplaceSkip } from '../src/replace-log.ts';
import { COMPACTION_LOCK_NAMESPACE } from '../src/advisory-locks.ts';
import { createPostgresTestContext, type PostgresTestContext } from './postgres-fixture.ts';

const postgres = await needPostgres();

const NO_AUTOMATIC_COMPACTION = { compactAfterEntries: Infinity, compactAfterBytes: Infinity };

/** A Yjs document whose edits are the updates a test appends. */
function createEditor(clientID: number) {
  const doc = new Y.Doc();
  doc.clientID = clientID;
  const updates: Uint8Array[] = [];
  doc.on('update', (update: Uint8Array) => updates.push(update));
  return {
    doc,
    edit(key: string, value: number): Uint8Array {
      doc.transact(() => {
        doc.getMap<number>('map').set(key, value);
        const text = doc.getText('text');
        text.insert(text.length, `${key};`);
        if (value % 5 === 0) text.delete(0, Math.min(3, text.length));
      });
      return updates.at(-1)!;
    },
  };
}

function snapshotOf(update: Uint8Array): unknown {
  const doc = new Y.Doc();
  Y.applyUpdate(doc, update);
  return { map: doc.getMap('map').toJSON(), text: doc.getText('text').toString(), pending: doc.store.pendingStructs };
}

function expectedOf(doc: Y.Doc): unknown {
  return snapshotOf(Y.encodeStateAsUpdate(doc));
}

describe.skipIf(!postgres.ok)('PostgreSQL store shared by several nodes', () => {
  let context: PostgresTestContext;
  beforeAll(async () => {
    context = await createPostgresTestContext();
  });
  beforeEach(() => context.truncate());
  afterEach(() => context.closeAll());
  afterAll(() => context.dispose());

  it('numbers concurrent appends of two nodes to one document 1..n, each announced once by its node', async () => {
    const nodes = [await context.openStore(NO_AUTOMATIC_COMPACTION), await context.openStore(NO_AUTOMATIC_COMPACTION)];
    const heard = nodes.map(() => [] as CommittedEntry[]);
    nodes.forEach((node, index) => node.onCommitted((entries) => heard[index]!.push(...entries)));
    const editors = [createEditor(1), createEditor(2)];
    const perNode = 150;
    await Promise.all(
      nodes.map(async (node, index) => {
        for (let round = 0; round < perNode / 10; round += 1) {
          // Ten appends in one tick: one batch, racing the other node's batches.
          await Promise.all(Array.from({ length: 10 }, (_, at) => node.append('shared', editors[index]!.edit(`n${index}-${round}-${at}`, at))));
        }
      }),
    );
    const all = heard.flat();
    expect(all.map((entry) => entry.seq).sort((a, b) => a - b)).toEqual(Array.from({ length: 2 * perNode }, (_, index) => index + 1));
    for (const entries of heard) {
      expect(entries).toHaveLength(perNode);
      // Each node's own entries are announced in its commit order.
      expect(entries.map((entry) => entry.seq)).toEqual([...entries.map((entry) => entry.seq)].sort((a, b) => a - b));
    }
    const changes = await nodes[1]!.changesAfter('shared', 0);
    expect(changes.seq).toBe(2 * perNode);
    expect(changes.entries.map((entry) => entry.seq)).toEqual(Array.from({ length: 2 * perNode }, (_, index) => index + 1));
    const bySeq = new Map(all.map((entry) => [entry.seq, entry.update]));
    for (const entry of changes.entries) expect(entry.update).toEqual(bySeq.get(entry.seq));
    expect(await nodes[0]!.latestSequences(['shared'])).toEqual(new Map([['shared', 2 * perNode]]));
  });

  it('loses nothing when two nodes compact while a third appends (seeded)', async () => {
    const seed = 20_240_611;
    const random = createSeededRandom(seed);
    let compacted = 0;
    const compactorOptions = { ...NO_AUTOMATIC_COMPACTION, onCompacted: () => (compacted += 1) };
    const [writer, compactorA, compactorB] = [
      await context.openStore(NO_AUTOMATIC_COMPACTION),
      await context.openStore(compactorOptions),
      await context.openStore(compactorOptions),
    ];
    const docNames = ['race/a', 'race/b', 'race/c'];
    const editors = new Map(docNames.map((name, index) => [name, createEditor(10 + index)]));
    let writing = true;
    const pause = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, random(4)));

    const appends = (async () => {
      for (let step = 0; step < 300; step += 1) {
        const docName = docNames[random(docNames.length)]!;
        const batch = 1 + random(4);
        await Promise.all(Array.from({ length: batch }, (_, at) => writer.append(docName, editors.get(docName)!.edit(`s${step}-${at}`, step))));
        if (random(3) === 0) await pause();
      }
      writing = false;
    })();
    const compactions = [compactorA, compactorB].map(async (node) => {
      while (writing) {
        await node.compact(docNames[random(docNames.length)]!);
        await pause();
      }
    });
    await Promise.all([appends, ...compactions]);
    expect(compacted).toBeGreaterThan(10);

    const reader = await context.openStore(NO_AUTOMATIC_COMPACTION);
    for (const docName of docNames) {
      const loaded = await reader.loadSequenced(docName);
      expect(snapshotOf(loaded!.update), `${docName} (seed ${seed})`).toEqual(expectedOf(editors.get(docName)!.doc));
      const latest = (await reader.latestSequences([docName])).get(docName);
      expect(loaded!.seq).toBe(latest);
      // Caught up from nothing, a node gets the same document.
      const changes = await reader.changesAfter(docName, 0);
      const doc = new Y.Doc();
      if (changes.checkpoint !== undefined) Y.applyUpdate(doc, changes.checkpoint);
      for (const entry of changes.entries) Y.applyUpdate(doc, entry.update);
      expect(expectedOf(doc)).toEqual(expectedOf(editors.get(docName)!.doc));
      expect(changes.seq).toBe(latest);
    }
  });

  it('hands out the checkpoint when the asked entries were compacted on another node', async () => {
    const [first, second] = [await context.openStore(NO_AUTOMATIC_COMPACTION), await context.openStore(NO_AUTOMATIC_COMPACTION)];
    const editor = createEditor(3);
    for (let index = 0; index < 6; index += 1) await first.append('doc', editor.edit(`k${index}`, index));
    await second.compact('doc');
    await first.append('doc', editor.edit('after', 1));
    const changes = await first.changesAfter('doc', 2);
    expect(changes).toMatchObject({ checkpointSeq: 6, seq: 7 });
    expect(changes.entries.map((entry) => entry.seq)).toEqual([7]);
    expect(await first.changesAfter('doc', 6)).toMatchObject({ checkpoint: undefined, checkpointSeq: 0, seq: 7 });
    expect(await first.loadSequenced('doc')).toMatchObject({ seq: 7, entryCount: 2 });
  });

  describe('compaction guards', () => {
    function openBackend(onSkipped: (reason: ReplaceSkip) => void) {
      const pool = context.openPool();
      return createPostgresBackend({ pool, ownsPool: false, onCompactionSkipped: (_, reason) => onSkipped(reason) });
    }

    async function fill(store: SequencedDocumentStore, docName: string, count: number) {
      const editor = createEditor(4);
      for (let index = 0; index < count; index += 1) await store.append(docName, editor.edit(`k${index}`, index));
      return editor;
    }

    it('skips while another node holds the document, and over a newer checkpoint or a delete', async () => {
      const store = await context.openStore(NO_AUTOMATIC_COMPACTION);
      const skipped: ReplaceSkip[] = [];
      const backend = openBackend((reason) => skipped.push(reason));
      const editor = await fill(store, 'doc', 4);
      const merged = Y.encodeStateAsUpdate(editor.doc);

      // Busy: another node's compaction holds the lock.
      const holder = await context.openPool().connect();
      await holder.query('BEGIN');
      await holder.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [COMPACTION_LOCK_NAMESPACE, 'doc']);
      await backend.replaceEntries('doc', await backend.readLog('doc'), merged);
      await holder.query('ROLLBACK');
      holder.release();
      expect(skipped).toEqual(['busy']);
      expect((await store.loadSequenced('doc'))?.entryCount).toBe(4);

      // Stale: a read of entries 1..2 after another node compacted 1..4.
      const early = (await backend.readLog('doc')).slice(0, 2);
      await store.compact('doc');
      await backend.replaceEntries('doc', early, Y.encodeStateAsUpdate(new Y.Doc()));
      expect(skipped).toEqual(['busy', 'stale']);
      expect(snapshotOf((await store.load('doc'))!.update)).toEqual(expectedOf(editor.doc));

      // After a delete, a compaction of what was read before it writes nothing back.
      const beforeDelete = await backend.readLog('doc');
      await store.delete('doc');
      await store.append('doc', createEditor(5).edit('fresh', 1));
      await backend.replaceEntries('doc', beforeDelete, merged);
      expect(skipped).toEqual(['busy', 'stale', 'stale']);
      expect((await store.loadSequenced('doc'))?.seq).toBe(5);
      expect(snapshotOf((await store.load('doc'))!.update)).toMatchObject({ map: { fresh: 1 } });
    });
  });
});
