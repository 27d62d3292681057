import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { createSeededRandom } from '@quire/test-utils';
import { inspectUpdate } from './update-inspector.ts';
import { concatenateUpdates, type InspectedUpdate } from './update-concatenation.ts';

function inspected(update: Uint8Array): InspectedUpdate {
  const inspection = inspectUpdate(update);
  if (!inspection.ok) throw new Error(inspection.detail);
  return { update, inspection };
}

/** One local transaction of the kinds editors make: inserts, deletions, formatting, maps, arrays, XML. */
function randomEdit(doc: Y.Doc, random: (below: number) => number, formatting: boolean): void {
  const text = doc.getText('text');
  switch (formatting ? random(7) : [0, 1, 3, 4, 5, 6][random(6)]) {
    case 0:
      text.insert(random(text.length + 1), 'abcdefgh'.slice(0, 1 + random(8)));
      return;
    case 1:
      if (text.length > 0) {
        const at = random(text.length);
        text.delete(at, 1 + random(Math.min(4, text.length - at)));
      } else text.insert(0, 'z');
      return;
    case 2:
      if (text.length > 0) text.format(random(text.length), 1, { bold: random(2) === 0 ? true : null });
      else text.insert(0, 'y', { italic: true });
      return;
    case 3:
      doc.getMap('map').set(`key-${random(4)}`, random(2) === 0 ? random(1000) : { nested: [random(9)] });
      return;
    case 4:
      doc.transact(() => {
        // Inserts and deletions in one transaction: structs and a delete set in one update.
        text.insert(0, 'qq');
        text.delete(text.length - 1, 1);
      });
      return;
    case 5: {
      const array = doc.getArray<number>('array');
      if (array.length > 2 && random(2) === 0) array.delete(random(array.length), 1);
      else array.insert(random(array.length + 1), [random(100), random(100)]);
      return;
    }
    default: {
      const fragment = doc.getXmlFragment('xml');
      const element = new Y.XmlElement('paragraph');
      element.insert(0, [new Y.XmlText('para')]);
      fragment.insert(random(fragment.length + 1), [element]);
    }
  }
}

function contentOf(doc: Y.Doc): unknown {
  return {
    // Yjs types the delta as `any`.
    text: doc.getText('text').toDelta() as unknown,
    map: doc.getMap('map').toJSON(),
    array: doc.getArray('array').toJSON(),
    xml: doc.getXmlFragment('xml').toString(),
  };
}

// The reference is Yjs's own merge, applied in one transaction like the
// join. With formatting, only the content is compared: after each
// transaction Yjs deletes formatting marks that became redundant, and which
// ones depends on the order structs were integrated in, so two equally valid
// replicas can differ in those marks' deletions (they reconcile when the
// deletions are exchanged), never in content.
function expectSameDocument(actual: Y.Doc, expected: Y.Doc, formatting: boolean): void {
  expect(contentOf(actual)).toEqual(contentOf(expected));
  if (!formatting) expect(Y.equalSnapshots(Y.snapshot(actual), Y.snapshot(expected))).toBe(true);
  expect(actual.store.pendingStructs).toBeNull();
  expect(actual.store.pendingDs).toBeNull();
}

function copyOf(doc: Y.Doc): Y.Doc {
  const copy = new Y.Doc();
  Y.applyUpdate(copy, Y.encodeStateAsUpdate(doc));
  return copy;
}

describe('concatenateUpdates', () => {
  it.each([
    ['text, maps, arrays and XML', false],
    ['formatting too', true],
  ])('joins the changes of several editors, applied one after another, into one equivalent update: %s', (_, formatting) => {
    for (let seed = 1; seed <= 40; seed++) {
      const random = createSeededRandom(seed);
      const clients = Array.from({ length: 4 }, () => new Y.Doc());
      const server = new Y.Doc();
      for (let round = 0; round < 12; round++) {
        const before = copyOf(server);
        // Concurrent edits, each editor's in its own order, arriving interleaved.
        const perClient = clients.map((doc) => {
          const updates: Uint8Array[] = [];
          const record = (update: Uint8Array): void => void updates.push(update);
          doc.on('update', record);
          const edits = random(4);
          for (let edit = 0; edit < edits; edit++) randomEdit(doc, random, formatting);
          doc.off('update', record);
          return updates;
        });
        const arrived: { update: Uint8Array; from: number }[] = [];
        const cursors = perClient.map(() => 0);
        for (;;) {
          const open = perClient.map((_, index) => index).filter((index) => cursors[index]! < perClient[index]!.length);
          if (open.length === 0) break;
          const from = open[random(open.length)]!;
          arrived.push({ update: perClient[from]![cursors[from]!++]!, from });
        }
        for (const { update } of arrived) Y.applyUpdate(server, update);

        const whole = concatenateUpdates(arrived.map(({ update }) => inspected(update)));
        expect(whole, `seed ${seed} round ${round}`).toBeDefined();
        const merged = copyOf(before);
        Y.applyUpdate(merged, Y.mergeUpdates(arrived.map(({ update }) => update)));
        Y.applyUpdate(before, whole!);
        expectSameDocument(before, merged, formatting);
        expect(contentOf(before)).toEqual(contentOf(server));

        // What each editor receives: everyone else's changes, joined.
        clients.forEach((doc, index) => {
          const others = arrived.filter(({ from }) => from !== index).map(({ update }) => inspected(update));
          if (others.length === 0) return;
          const joined = concatenateUpdates(others);
          expect(joined).toBeDefined();
          const merged = copyOf(doc);
          Y.applyUpdate(merged, Y.mergeUpdates(others.map(({ update }) => update)));
          Y.applyUpdate(doc, joined!);
          expectSameDocument(doc, merged, formatting);
          expect(contentOf(doc)).toEqual(contentOf(server));
        });
      }
    }
  });

  it('keeps each update part byte for byte: one update comes out as it went in', () => {
    const doc = new Y.Doc();
    const updates: Uint8Array[] = [];
    doc.on('update', (update: Uint8Array) => updates.push(update));
    doc.getText('text').insert(0, 'hello');
    doc.transact(() => {
      doc.getText('text').insert(5, ' world');
      doc.getText('text').delete(0, 1);
    });
    for (const update of updates) expect(concatenateUpdates([inspected(update)])).toEqual(update);
  });

  it("refuses to join a client's structs that do not follow each other", () => {
    const doc = new Y.Doc();
    const updates: Uint8Array[] = [];
    doc.on('update', (update: Uint8Array) => updates.push(update));
    for (const letter of 'abc') doc.getText('text').insert(0, letter);
    expect(concatenateUpdates([inspected(updates[0]!), inspected(updates[2]!)])).toBeUndefined();
    expect(concatenateUpdates([inspected(updates[1]!), inspected(updates[0]!)])).toBeUndefined();
    const joined = concatenateUpdates(updates.map(inspected));
    const replica = new Y.Doc();
    Y.applyUpdate(replica, joined!);
    expect(replica.getText('text').toString()).toBe('cba');
  });
});
