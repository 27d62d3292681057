import fc from 'fast-check';
import * as Y from 'yjs';

/** One step of a random editing history among a few authors. */
export type EditOp =
  | { readonly kind: 'insert'; readonly author: number; readonly at: number; readonly text: string }
  | { readonly kind: 'delete'; readonly author: number; readonly at: number; readonly length: number }
  | { readonly kind: 'set'; readonly author: number; readonly key: string }
  | { readonly kind: 'sync'; readonly author: number; readonly from: number };

/** Authors in a history. */
export const AUTHORS = 3;

export const editOp: fc.Arbitrary<EditOp> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('insert' as const), author: fc.nat(AUTHORS - 1), at: fc.nat(), text: fc.string({ minLength: 1, maxLength: 5 }) }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('delete' as const), author: fc.nat(AUTHORS - 1), at: fc.nat(), length: fc.integer({ min: 1, max: 3 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('set' as const), author: fc.nat(AUTHORS - 1), key: fc.constantFrom('a', 'b', 'c') }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('sync' as const), author: fc.nat(AUTHORS - 1), from: fc.nat(AUTHORS - 1) }) },
);

// Client IDs in any order relative to who writes first: a join of a low ID's
// change and a later high ID's change is where arrival order and Yjs's order part.
export const clientIds = fc.uniqueArray(fc.integer({ min: 0, max: 2 ** 32 - 1 }), { minLength: AUTHORS, maxLength: AUTHORS });

const REMOTE = 'remote';

/**
 * The updates a server receives, in the order it receives them: each
 * author's local transactions as they happen; "sync" brings another
 * author's document in, so later edits build on it.
 */
export function history(ids: readonly number[], ops: readonly EditOp[]): Uint8Array[] {
  return authoredHistory(ids, ops).map(({ update }) => update);
}

export function authoredHistory(ids: readonly number[], ops: readonly EditOp[]): { update: Uint8Array; author: number }[] {
  const authors = ids.map((id) => {
    const doc = new Y.Doc();
    doc.clientID = id;
    return doc;
  });
  const log: { update: Uint8Array; author: number }[] = [];
  authors.forEach((doc, author) => {
    doc.on('update', (update: Uint8Array, origin: unknown) => {
      if (origin !== REMOTE) log.push({ update, author });
    });
  });
  for (const step of ops) {
    const doc = authors[step.author]!;
    const text = doc.getText('text');
    switch (step.kind) {
      case 'insert':
        text.insert(step.at % (text.length + 1), step.text);
        break;
      case 'delete':
        if (text.length === 0) break;
        {
          const at = step.at % text.length;
          text.delete(at, Math.min(step.length, text.length - at));
        }
        break;
      case 'set':
        doc.getMap('map').set(step.key, text.length);
        break;
      case 'sync':
        Y.applyUpdate(doc, Y.encodeStateAsUpdate(authors[step.from]!, Y.encodeStateVector(doc)), REMOTE);
        break;
    }
  }
  for (const doc of authors) doc.destroy();
  return log;
}

/** Consecutive groups of the log, cut where `cuts` say. */
export function groupsOf<T>(log: readonly T[], cuts: readonly boolean[]): T[][] {
  const groups: T[][] = [];
  let current: T[] = [];
  log.forEach((update, index) => {
    current.push(update);
    if (cuts[index % Math.max(1, cuts.length)] === true) {
      groups.push(current);
      current = [];
    }
  });
  if (current.length > 0) groups.push(current);
  return groups;
}

/** The document `updates` make when integrated one by one, in order. */
export function replay(updates: readonly Uint8Array[]): Y.Doc {
  const doc = new Y.Doc();
  for (const update of updates) Y.applyUpdate(doc, update);
  return doc;
}
