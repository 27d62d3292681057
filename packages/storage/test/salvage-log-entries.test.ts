import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { salvageLogEntries } from '../src/salvage-log-entries.ts';
import type { LogEntry } from '../src/storage-backend.ts';

// Repair runs on damaged data, so its rebuild must hold for any damage:
// never throw, never store pending content, never invent content, and keep a
// whole log whole.

type Edit =
  | { readonly kind: 'insert'; readonly author: number; readonly at: number; readonly text: string }
  | { readonly kind: 'delete'; readonly author: number; readonly at: number; readonly length: number }
  | { readonly kind: 'set'; readonly author: number; readonly key: string; readonly value: number };

const edit: fc.Arbitrary<Edit> = fc.oneof(
  fc.record({ kind: fc.constant('insert' as const), author: fc.nat(2), at: fc.nat(), text: fc.string({ minLength: 1, maxLength: 6 }) }),
  fc.record({ kind: fc.constant('delete' as const), author: fc.nat(2), at: fc.nat(), length: fc.integer({ min: 1, max: 4 }) }),
  fc.record({ kind: fc.constant('set' as const), author: fc.nat(2), key: fc.constantFrom('a', 'b', 'c'), value: fc.integer() }),
);

/** A log as a server would write it: one entry per edit, authors kept in sync. */
function history(edits: readonly Edit[]): { entries: LogEntry[]; whole: Y.Doc } {
  const authors = [0, 1, 2].map(() => new Y.Doc());
  const whole = new Y.Doc();
  const entries: LogEntry[] = [];
  for (const change of edits) {
    const doc = authors[change.author]!;
    const before = Y.encodeStateVector(doc);
    const text = doc.getText('text');
    if (change.kind === 'insert') text.insert(change.at % (text.length + 1), change.text);
    else if (change.kind === 'delete' && text.length > 0) {
      const at = change.at % text.length;
      text.delete(at, Math.min(change.length, text.length - at));
    } else if (change.kind === 'set') doc.getMap('map').set(change.key, change.value);
    const update = Y.encodeStateAsUpdate(doc, before);
    if (update.byteLength <= 2) continue;
    for (const other of authors) if (other !== doc) Y.applyUpdate(other, update);
    Y.applyUpdate(whole, update);
    entries.push({ id: entries.length + 1, update });
  }
  return { entries, whole };
}

type Damage = { readonly index: number; readonly kind: 'truncate' | 'garbage'; readonly cut: number; readonly bytes: Uint8Array };

const damage: fc.Arbitrary<Damage> = fc.record({
  index: fc.nat(),
  kind: fc.constantFrom('truncate' as const, 'garbage' as const),
  cut: fc.integer({ min: 1, max: 8 }),
  bytes: fc.uint8Array({ minLength: 1, maxLength: 24 }),
});

function damaged(entries: readonly LogEntry[], damages: readonly Damage[]): LogEntry[] {
  const result = [...entries];
  for (const { index, kind, cut, bytes } of damages) {
    if (result.length === 0) break;
    const at = index % result.length;
    const entry = result[at]!;
    const update = kind === 'truncate' ? entry.update.slice(0, Math.max(1, entry.update.byteLength - cut)) : bytes;
    result[at] = { id: entry.id, update };
  }
  return result;
}

function stateOf(update: Uint8Array): Map<number, number> {
  return Y.decodeStateVector(Y.encodeStateVectorFromUpdate(update));
}

describe('salvageLogEntries', () => {
  it('rebuilds an undamaged log exactly, leaving nothing out', () => {
    fc.assert(
      fc.property(fc.array(edit, { minLength: 1, maxLength: 40 }), (edits) => {
        const { entries, whole } = history(edits);
        const salvaged = salvageLogEntries(entries);
        expect(salvaged.dropped).toEqual([]);
        expect(salvaged.droppedPendingBytes).toBe(0);
        const rebuilt = new Y.Doc();
        Y.applyUpdate(rebuilt, salvaged.update);
        expect(rebuilt.getText('text').toString()).toBe(whole.getText('text').toString());
        expect(rebuilt.getMap('map').toJSON()).toEqual(whole.getMap('map').toJSON());
      }),
      { numRuns: 150 },
    );
  });

  it('never throws on a damaged log, stores nothing pending and invents no content', () => {
    fc.assert(
      fc.property(fc.array(edit, { minLength: 1, maxLength: 40 }), fc.array(damage, { minLength: 1, maxLength: 4 }), (edits, damages) => {
        const { entries, whole } = history(edits);
        const log = damaged(entries, damages);
        const salvaged = salvageLogEntries(log);
        // Every entry left out is one Yjs cannot read, and is reported with its size.
        for (const dropped of salvaged.dropped) {
          const entry = log.find((candidate) => candidate.id === dropped.id)!;
          expect(dropped.bytes).toBe(entry.update.byteLength);
          expect(() => {
            Y.decodeUpdate(entry.update);
            Y.applyUpdate(new Y.Doc(), entry.update);
          }).toThrow();
        }
        const rebuilt = new Y.Doc();
        Y.applyUpdate(rebuilt, salvaged.update);
        expect(rebuilt.store.pendingStructs).toBeNull();
        expect(rebuilt.store.pendingDs).toBeNull();
        const original = Y.decodeStateVector(Y.encodeStateVector(whole));
        for (const [client, clock] of stateOf(salvaged.update)) {
          // Garbage that happens to decode may carry clients of its own; the authors' clocks never grow.
          if (original.has(client)) expect(clock).toBeLessThanOrEqual(original.get(client)!);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('leaves out every trace of an entry that decodes but fails part-way through being applied', () => {
    // A document's update with three bytes changed: it decodes, and Yjs
    // integrates "he" of its text before it throws.
    const halfApplied = Uint8Array.from(
      Buffer.from(
        '0107b9fdc7b902000401017402686581b9fdc7b902460384b9fdc7b902040620776f726c642801016d016b017601016175027d017d02070101780301700700b9fdc7b9027a060400b9fdc7b9020d02686901b9fdc7b902010203',
        'hex',
      ),
    );
    const probe = new Y.Doc();
    expect(() => Y.applyUpdate(probe, halfApplied)).toThrow();
    expect(probe.getText('t').toString()).toBe('he');

    const author = new Y.Doc();
    const before = Y.encodeStateVector(author);
    author.getText('t').insert(0, 'kept ');
    const first = Y.encodeStateAsUpdate(author, before);
    const middle = Y.encodeStateVector(author);
    author.getText('t').insert(5, 'and kept');
    const last = Y.encodeStateAsUpdate(author, middle);

    const salvaged = salvageLogEntries([
      { id: 1, update: first },
      { id: 2, update: halfApplied },
      { id: 3, update: last },
    ]);
    expect(salvaged.dropped).toEqual([{ id: 2, bytes: halfApplied.byteLength, reason: expect.any(String) as string }]);
    const rebuilt = new Y.Doc();
    Y.applyUpdate(rebuilt, salvaged.update);
    expect(rebuilt.getText('t').toString()).toBe('kept and kept');
    expect([...stateOf(salvaged.update).keys()]).toEqual([author.clientID]);
  });
});
